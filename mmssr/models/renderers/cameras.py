"""Look-at perspective cameras of SoftRas as an object (conventions.md).

A thin object over the functions of :mod:`mmssr.structures.cameras`, so the
renderer parts pass one camera around instead of eyes and a viewing angle.
"""
from torch import Tensor

from mmssr.structures.cameras import (look_at_rotation, perspective,
                                      world_to_camera)


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
