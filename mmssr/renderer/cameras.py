"""Look-at perspective cameras of SoftRas (docs: conventions.md).

Eyes look at the origin with up = +y; which eye a dataset view id has is the
data contract's business (:mod:`mmssr.structures.views`). The functions are
the maths; :class:`LookAtPerspectiveCameras` carries eyes and the viewing
angle so that the renderer parts pass one camera around.
"""
import math
from typing import Sequence

import torch
from torch import Tensor


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


class LookAtPerspectiveCameras:
    """A batch of cameras at ``eyes`` looking at the origin with up = +y.

    Args:
        eyes: (B, 3) camera positions in world coordinates.
        viewing_angle: half field of view θ in degrees (SSR: 15).

    Screen coordinates are ``x' = x/(z tan θ)``, ``y' = y/(z tan θ)`` with
    x right and y up; the camera-frame depth ``z`` is kept as third value.
    """

    def __init__(self, eyes: Tensor, viewing_angle: float = 15.0) -> None:
        if eyes.dim() != 2 or eyes.shape[-1] != 3:
            raise ValueError(f'eyes must be (B, 3), got {tuple(eyes.shape)}')
        self.eyes = eyes
        self.viewing_angle = float(viewing_angle)

    def __len__(self) -> int:
        return self.eyes.shape[0]

    def get_world_to_view_rotation(self) -> Tensor:
        """(B, 3, 3) rotations whose rows are the camera's x, y, z axes."""
        return look_at_rotation(self.eyes)

    def world_to_view(self, points: Tensor) -> Tensor:
        """World points (B, V, 3) -> camera frame (B, V, 3), z = depth."""
        return world_to_camera(points, self.eyes.to(points))

    def view_to_screen(self, points: Tensor) -> Tensor:
        """Camera-frame points (..., 3) -> screen (x', y', z)."""
        return perspective(points, self.viewing_angle)

    def transform_points(self, points: Tensor) -> Tensor:
        """World points (B, V, 3) -> screen (x', y', z) (B, V, 3)."""
        return self.view_to_screen(self.world_to_view(points))
