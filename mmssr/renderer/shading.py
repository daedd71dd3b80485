"""Flat Lambertian shading of faces: per-face colours for the colour blends.

The renderer's textures are one RGB per face, so shading happens before
rasterization, once per face, rather than per pixel.
"""
from typing import Sequence

import torch
from torch import Tensor

DEFAULT_LIGHT = (0.4, 0.8, -0.6)


def face_normals(vertices: Tensor, faces: Tensor) -> Tensor:
    """Unit normals (B, F, 3) of faces (F, 3) of vertices (B, V, 3)."""
    tri = vertices[:, faces]
    normal = torch.cross(
        tri[:, :, 1] - tri[:, :, 0], tri[:, :, 2] - tri[:, :, 0], dim=-1)
    return torch.nn.functional.normalize(normal, dim=-1, eps=1e-12)


def lambertian_face_colors(vertices: Tensor,
                           faces: Tensor,
                           base_color: Sequence[float] = (0.75, 0.75, 0.8),
                           light_dir: Sequence[float] = DEFAULT_LIGHT,
                           ambient: float = 0.35,
                           two_sided: bool = True) -> Tensor:
    """Per-face RGB (B, F, 3) of a directional light plus ambient.

    ``base_color`` may be one RGB or per-face colours (B, F, 3). The shade
    is ``ambient + (1 - ambient) cos``, where ``cos`` is the cosine between
    the face normal and ``light_dir`` (the direction towards the light):
    its absolute value when ``two_sided``, else clamped at 0.
    """
    normal = face_normals(vertices, faces)
    light = torch.nn.functional.normalize(
        torch.as_tensor(
            light_dir, dtype=vertices.dtype, device=vertices.device),
        dim=0)
    cos = (normal * light).sum(-1)
    cos = cos.abs() if two_sided else cos.clamp_min(0.0)
    shade = ambient + (1.0 - ambient) * cos
    base = torch.as_tensor(
        base_color, dtype=vertices.dtype, device=vertices.device)
    return (shade.unsqueeze(-1) * base).clamp(0.0, 1.0)
