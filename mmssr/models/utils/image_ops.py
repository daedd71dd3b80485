"""Small image operations shared by heads and hooks."""
import math

import torch
import torch.nn.functional as F
from torch import Tensor


def rotate_images(images: Tensor, degrees) -> Tensor:
    """Rotate images (N, C, S, S) in-plane about their centre.

    ``degrees`` is one angle for all images or a tensor (N,) of angles.
    Pixels rotated in from outside are zero.
    """
    angle = torch.as_tensor(
        degrees, dtype=images.dtype, device=images.device) * (
            math.pi / 180.0)
    angle = angle.expand(images.shape[0])
    cos, sin = torch.cos(angle), torch.sin(angle)
    zero = torch.zeros_like(cos)
    mat = torch.stack([
        torch.stack([cos, -sin, zero], -1),
        torch.stack([sin, cos, zero], -1)
    ], 1)
    grid = F.affine_grid(mat, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, align_corners=False)
