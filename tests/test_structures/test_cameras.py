import math

import pytest
import torch

from mmssr.renderer import (look_at_rotation, perspective, pixel_centers,
                            world_to_camera)
from mmssr.structures import view_ids_to_eyes


def test_view_ids_to_eyes_matches_design():
    eyes = view_ids_to_eyes(torch.arange(24), dtype=torch.float64)
    assert eyes.shape == (24, 3)
    # distance 2.732 and elevation 30 degrees for every view
    assert torch.allclose(
        eyes.norm(dim=-1), torch.full((24, ), 2.732, dtype=torch.float64))
    assert torch.allclose(eyes[:, 1],
                          torch.full((24, ), 2.732 * 0.5, dtype=torch.float64))
    # view 0 looks from -z; view 6 is azimuth -90 degrees -> eye on -x
    d = 2.732 * math.cos(math.radians(30))
    assert torch.allclose(eyes[0],
                          torch.tensor([0., 1.366, -d], dtype=torch.float64))
    assert torch.allclose(
        eyes[6],
        torch.tensor([-d, 1.366, 0.], dtype=torch.float64),
        atol=1e-12)
    with pytest.raises(TypeError):
        view_ids_to_eyes(torch.tensor([0.5]))


def test_look_at_is_orthonormal_and_points_at_origin():
    eyes = view_ids_to_eyes(torch.arange(24), dtype=torch.float64)
    rot = look_at_rotation(eyes)
    eye3 = torch.eye(3, dtype=torch.float64).expand(24, 3, 3)
    assert torch.allclose(rot @ rot.transpose(1, 2), eye3, atol=1e-12)
    # the origin lies on the optical axis at the eye's distance
    origin = torch.zeros(24, 1, 3, dtype=torch.float64)
    cam = world_to_camera(origin, eyes)
    assert torch.allclose(
        cam[:, 0, :2], torch.zeros(24, 2, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(cam[:, 0, 2],
                          torch.full((24, ), 2.732, dtype=torch.float64))


def test_offset_right_and_up_at_azimuth_zero():
    eyes = view_ids_to_eyes([0], dtype=torch.float64)
    pts = torch.tensor([[[0.3, 0.2, 0.0]]], dtype=torch.float64)
    proj = perspective(world_to_camera(pts, eyes), viewing_angle=15)
    assert proj[0, 0, 0] > 0 and proj[0, 0, 1] > 0


def test_pixel_centers_convention():
    grid = pixel_centers(4)
    # row 0, column 0 is the top-left pixel
    assert torch.allclose(grid[0, 0], torch.tensor([-0.75, 0.75]))
    assert torch.allclose(grid[3, 3], torch.tensor([0.75, -0.75]))
