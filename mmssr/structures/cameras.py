"""Look-at cameras and the perspective of SoftRas (docs: conventions.md).

Eyes look at the origin with up = +y. Which eye a dataset view id has is the
data contract's business (:mod:`mmssr.structures.views`).
"""
import math
from typing import Sequence, Union

import torch
from torch import Tensor


def eye_from_angles(distance: Union[float, Tensor],
                    elevation: Union[float, Tensor],
                    azimuth: Union[float, Tensor],
                    degrees: bool = True) -> Tensor:
    """Eye position ``(d·cos e·sin a, d·sin e, −d·cos e·cos a)``.

    Arguments broadcast against each other; the result has shape
    ``broadcast_shape + (3,)``.
    """
    distance, elevation, azimuth = (
        torch.as_tensor(x, dtype=torch.get_default_dtype())
        if not isinstance(x, Tensor) else x
        for x in (distance, elevation, azimuth))
    if degrees:
        elevation = elevation * (math.pi / 180.0)
        azimuth = azimuth * (math.pi / 180.0)
    distance, elevation, azimuth = torch.broadcast_tensors(
        distance, elevation, azimuth)
    return torch.stack([
        distance * torch.cos(elevation) * torch.sin(azimuth),
        distance * torch.sin(elevation),
        -distance * torch.cos(elevation) * torch.cos(azimuth),
    ],
                       dim=-1)


def look_at_rotation(
    eyes: Tensor,
    at: Sequence[float] = (0.0, 0.0, 0.0),
    up: Sequence[float] = (0.0, 1.0, 0.0)
) -> Tensor:
    """World->camera rotations ``R`` (B, 3, 3) with rows (x, y, z) axes.

    z = normalize(at − eye), x = normalize(up × z), y = z × x; a camera-frame
    point is ``R @ (p − eye)``.
    """
    at_t = torch.as_tensor(at, dtype=eyes.dtype, device=eyes.device)
    up_t = torch.as_tensor(up, dtype=eyes.dtype, device=eyes.device)
    z_axis = torch.nn.functional.normalize(at_t - eyes, dim=-1, eps=1e-12)
    x_axis = torch.nn.functional.normalize(
        torch.cross(up_t.expand_as(z_axis), z_axis, dim=-1), dim=-1, eps=1e-12)
    y_axis = torch.cross(z_axis, x_axis, dim=-1)
    return torch.stack([x_axis, y_axis, z_axis], dim=-2)


def world_to_camera(vertices: Tensor, eyes: Tensor) -> Tensor:
    """Vertices (B, V, 3) world -> camera frame (look-at origin, up +y)."""
    rot = look_at_rotation(eyes)
    return torch.matmul(vertices - eyes[:, None, :], rot.transpose(1, 2))


def perspective(points: Tensor, viewing_angle: float = 15.0) -> Tensor:
    """Perspective division: ``x' = x/(z·tan θ)``, ``y' = y/(z·tan θ)``.

    ``z`` is kept. Points at ``z == 0`` would divide by zero; their depth is
    outside any valid near plane, so the renderer drops them, and here the
    denominator is clamped away from zero only to keep values finite.
    """
    tan = math.tan(math.radians(viewing_angle))
    z = points[..., 2]
    denom = z * tan
    tiny = torch.finfo(points.dtype).tiny
    denom = torch.where(denom.abs() < tiny, torch.full_like(denom, tiny),
                        denom)
    return torch.stack([points[..., 0] / denom, points[..., 1] / denom, z],
                       dim=-1)


def pixel_centers(image_size: int,
                  dtype: torch.dtype = torch.float32,
                  device=None) -> Tensor:
    """Screen coordinates of pixel centres, (S, S, 2) as (x, y).

    Pixel (row r, column c) has ``x = (2c + 1 − S)/S``, ``y = (S − 1 − 2r)/S``
    (row 0 is the top of the image).
    """
    s = image_size
    idx = torch.arange(s, dtype=dtype, device=device)
    xs = (2 * idx + 1 - s) / s
    ys = (s - 1 - 2 * idx) / s
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing='ij')
    return torch.stack([grid_x, grid_y], dim=-1)
