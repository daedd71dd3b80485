import numpy as np
import pytest
import torch

from mmssr.renderer import lambertian_face_colors
from mmssr.visualization import image_grid, render_mesh_views, rgba_to_rgb


def tetrahedron():
    verts = torch.tensor([[[0.3, 0.3, 0.3], [-0.3, -0.3, 0.3],
                           [-0.3, 0.3, -0.3], [0.3, -0.3, -0.3]]])
    faces = torch.tensor([[0, 1, 2], [0, 3, 1], [0, 2, 3], [1, 3, 2]])
    return verts, faces


def test_render_views_shape_and_content():
    verts, faces = tetrahedron()
    images = render_mesh_views(verts, faces, view_ids=(0, 6), image_size=32)
    assert images.shape == (1, 2, 32, 32, 3) and images.dtype == np.uint8
    # white background in the corners, darker shaded object in the middle
    assert (images[0, :, 0, 0] == 255).all()
    assert images[0, :, 16, 16].max() < 255


def test_lambertian_shading_follows_the_light():
    verts, faces = tetrahedron()
    colors = lambertian_face_colors(
        verts,
        faces,
        base_color=(1., 1., 1.),
        light_dir=(0.3, 1., 0.1),
        ambient=0.0)
    assert colors.shape == (1, 4, 3)
    assert torch.all(colors >= 0) and torch.all(colors <= 1)
    assert colors[0, :, 0].max() > colors[0, :, 0].min()


def test_rgba_to_rgb_and_grid():
    rgba = np.zeros((4, 8, 8), dtype=np.uint8)
    rgba[0, :4] = 255
    rgba[3, :4] = 255  # opaque red top half, transparent bottom half
    rgb = rgba_to_rgb(rgba)
    assert rgb.shape == (8, 8, 3)
    assert tuple(rgb[0, 0]) == (255, 0, 0)
    assert tuple(rgb[7, 0]) == (255, 255, 255)
    grid = image_grid([[rgb, rgb], [rgb]], pad=1)
    assert grid.shape == (2 * 9 + 1, 2 * 9 + 1, 3)
    with pytest.raises(ValueError):
        rgba_to_rgb(np.zeros((3, 8, 8), dtype=np.uint8))
