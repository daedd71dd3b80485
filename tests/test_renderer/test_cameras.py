import math

import pytest
import torch

from mmssr.renderer import (LookAtPerspectiveCameras, look_at_rotation,
                            perspective, world_to_camera)
from mmssr.structures import view_ids_to_eyes


def test_known_point_on_the_optical_axis_frame():
    # An eye on -z looking at the origin: camera x = world x, y = world y.
    eyes = torch.tensor([[0.0, 0.0, -3.0]], dtype=torch.float64)
    cams = LookAtPerspectiveCameras(eyes, viewing_angle=15.0)
    point = torch.tensor([[[0.3, -0.2, 0.5]]], dtype=torch.float64)
    view = cams.world_to_view(point)
    torch.testing.assert_close(
        view, torch.tensor([[[0.3, -0.2, 3.5]]], dtype=torch.float64))
    tan = math.tan(math.radians(15.0))
    expected = torch.tensor([[[0.3 / (3.5 * tan), -0.2 / (3.5 * tan), 3.5]]],
                            dtype=torch.float64)
    torch.testing.assert_close(
        cams.transform_points(point), expected, rtol=0, atol=1e-12)
    # the look-at target projects to the image centre
    origin = torch.zeros(1, 1, 3, dtype=torch.float64)
    torch.testing.assert_close(
        cams.transform_points(origin),
        torch.tensor([[[0.0, 0.0, 3.0]]], dtype=torch.float64))


def test_matches_the_structures_functions():
    gen = torch.Generator().manual_seed(0)
    eyes = view_ids_to_eyes([0, 5, 17], dtype=torch.float64)
    points = torch.rand(3, 10, 3, generator=gen, dtype=torch.float64) - 0.5
    cams = LookAtPerspectiveCameras(eyes, viewing_angle=20.0)
    assert len(cams) == 3
    torch.testing.assert_close(
        cams.world_to_view(points),
        world_to_camera(points, eyes),
        rtol=0,
        atol=0)
    torch.testing.assert_close(
        cams.transform_points(points),
        perspective(world_to_camera(points, eyes), 20.0),
        rtol=0,
        atol=0)
    rot = cams.get_world_to_view_rotation()
    torch.testing.assert_close(rot, look_at_rotation(eyes))
    torch.testing.assert_close(
        rot @ rot.transpose(1, 2),
        torch.eye(3, dtype=torch.float64).expand(3, 3, 3))


def test_dataset_view_zero_looks_down_thirty_degrees():
    eyes = view_ids_to_eyes([0], dtype=torch.float64)
    cams = LookAtPerspectiveCameras(eyes)
    # the origin lies straight ahead at the dataset distance
    torch.testing.assert_close(
        cams.world_to_view(torch.zeros(1, 1, 3, dtype=torch.float64)),
        torch.tensor([[[0.0, 0.0, 2.732]]], dtype=torch.float64))
    # a point above the origin appears above the centre (y up on screen)
    up = cams.transform_points(
        torch.tensor([[[0.0, 0.2, 0.0]]], dtype=torch.float64))
    assert up[0, 0, 1] > 0 and abs(up[0, 0, 0]) < 1e-12


def test_rejects_bad_eyes():
    with pytest.raises(ValueError):
        LookAtPerspectiveCameras(torch.zeros(3))
