"""The SoftRas decoder: deform a template sphere."""
import math
from typing import Sequence, Tuple

import numpy as np
import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmssr.geometry import icosphere
from mmssr.registry import MODELS


def rotation_matrix(degrees: Sequence[float]) -> np.ndarray:
    """Rotation about x, then y, then z by the given angles (degrees)."""
    ax, ay, az = (math.radians(a) for a in degrees)
    rx = np.array([[1, 0, 0], [0, math.cos(ax), -math.sin(ax)],
                   [0, math.sin(ax), math.cos(ax)]])
    ry = np.array([[math.cos(ay), 0, math.sin(ay)], [0, 1, 0],
                   [-math.sin(ay), 0, math.cos(ay)]])
    rz = np.array([[math.cos(az), -math.sin(az), 0],
                   [math.sin(az), math.cos(az), 0], [0, 0, 1]])
    return rz @ ry @ rx


@MODELS.register_module()
class TemplateMeshDecoder(BaseModule):
    """Predict a mesh as a deformation of an icosphere template.

    FC ``in_channels`` -> 1024 -> 2048 (ReLU), then a centroid head (3,
    scaled by ``centroid_scale``) and a per-vertex offset head (V·3, scaled
    by ``bias_scale``). A template coordinate b (scaled by
    ``template_scale``) moves in logit space, ``v = sigmoid(logit(|b|) +
    offset)·sign(b)``; a tanh centroid c rescales the positive and negative
    half-spaces by (1 − c) and (1 + c) and shifts them by c; the result is
    halved, so every vertex stays inside [−0.5, 0.5]³.

    The icosphere has coordinates that are exactly 0, where logit(0) = −∞
    and sign(0) = 0 would pin the vertex to the centroid with zero gradient
    (a quirk of the reference). The template is therefore turned by the small
    fixed rotation ``template_rotation`` (degrees about x, y, z), which moves
    every coordinate off zero; no clamping is involved.
    """

    def __init__(self,
                 in_channels: int = 512,
                 subdivisions: int = 3,
                 hidden_dims: Tuple[int, int] = (1024, 2048),
                 template_scale: float = 0.5,
                 centroid_scale: float = 0.1,
                 bias_scale: float = 1.0,
                 template_rotation: Sequence[float] = (7.0, 11.0, 13.0),
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        verts, faces = icosphere(subdivisions)
        verts = verts @ rotation_matrix(template_rotation).T
        if np.abs(verts).min() < 1e-6:
            raise ValueError('template_rotation leaves a template coordinate '
                             'at zero; choose other angles')
        self.register_buffer(
            'template',
            torch.as_tensor(verts * template_scale, dtype=torch.float32))
        self.register_buffer('faces', torch.as_tensor(faces))
        self.centroid_scale = centroid_scale
        self.bias_scale = bias_scale
        self.num_vertices = verts.shape[0]
        self.fc1 = nn.Linear(in_channels, hidden_dims[0])
        self.fc2 = nn.Linear(hidden_dims[0], hidden_dims[1])
        self.fc_centroid = nn.Linear(hidden_dims[1], 3)
        self.fc_bias = nn.Linear(hidden_dims[1], self.num_vertices * 3)

    def forward(self, features: Tensor) -> Tuple[Tensor, Tensor]:
        """Features (N, C) -> vertices (N, V, 3), faces (F, 3)."""
        x = torch.relu(self.fc1(features))
        x = torch.relu(self.fc2(x))
        centroid = self.fc_centroid(x) * self.centroid_scale
        bias = self.fc_bias(x).view(-1, self.num_vertices, 3)
        bias = bias * self.bias_scale
        base = self.template.expand_as(bias)
        sign = torch.sign(base)
        base = base.abs()
        base = torch.log(base / (1 - base))
        centroid = torch.tanh(centroid)[:, None, :]
        scale_pos = 1 - centroid
        scale_neg = centroid + 1
        verts = torch.sigmoid(base + bias) * sign
        verts = torch.relu(verts) * scale_pos - torch.relu(-verts) * scale_neg
        verts = (verts + centroid) * 0.5
        return verts, self.faces
