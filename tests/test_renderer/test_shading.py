import math

import torch

from mmssr.renderer import face_normals, lambertian_face_colors

# two triangles in the z = 0 plane: face 0 counter-clockwise seen from +z
# (normal +z), face 1 the same triangle wound the other way (normal -z)
VERTS = torch.tensor([[[0., 0., 0.], [1., 0., 0.], [0., 1., 0.]]],
                     dtype=torch.float64)
FACES = torch.tensor([[0, 1, 2], [0, 2, 1]])
BASE = (0.5, 0.6, 0.7)


def test_face_normals():
    normals = face_normals(VERTS, FACES)
    torch.testing.assert_close(
        normals,
        torch.tensor([[[0., 0., 1.], [0., 0., -1.]]], dtype=torch.float64))


def test_face_facing_the_light_gets_full_shade():
    colors = lambertian_face_colors(
        VERTS, FACES, BASE, light_dir=(0, 0, 2), ambient=0.3, two_sided=False)
    base = torch.tensor(BASE, dtype=torch.float64)
    # facing: ambient + (1 - ambient) * 1; facing away: ambient only
    torch.testing.assert_close(colors[0, 0], base)
    torch.testing.assert_close(colors[0, 1], 0.3 * base)
    two_sided = lambertian_face_colors(
        VERTS, FACES, BASE, light_dir=(0, 0, 2), ambient=0.3, two_sided=True)
    torch.testing.assert_close(two_sided[0, 1], base)


def test_oblique_light_and_per_face_base_colours():
    # light at 60 degrees from the normal: cos = 0.5
    light = (math.sin(math.radians(60)), 0.0, math.cos(math.radians(60)))
    per_face = torch.tensor([[[1., 0., 0.], [0., 1., 0.]]],
                            dtype=torch.float64)
    colors = lambertian_face_colors(
        VERTS, FACES, per_face, light_dir=light, ambient=0.2, two_sided=True)
    shade = 0.2 + 0.8 * 0.5
    torch.testing.assert_close(colors, per_face * shade)
