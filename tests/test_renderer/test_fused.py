"""The fused silhouette backend against the dense oracle and the torch path.

Oracle tests run for both backends ('torch' always; 'fused' where numba is
installed, skipped cleanly otherwise), so CI checks the reference and the
fast path with the same tolerances.
"""
import math
import sys
import warnings

import pytest
import torch

from mmssr.renderer import (RasterizationSettings, SoftMeshRasterizer,
                            SoftRasterizer, fused, look_at_rotation,
                            render_triangles, soft_silhouette_blend)
from mmssr.renderer.rasterizer import gather_face_vertices
from mmssr.renderer.reference import dense_alpha
from mmssr.structures import view_ids_to_eyes
from .test_soft_rasterizer import (assert_grad_close, asymmetric_mesh,
                                   icosphere_mesh, random_mesh)

# imports numba (not a compile): skips cleanly where it is missing or broken
HAS_NUMBA = fused.fused_available()
needs_numba = pytest.mark.skipif(not HAS_NUMBA, reason='numba not installed')
BACKENDS = ['torch', pytest.param('fused', marks=needs_numba)]
TOLERANCES = [(torch.float32, 1e-5), (torch.float64, 1e-10)]


def degenerate_mesh(dtype=torch.float64):
    """A good triangle, a point (i, i, i), a segment (i, j, j), a triangle
    with three distinct collinear corners and a sliver."""
    verts = torch.tensor(
        [[-0.25, -0.2, 0.0], [0.3, -0.2, 0.05], [0.0, 0.3, -0.05],
         [0.1, 0.1, 0.1], [-0.3, 0.05, 0.0], [0.25, -0.05, 0.0],
         [-0.2, -0.3, 0.0], [0.0, -0.1, 0.0], [0.2, 0.1, 0.0], [0.3, 0.3, 0.0],
         [-0.3, 0.31, 0.0], [0.0, 0.3001, 0.0]],
        dtype=dtype)
    faces = torch.tensor([[0, 1, 2], [3, 3, 3], [4, 5, 5], [6, 7, 8],
                          [9, 10, 11]])
    return verts, faces


def behind_camera_mesh(eye, dtype=torch.float64):
    """A visible triangle, one with a corner behind the eye, one with a
    corner nearer than ``near``, one beyond ``far``."""
    eye = eye.to(dtype)
    verts = torch.tensor([[-0.2, -0.2, 0.0], [0.2, -0.2, 0.0], [0.0, 0.2, 0.0],
                          [0.0, 0.0, 0.0], [0.1, 0.0, 0.0], [0.0, 0.1, 0.0],
                          [0.1, -0.1, 0.0], [0.2, 0.0, 0.0], [0.0, 0.0, 0.0]],
                         dtype=dtype)
    verts = torch.cat(
        [verts, (eye * 1.5)[None], (eye * 0.8)[None], (-eye * 60)[None]])
    faces = torch.tensor([[0, 1, 2], [9, 4, 5], [3, 10, 5], [6, 7, 11],
                          [8, 6, 7]])
    return verts, faces


def render_pair(backend, verts, faces, eyes, size, sigma=1e-4, **kwargs):
    """(alpha, dense alpha, grad, dense grad) for a random weighting."""
    renderer = SoftRasterizer(
        image_size=size, sigma_val=sigma, backend=backend, **kwargs)
    v_prod = verts.clone().requires_grad_()
    v_dense = verts.clone().requires_grad_()
    alpha = renderer(v_prod, faces, eyes)[:, 3]
    expected = dense_alpha(
        v_dense, faces, eyes, image_size=size, sigma=sigma, **kwargs)
    weight = torch.rand(
        alpha.shape,
        dtype=verts.dtype,
        generator=torch.Generator().manual_seed(1))
    (alpha * weight).sum().backward()
    (expected * weight).sum().backward()
    return alpha, expected, v_prod.grad, v_dense.grad


def batch_of(verts, dtype, views=(0, 5, 13, 21)):
    eyes = view_ids_to_eyes(list(views), dtype=dtype)
    verts = verts.to(dtype).expand(len(views), -1, -1).clone()
    verts[1] += torch.tensor([0.1, -0.05, 0.02], dtype=dtype)
    return verts, eyes


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('dtype,atol', TOLERANCES)
@pytest.mark.parametrize('mesh', ['random', 'sphere', 'asymmetric'])
def test_matches_dense_oracle(backend, dtype, atol, mesh):
    if mesh == 'random':
        verts, faces = random_mesh(dtype=dtype)
        size = 32
    elif mesh == 'sphere':
        verts, faces = icosphere_mesh(dtype=dtype)
        size = 24
    else:
        verts, faces = asymmetric_mesh(dtype=dtype)
        size = 20
    verts, eyes = batch_of(verts, dtype)
    alpha, expected, grad, grad_dense = render_pair(backend, verts, faces,
                                                    eyes, size)
    torch.testing.assert_close(alpha, expected, atol=atol, rtol=0)
    assert alpha.max() > 0.9
    assert_grad_close(grad, grad_dense)
    assert grad.abs().sum() > 0


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('dtype,atol', TOLERANCES)
def test_degenerate_faces_match_dense_oracle(backend, dtype, atol):
    verts, faces = degenerate_mesh(dtype)
    verts, eyes = batch_of(verts, dtype, views=(0, 3))
    alpha, expected, grad, grad_dense = render_pair(
        backend, verts, faces, eyes, 24, sigma=1e-3)
    torch.testing.assert_close(alpha, expected, atol=atol, rtol=0)
    assert torch.isfinite(grad).all()
    # (i, i, i) and (i, j, j) faces have the same nearest-edge gradient in
    # both; three distinct collinear corners tie between overlapping edges,
    # where the derivative is undefined: compare the vertices away from it.
    keep = torch.ones(verts.shape[1], dtype=torch.bool)
    keep[6:9] = False
    assert_grad_close(grad[:, keep], grad_dense[:, keep])


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('dtype,atol', TOLERANCES)
def test_behind_camera_and_clipped_faces(backend, dtype, atol):
    eyes = view_ids_to_eyes([0], dtype=dtype)
    verts, faces = behind_camera_mesh(eyes[0], dtype)
    alpha, expected, grad, grad_dense = render_pair(
        backend, verts[None], faces, eyes, 24, sigma=1e-3)
    torch.testing.assert_close(alpha, expected, atol=atol, rtol=0)
    assert alpha.max() > 0.9
    assert_grad_close(grad, grad_dense)
    assert torch.all(grad[0, 9:] == 0)  # only dropped faces use them


@pytest.mark.parametrize('backend', BACKENDS)
def test_empty_meshes(backend):
    renderer = SoftRasterizer(
        image_size=8, backend=backend, background_color=(0.1, 0.2, 0.3))
    eyes = view_ids_to_eyes([0, 1], dtype=torch.float64)
    for num_verts in (0, 4):
        v = torch.zeros(
            2, num_verts, 3, dtype=torch.float64, requires_grad=True)
        img = renderer(v, torch.zeros(0, 3, dtype=torch.long), eyes)
        assert img.shape == (2, 4, 8, 8)
        assert img[:, 3].abs().max() == 0
        torch.testing.assert_close(
            img[:, :3, 0, 0],
            torch.tensor([[0.1, 0.2, 0.3]] * 2, dtype=torch.float64))
        img.sum().backward()
        assert v.grad is None or not v.grad.any()


@pytest.mark.parametrize('backend', BACKENDS)
def test_gradcheck_tiny_mesh(backend):
    verts = torch.tensor([[[-0.3, -0.2, 0.0], [0.35, -0.25, 0.05],
                           [0.0, 0.3, -0.1], [0.2, 0.2, 0.2]]],
                         dtype=torch.float64,
                         requires_grad=True)
    faces = torch.tensor([[0, 1, 2], [1, 3, 2]])
    eyes = view_ids_to_eyes([2], dtype=torch.float64)
    renderer = SoftRasterizer(image_size=8, sigma_val=3e-2, backend=backend)
    assert torch.autograd.gradcheck(
        lambda v: renderer(v, faces, eyes)[:, 3], (verts, ),
        eps=1e-6,
        atol=1e-6)


@needs_numba
@pytest.mark.parametrize('seed', range(4))
def test_fused_equals_torch_path_on_random_meshes(seed):
    gen = torch.Generator().manual_seed(seed)
    batch = 3
    num_verts = int(torch.randint(5, 40, (1, ), generator=gen))
    num_faces = int(torch.randint(1, 80, (1, ), generator=gen))
    # up to 4 units wide: faces cross the near plane and leave the image
    scale = (1.0, 2.0, 4.0, 0.5)[seed % 4]
    verts = (torch.rand(
        batch, num_verts, 3, generator=gen, dtype=torch.float64) - 0.5) * scale
    faces = torch.randint(0, num_verts, (batch, num_faces, 3), generator=gen)
    eyes = view_ids_to_eyes(
        torch.randint(0, 24, (batch, ), generator=gen), dtype=torch.float64)
    size = int(torch.randint(8, 40, (1, ), generator=gen))
    sigma = float(10**torch.empty(1).uniform_(-5, -2, generator=gen))
    weight = torch.rand(batch, size, size, generator=gen, dtype=torch.float64)
    for dtype, atol, rtol in ((torch.float64, 1e-12, 1e-9), (torch.float32,
                                                             1e-5, 1e-4)):
        # the reference: the torch path in float64 on the same (rounded)
        # inputs; in float32 the fused kernels (float64 inside) are closer to
        # it than the float32 torch path is, on large screen coordinates
        out = {}
        for backend, run_dtype in (('torch', torch.float64), ('fused', dtype)):
            v = verts.detach().to(dtype).to(run_dtype).requires_grad_()
            renderer = SoftRasterizer(
                image_size=size, sigma_val=sigma, backend=backend)
            alpha = renderer(v, faces, eyes.to(dtype).to(run_dtype))[:, 3]
            (alpha * weight.to(run_dtype)).sum().backward()
            out[backend] = alpha.detach(), v.grad
        assert out['fused'][0].dtype == dtype
        torch.testing.assert_close(
            out['fused'][0].double(), out['torch'][0], atol=atol, rtol=0)
        assert_grad_close(out['fused'][1].double(), out['torch'][1], rtol)


@needs_numba
def test_kernel_exp_within_two_ulp():
    """The kernels' inlined exp against libm: 2 ulp where exp(x) is a
    normal float, about 0 below, 0 for NaN and -inf, 1 at 0 and above."""
    import numpy as np

    from mmssr.renderer.fused.kernels import exp_nonpositive
    gen = np.random.default_rng(0)
    xs = np.concatenate([
        -gen.random(20000) * 30, -gen.random(20000) * 745, [0.0, -0.0],
        -np.log(2) / 64 * np.arange(0, 70000, 997)  # table boundaries
    ])
    got = np.array([exp_nonpositive(x) for x in xs])
    expected = np.exp(xs)
    normal = expected > 2.3e-308
    ulp = np.abs(got - expected)[normal] / np.spacing(expected[normal])
    assert ulp.max() <= 2.0
    assert np.abs(got - expected)[~normal].max() < 1e-307  # subnormal
    assert [exp_nonpositive(x) for x in (-745.0, -1e9, -np.inf, np.nan)] == [
        0.0] * 4
    assert exp_nonpositive(0.0) == 1.0 and exp_nonpositive(3.0) == 1.0


@needs_numba
def test_fused_functions_match_fragments_and_blend():
    verts, faces = icosphere_mesh(subdivisions=2)
    verts, eyes = batch_of(verts, torch.float64, views=(1, 7))
    renderer = SoftRasterizer(image_size=20)
    screen = renderer.project(verts, eyes)
    face_vertices = gather_face_vertices(screen, faces)
    settings = RasterizationSettings(image_size=20, sigma=1e-4)
    reference = soft_silhouette_blend(
        SoftMeshRasterizer(settings).rasterize_faces(face_vertices), 1e-4)
    torch.testing.assert_close(
        fused.fused_silhouette(screen, faces, settings),
        reference,
        atol=1e-12,
        rtol=0)
    torch.testing.assert_close(
        fused.fused_soft_silhouette(face_vertices, settings),
        reference,
        atol=1e-12,
        rtol=0)
    # render_triangles() takes the backend too
    for backend in ('torch', 'fused', 'auto'):
        torch.testing.assert_close(
            render_triangles(face_vertices, settings,
                             backend=backend)[:, 3],
            reference,
            atol=1e-12,
            rtol=0)
    # shared faces given per batch item, and negative (wrapped) indices
    torch.testing.assert_close(
        fused.fused_silhouette(screen, faces.expand(2, -1, -1), settings),
        reference,
        atol=1e-12,
        rtol=0)
    torch.testing.assert_close(
        fused.fused_silhouette(screen, faces - screen.shape[1], settings),
        reference,
        atol=1e-12,
        rtol=0)
    with pytest.raises(IndexError):
        fused.fused_silhouette(screen, faces + 1000, settings)


@needs_numba
def test_fused_sigma_textures_threads_and_edges():
    verts, faces = icosphere_mesh(subdivisions=1)
    eyes = view_ids_to_eyes([0, 9], dtype=torch.float64)
    verts = verts.expand(2, -1, -1)
    torch_r = SoftRasterizer(image_size=16, backend='torch')
    fused_r = SoftRasterizer(image_size=16, backend='fused')
    for sigma in (1e-2, 1e-6):  # sigma schedules reach the kernels
        torch_r.set_sigma(sigma)
        fused_r.set_sigma(sigma)
        torch.testing.assert_close(
            fused_r(verts, faces, eyes),
            torch_r(verts, faces, eyes),
            atol=1e-12,
            rtol=0)
    # colour keeps the torch fragments path
    colors = torch.rand(2, faces.shape[0], 3, dtype=torch.float64)
    torch.testing.assert_close(
        fused_r(verts, faces, eyes, textures=colors),
        torch_r(verts, faces, eyes, textures=colors))
    # deterministic whatever the thread count
    threads = torch.get_num_threads()
    v = verts.clone().requires_grad_()
    fused_r(v, faces, eyes)[:, 3].pow(2).sum().backward()
    try:
        torch.set_num_threads(2)
        v2 = verts.clone().requires_grad_()
        fused_r(v2, faces, eyes)[:, 3].pow(2).sum().backward()
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(v.grad, v2.grad)
    # a pixel centre exactly on an edge has d = 0, hence D = 0.5
    renderer = SoftRasterizer(image_size=4, sigma_val=1e-2, backend='fused')
    eye = view_ids_to_eyes([0], dtype=torch.float64)
    tan = math.tan(math.radians(15))
    rot = look_at_rotation(eye)[0]
    cam = torch.tensor([[-0.75, -0.75], [0.25, -0.75], [0.25, 0.25]],
                       dtype=torch.float64) * 2.732 * tan
    cam = torch.cat([cam, torch.full((3, 1), 2.732, dtype=torch.float64)], 1)
    img = renderer(((cam @ rot) + eye[0])[None], torch.tensor([[0, 1, 2]]),
                   eye)
    assert abs(img[0, 3, 3, 1].item() - 0.5) < 1e-6


def test_backend_option_is_checked():
    with pytest.raises(ValueError, match='backend'):
        SoftRasterizer(backend='cuda')
    with pytest.raises(ValueError, match='backend'):
        fused.resolve_backend('numba', torch.zeros(1))
    assert fused.resolve_backend('torch', torch.zeros(1)) == 'torch'
    assert 'backend' in repr(SoftRasterizer(backend='auto'))


def test_auto_and_fused_take_torch_off_cpu(monkeypatch):
    monkeypatch.setattr(fused, '_warned', set())
    meta = torch.zeros(1, device='meta')  # any non-CPU device
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert fused.resolve_backend('auto', meta) == 'torch'
    with pytest.warns(RuntimeWarning, match='CPU tensors only'):
        assert fused.resolve_backend('fused', meta) == 'torch'
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # warned once only
        assert fused.resolve_backend('fused', meta) == 'torch'


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_auto_renders_cuda_with_torch():
    verts, faces = icosphere_mesh(subdivisions=1)
    eyes = view_ids_to_eyes([0], dtype=torch.float64)
    cpu = SoftRasterizer(
        image_size=16, backend='torch')(verts[None], faces, eyes)
    gpu = SoftRasterizer(
        image_size=16, backend='auto')(verts[None].cuda(), faces.cuda(),
                                       eyes.cuda())
    torch.testing.assert_close(gpu.cpu(), cpu, atol=1e-10, rtol=0)


def test_falls_back_to_torch_without_numba(monkeypatch):
    """With numba unimportable, 'fused' and 'auto' render with torch and
    warn once; the kernels module is only imported on first use."""
    monkeypatch.setitem(sys.modules, 'numba', None)  # import -> ImportError
    monkeypatch.delitem(
        sys.modules, 'mmssr.renderer.fused.kernels', raising=False)
    monkeypatch.setattr(fused, '_kernels', None)
    monkeypatch.setattr(fused, '_warned', set())
    assert not fused.fused_available()
    verts, faces = icosphere_mesh(subdivisions=1)
    eyes = view_ids_to_eyes([0], dtype=torch.float64)
    reference = SoftRasterizer(
        image_size=16, backend='torch')(verts[None], faces, eyes)
    with pytest.warns(RuntimeWarning, match='numba'):
        img = SoftRasterizer(
            image_size=16, backend='fused')(verts[None], faces, eyes)
    torch.testing.assert_close(img, reference)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        img = SoftRasterizer(
            image_size=16, backend='auto')(verts[None], faces, eyes)
    torch.testing.assert_close(img, reference)
    with pytest.raises(RuntimeError, match='numba'):
        fused.fused_silhouette(verts[None], faces, RasterizationSettings())
