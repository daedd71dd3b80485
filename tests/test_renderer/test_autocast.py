"""The renderer under torch.autocast (tools/train.py --amp): float32 out,
the same numbers as without autocast."""
import pytest
import torch

from mmssr.renderer import (RasterizationSettings, SoftRasterizer,
                            render_triangles)
from mmssr.structures import view_ids_to_eyes
from .test_soft_rasterizer import icosphere_mesh


def inputs():
    verts, faces = icosphere_mesh(dtype=torch.float32)
    verts = (verts[None] * torch.tensor([[1.0], [0.8]])[..., None]).clone()
    eyes = view_ids_to_eyes(torch.tensor([3, 17])).float()
    textures = torch.rand(
        2, faces.shape[0], 3, generator=torch.Generator().manual_seed(0))
    return verts, faces, eyes, textures


def render_with_grad(renderer, verts, faces, eyes, textures, autocast):
    """Forward under autocast (or not), backward outside it, as mmengine's
    AmpOptimWrapper does."""
    verts = verts.clone().requires_grad_(True)
    textures = None if textures is None else \
        textures.clone().requires_grad_(True)
    with torch.autocast('cpu', dtype=torch.bfloat16, enabled=autocast):
        out = renderer(verts, faces, eyes, textures)
    weight = torch.linspace(0, 1, out.numel()).view_as(out)
    (out * weight).sum().backward()
    return out.detach(), verts.grad, None if textures is None else \
        textures.grad


@pytest.mark.parametrize('backend', ['torch', 'fused'])
@pytest.mark.parametrize('coloured', [False, True])
def test_autocast_leaves_the_renderer_in_float32(backend, coloured):
    verts, faces, eyes, textures = inputs()
    textures = textures if coloured else None
    renderer = SoftRasterizer(image_size=32, backend=backend)
    plain = render_with_grad(renderer, verts, faces, eyes, textures, False)
    # the CPU's autocast; CUDA's float16 autocast takes the same path
    amp = render_with_grad(renderer, verts, faces, eyes, textures, True)
    assert amp[0].dtype == torch.float32
    assert plain[0][:, 3].sum() > 10  # something was drawn
    for a, b in zip(plain, amp):
        if a is not None:
            assert torch.equal(a, b)


def test_half_inputs_render_in_float32():
    verts, faces, eyes, textures = inputs()
    renderer = SoftRasterizer(image_size=32, backend='torch')
    plain = renderer(verts, faces, eyes, textures)
    half = renderer(verts.bfloat16().float(), faces, eyes, textures)
    out = renderer(verts.bfloat16(), faces, eyes, textures.bfloat16())
    assert out.dtype == torch.float32
    # promoted, not computed in bfloat16: equal to the float32 render of
    # the rounded inputs
    assert torch.equal(
        out[:, 3],
        renderer(verts.bfloat16().float(), faces, eyes, None)[:, 3])
    assert torch.equal(out[:, 3], half[:, 3])
    assert not torch.equal(out[:, 3], plain[:, 3])  # the inputs were rounded


@pytest.mark.parametrize('backend', ['torch', 'fused'])
def test_render_triangles_promotes_half_screen_triangles(backend):
    verts, faces, eyes, _ = inputs()
    renderer = SoftRasterizer(image_size=32, backend='torch')
    half = renderer.project(verts, eyes)[:, faces].bfloat16()
    settings = RasterizationSettings(image_size=32, sigma=1e-4)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = render_triangles(half, settings, backend=backend)
    assert out.dtype == torch.float32
    assert torch.equal(
        out, render_triangles(half.float(), settings, backend=backend))


def test_the_camera_matmul_never_uses_tf32(monkeypatch):
    """env_cfg.tf32 lets the networks' matmuls use TensorFloat-32; the
    renderer's projection must not (a 10-bit mantissa)."""
    from mmssr.renderer import cameras
    seen = []
    matmul = torch.matmul

    def recording_matmul(*args, **kwargs):
        seen.append(torch.get_float32_matmul_precision())
        return matmul(*args, **kwargs)

    monkeypatch.setattr(cameras.torch, 'matmul', recording_matmul)
    verts, faces, eyes, _ = inputs()
    before = torch.get_float32_matmul_precision()
    torch.set_float32_matmul_precision('high')
    try:
        SoftRasterizer(image_size=16, backend='torch')(verts, faces, eyes)
        assert seen == ['highest']
        assert torch.get_float32_matmul_precision() == 'high'  # restored
    finally:
        torch.set_float32_matmul_precision(before)
