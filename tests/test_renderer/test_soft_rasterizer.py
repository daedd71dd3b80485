import math

import numpy as np
import open3d as o3d
import pytest
import torch

from mmssr.registry import MODELS
from mmssr.renderer import SoftRasterizer, look_at_rotation
from mmssr.renderer.reference import dense_alpha, dense_softmax_rgb
from mmssr.structures import view_ids_to_eyes


def icosphere_mesh(radius=0.4, subdivisions=3, dtype=torch.float64):
    mesh = o3d.geometry.TriangleMesh.create_icosahedron(1.0)
    mesh = mesh.subdivide_midpoint(subdivisions)
    v = np.asarray(mesh.vertices)
    v = v / np.linalg.norm(v, axis=1, keepdims=True) * radius
    return (torch.as_tensor(v, dtype=dtype),
            torch.as_tensor(np.asarray(mesh.triangles), dtype=torch.long))


def box_mesh(size=(0.6, 0.4, 0.3), center=(0., 0., 0.), dtype=torch.float64):
    mesh = o3d.geometry.TriangleMesh.create_box(*size)
    v = np.asarray(mesh.vertices) - np.asarray(size) / 2 + np.asarray(center)
    return (torch.as_tensor(v, dtype=dtype),
            torch.as_tensor(np.asarray(mesh.triangles), dtype=torch.long))


def asymmetric_mesh(dtype=torch.float64):
    """An L-shaped union of two boxes plus a cone: no symmetry to hide in."""
    parts = [
        o3d.geometry.TriangleMesh.create_box(0.5, 0.15, 0.2).translate(
            (-0.3, -0.3, -0.1)),
        o3d.geometry.TriangleMesh.create_box(0.15, 0.45, 0.2).translate(
            (-0.3, -0.15, -0.1)),
        o3d.geometry.TriangleMesh.create_cone(0.12, 0.3).translate(
            (0.25, 0.0, 0.1)),
    ]
    mesh = parts[0] + parts[1] + parts[2]
    return (torch.as_tensor(np.asarray(mesh.vertices), dtype=dtype),
            torch.as_tensor(np.asarray(mesh.triangles), dtype=torch.long))


def random_mesh(num_vertices=14, num_faces=24, seed=0, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    verts = torch.rand(num_vertices, 3, generator=gen, dtype=dtype) - 0.5
    faces = torch.randint(0, num_vertices, (num_faces, 3), generator=gen)
    return verts, faces


def assert_grad_close(actual, expected, rtol=1e-4):
    scale = expected.abs().max().clamp_min(1e-12)
    err = (actual - expected).abs().max()
    assert err <= rtol * scale, f'max grad error {err} vs scale {scale}'


@pytest.mark.parametrize('dtype,atol', [(torch.float32, 1e-5),
                                        (torch.float64, 1e-10)])
@pytest.mark.parametrize('mesh', ['random', 'sphere'])
def test_alpha_and_gradients_match_dense_oracle(dtype, atol, mesh):
    if mesh == 'random':
        verts, faces = random_mesh(dtype=dtype)
        size = 32
    else:
        verts, faces = icosphere_mesh(dtype=dtype)
        size = 24
    eyes = view_ids_to_eyes([0, 5, 13, 21], dtype=dtype)
    verts = verts.expand(4, -1, -1).clone()
    verts[1] += torch.tensor([0.1, -0.05, 0.02], dtype=dtype)
    renderer = SoftRasterizer(image_size=size, sigma_val=1e-4)
    v_prod = verts.clone().requires_grad_()
    v_dense = verts.clone().requires_grad_()
    alpha = renderer(v_prod, faces, eyes)[:, 3]
    expected = dense_alpha(v_dense, faces, eyes, image_size=size)
    torch.testing.assert_close(alpha, expected, atol=atol, rtol=0)
    assert alpha.max() > 0.9  # something was drawn
    weight = torch.rand(
        alpha.shape, dtype=dtype, generator=torch.Generator().manual_seed(1))
    (alpha * weight).sum().backward()
    (expected * weight).sum().backward()
    assert_grad_close(v_prod.grad, v_dense.grad)
    assert v_prod.grad.abs().sum() > 0


def test_gradcheck_tiny_case():
    verts = torch.tensor([[[-0.3, -0.2, 0.0], [0.35, -0.25, 0.05],
                           [0.0, 0.3, -0.1], [0.2, 0.2, 0.2]]],
                         dtype=torch.float64,
                         requires_grad=True)
    faces = torch.tensor([[0, 1, 2], [1, 3, 2]])
    eyes = view_ids_to_eyes([2], dtype=torch.float64)
    renderer = SoftRasterizer(image_size=8, sigma_val=3e-2)
    assert torch.autograd.gradcheck(
        lambda v: renderer(v, faces, eyes)[:, 3], (verts, ),
        eps=1e-6,
        atol=1e-6)


def raycast_silhouette(verts, faces, eye, image_size, viewing_angle=15.0):
    scene = o3d.t.geometry.RaycastingScene()
    scene.add_triangles(
        o3d.core.Tensor(verts.numpy().astype(np.float32)),
        o3d.core.Tensor(faces.numpy().astype(np.uint32)))
    s = image_size
    idx = np.arange(s)
    xs = (2 * idx + 1 - s) / s
    ys = (s - 1 - 2 * idx) / s
    gy, gx = np.meshgrid(ys, xs, indexing='ij')
    tan = math.tan(math.radians(viewing_angle))
    dirs_cam = np.stack([gx * tan, gy * tan, np.ones_like(gx)], -1)
    rot = look_at_rotation(eye[None].double())[0].numpy()
    dirs = dirs_cam.reshape(-1, 3) @ rot  # R^T d for row vectors
    origins = np.broadcast_to(eye.numpy(), dirs.shape)
    rays = np.concatenate([origins, dirs], 1).astype(np.float32)
    hit = scene.cast_rays(o3d.core.Tensor(rays))['t_hit'].numpy()
    return np.isfinite(hit).reshape(s, s)


@pytest.mark.parametrize('make_mesh',
                         [icosphere_mesh, box_mesh, asymmetric_mesh])
def test_silhouette_agrees_with_open3d_raycasting(make_mesh):
    verts, faces = make_mesh()
    eyes = view_ids_to_eyes(torch.arange(24), dtype=torch.float64)
    renderer = SoftRasterizer(image_size=64, sigma_val=1e-7)
    alpha = renderer(verts.expand(24, -1, -1), faces, eyes)[:, 3] > 0.5
    for v in range(24):
        ray = raycast_silhouette(verts, faces, eyes[v], 64)
        agree = (alpha[v].numpy() == ray).mean()
        assert ray.sum() > 50
        assert agree >= 0.99, f'view {v}: agreement {agree:.4f}'


def test_orientation_right_and_up_at_azimuth_zero():
    verts, faces = box_mesh(size=(0.2, 0.2, 0.2), center=(0.3, 0.25, 0.0))
    renderer = SoftRasterizer(image_size=64, sigma_val=1e-6)
    alpha = renderer(verts[None], faces,
                     view_ids_to_eyes([0], dtype=torch.float64))[0, 3]
    rows, cols = torch.nonzero(alpha > 0.5, as_tuple=True)
    assert cols.float().mean() > 40  # right half of the image
    assert rows.float().mean() < 24  # top half (row 0 is the top)
    # View 6 (azimuth -90 deg) looks from -x toward +x with up +y, so the
    # camera's right is world -z: an object offset to +z appears on the left.
    verts_z, _ = box_mesh(size=(0.2, 0.2, 0.2), center=(0.0, 0.0, 0.3))
    alpha6 = renderer(verts_z[None], faces,
                      view_ids_to_eyes([6], dtype=torch.float64))[0, 3]
    cols6 = torch.nonzero(alpha6 > 0.5, as_tuple=True)[1]
    assert cols6.float().mean() < 24


def test_alpha_ignores_winding_and_fill_back():
    verts, faces = icosphere_mesh(subdivisions=2)
    eyes = view_ids_to_eyes([3], dtype=torch.float64)
    flipped = faces[:, [0, 2, 1]]
    r1 = SoftRasterizer(image_size=32, fill_back=True)
    r2 = SoftRasterizer(image_size=32, fill_back=False)
    a = r1(verts[None], faces, eyes)[:, 3]
    for renderer, f in ((r1, flipped), (r2, faces), (r2, flipped)):
        torch.testing.assert_close(renderer(verts[None], f, eyes)[:, 3], a)


def two_quads(dtype=torch.float64):
    """A near red quad over the left half of a far green full-size quad."""
    verts = torch.tensor(
        [[-0.4, -0.4, 0.3], [0.4, -0.4, 0.3], [0.4, 0.4, 0.3],
         [-0.4, 0.4, 0.3], [-0.3, -0.3, -0.3], [0.0, -0.3, -0.3],
         [0.0, 0.3, -0.3], [-0.3, 0.3, -0.3]],
        dtype=dtype)
    # wound so both face the eye of view 0 (clockwise on screen)
    faces = torch.tensor([[0, 2, 1], [0, 3, 2], [4, 6, 5], [4, 7, 6]])
    colors = torch.tensor(
        [[0., 1., 0.], [0., 1., 0.], [1., 0., 0.], [1., 0., 0.]], dtype=dtype)
    return verts, faces, colors


def test_hard_colour_is_z_buffered():
    verts, faces, colors = two_quads()
    eyes = view_ids_to_eyes([0], dtype=torch.float64)
    renderer = SoftRasterizer(
        image_size=32,
        sigma_val=1e-6,
        aggr_func_rgb='hard',
        background_color=(0., 0., 1.))
    img = renderer(verts[None], faces, eyes, textures=colors[None])[0]
    red = (img[0] > 0.99) & (img[1] < 0.01)
    green = (img[1] > 0.99) & (img[0] < 0.01)
    assert red.sum() > 50 and green.sum() > 50
    # red (near) occludes green inside its footprint; red sits left of centre
    cols_red = torch.nonzero(red, as_tuple=True)[1]
    assert cols_red.float().mean() < 16
    assert torch.all(img[2][img[3] < 0.5] == 1.0)  # background is blue
    # where alpha says covered, every pixel has a face colour
    assert torch.all((red | green)[img[3] > 0.5])


def test_hard_colour_fill_back_excludes_back_faces():
    verts, faces, colors = two_quads()
    eyes = view_ids_to_eyes([0], dtype=torch.float64)
    flipped = faces.clone()
    flipped[2:] = faces[2:, [0, 2, 1]]  # near red quad now faces away
    kwargs = dict(image_size=32, sigma_val=1e-6, aggr_func_rgb='hard')
    with_back = SoftRasterizer(
        fill_back=True, **kwargs)(
            verts[None], flipped, eyes, textures=colors[None])[0]
    no_back = SoftRasterizer(
        fill_back=False, **kwargs)(
            verts[None], flipped, eyes, textures=colors[None])[0]
    assert (with_back[0] > 0.99).sum() > 50
    assert (no_back[0] > 0.99).sum() == 0  # back-facing red is skipped
    torch.testing.assert_close(with_back[3], no_back[3])


def test_softmax_colour_matches_dense_formula():
    verts, faces, colors = two_quads()
    verts = verts.expand(2, -1, -1).clone()
    verts[1] += 0.05
    eyes = view_ids_to_eyes([0, 1], dtype=torch.float64)
    textures = colors.expand(2, -1, -1).clone().requires_grad_()
    renderer = SoftRasterizer(
        image_size=16,
        sigma_val=1e-3,
        gamma_val=1e-2,
        aggr_func_rgb='softmax',
        background_color=(0.2, 0.3, 0.4))
    img = renderer(verts, faces, eyes, textures=textures)
    expected = dense_softmax_rgb(
        verts,
        faces,
        eyes,
        colors.expand(2, -1, -1),
        image_size=16,
        sigma=1e-3,
        gamma=1e-2,
        bg=(0.2, 0.3, 0.4))
    torch.testing.assert_close(
        img[:, :3].permute(0, 2, 3, 1), expected, atol=1e-8, rtol=1e-6)
    img[:, :3].sum().backward()
    assert textures.grad.abs().sum() > 0


def test_degenerate_and_out_of_range_triangles_are_safe():
    dtype = torch.float32
    eyes = view_ids_to_eyes([0], dtype=dtype)
    eye = eyes[0]
    verts = torch.tensor(
        [[
            [-0.2, -0.2, 0.0],
            [0.2, -0.2, 0.0],
            [0.0, 0.2, 0.0],  # good
            [0.1, 0.1, 0.1],
            [0.1, 0.1, 0.1],
            [0.1, 0.1, 0.1],  # a point
            [-0.3, 0.0, 0.0],
            [0.0, 0.0, 0.0],
            [0.3, 0.0, 0.0],  # a line
            [0.0, 0.0, 0.0],
            [0.1, 0.0, 0.0],
            [0.0, 0.0, 0.0],
        ]],
        dtype=dtype)
    verts[0, 9] = eye * 1.5  # behind the camera
    verts[0, 11] = eye - torch.tensor([0., 0., -0.5])  # nearer than `near`
    faces = torch.arange(12).view(4, 3)
    renderer = SoftRasterizer(image_size=32)
    v = verts.clone().requires_grad_()
    img = renderer(v, faces, eyes)
    reference = renderer(verts[:, :3], faces[:1], eyes)
    assert torch.isfinite(img).all()
    img[:, 3].sum().backward()
    assert torch.isfinite(v.grad).all()
    assert torch.all(v.grad[0, 9:] == 0)  # the dropped triangle
    # degenerate triangles cover nothing inside but still have a soft fringe;
    # a line/point fringe within the good triangle's area changes little
    assert (img[:, 3] - reference[:, 3]).abs().max() < 0.5


def test_empty_mesh_and_pixel_centres_on_edges():
    renderer = SoftRasterizer(image_size=4, sigma_val=1e-2)
    eyes = view_ids_to_eyes([0], dtype=torch.float64)
    empty = renderer(
        torch.zeros(1, 0, 3, dtype=torch.float64),
        torch.zeros(0, 3, dtype=torch.long), eyes)
    assert empty.shape == (1, 4, 4, 4) and empty[:, 3].abs().max() == 0
    # put the projected triangle's vertex and edges exactly on pixel centres
    # (+-0.25, +-0.75): screen x' = x / (z tan) -> choose camera-frame points
    tan = math.tan(math.radians(15))
    rot = look_at_rotation(eyes)[0]
    depth = 2.732
    cam = torch.tensor([[-0.75, -0.75], [0.25, -0.75], [0.25, 0.25]],
                       dtype=torch.float64) * depth * tan
    cam = torch.cat([cam, torch.full((3, 1), depth, dtype=torch.float64)], 1)
    world = (cam @ rot) + eyes[0]
    v = world[None].clone().requires_grad_()
    img = renderer(v, torch.tensor([[0, 1, 2]]), eyes)
    assert torch.isfinite(img).all()
    img[:, 3].sum().backward()
    assert torch.isfinite(v.grad).all()
    # a centre exactly on an edge has d = 0, hence D = 0.5
    assert abs(img[0, 3, 3, 1].item() - 0.5) < 1e-6


def test_set_sigma_and_registry():
    renderer = MODELS.build(dict(type='SoftRasterizer', image_size=16))
    verts, faces = icosphere_mesh(subdivisions=1)
    eyes = view_ids_to_eyes([0], dtype=torch.float64)
    sharp = renderer(verts[None], faces, eyes)[:, 3]
    renderer.set_sigma(1e-2)
    blurry = renderer(verts[None], faces, eyes)[:, 3]
    assert blurry.sum() > sharp.sum()
    with pytest.raises(ValueError):
        renderer.set_sigma(0.0)
    with pytest.raises(ValueError):
        SoftRasterizer(aggr_func_rgb='max')
    with pytest.raises(ValueError, match='eyes'):
        renderer(verts[None], faces, eyes[:, :2])
    with pytest.raises(IndexError):
        renderer(verts[None], faces + 1000, eyes)


def test_batched_faces_equal_shared_faces():
    verts, faces = icosphere_mesh(subdivisions=1)
    eyes = view_ids_to_eyes([0, 7], dtype=torch.float64)
    renderer = SoftRasterizer(image_size=16)
    shared = renderer(verts.expand(2, -1, -1), faces, eyes)
    batched = renderer(verts.expand(2, -1, -1), faces.expand(2, -1, -1), eyes)
    torch.testing.assert_close(shared, batched)
