"""The renderer and the training parts on a CUDA GPU (skipped without one).

Selected with ``pytest -m cuda``; ``tools/misc/gpu_check.py`` runs them.
No open3d here: the GPU image may lack it.
"""
import pytest
import torch

from mmssr.geometry import icosphere
from mmssr.renderer import SoftRasterizer
from mmssr.structures import view_ids_to_eyes

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
]


def sphere(batch, dtype, device):
    verts, faces = icosphere(3)
    verts = torch.as_tensor(verts, dtype=torch.float64) * 0.4
    gen = torch.Generator().manual_seed(0)
    # drawn in float64 whatever the dtype: the same meshes in both
    verts = verts[None] * (
        1 + 0.2 * torch.rand(batch, 1, 3, generator=gen, dtype=torch.float64))
    eyes = view_ids_to_eyes(torch.arange(batch) * 5 % 24).double()
    return (verts.to(device, dtype), torch.as_tensor(faces).to(device),
            eyes.to(device, dtype))


def alpha_and_grad(renderer, verts, faces, eyes):
    verts = verts.clone().requires_grad_(True)
    alpha = renderer(verts, faces, eyes)[:, 3]
    weight = torch.linspace(
        0, 1, alpha.numel(), dtype=alpha.dtype,
        device=alpha.device).view_as(alpha)
    (alpha * weight).sum().backward()
    return alpha.detach(), verts.grad


@pytest.mark.parametrize('size', [64, 256])
def test_float32_cuda_matches_float64_cpu(size):
    renderer = SoftRasterizer(image_size=size, backend='torch')
    ref_alpha, ref_grad = alpha_and_grad(renderer,
                                         *sphere(4, torch.float64, 'cpu'))
    alpha, grad = alpha_and_grad(renderer, *sphere(4, torch.float32, 'cuda'))
    assert alpha.dtype == torch.float32
    torch.testing.assert_close(
        alpha.cpu().double(), ref_alpha, atol=2e-4, rtol=0)
    scale = ref_grad.abs().max()
    assert (grad.cpu().double() - ref_grad).abs().max() <= 2e-3 * scale


def test_chunk_sizes_and_autocast_agree_on_cuda():
    verts, faces, eyes = sphere(8, torch.float32, 'cuda')
    ref = SoftRasterizer(image_size=64, backend='torch')(verts, faces, eyes)
    for chunk in (1 << 12, 1 << 16, 1 << 24):
        out = SoftRasterizer(
            image_size=64, backend='torch', pairs_per_chunk=chunk)(verts,
                                                                   faces, eyes)
        torch.testing.assert_close(out, ref, atol=1e-6, rtol=1e-5)
    with torch.autocast('cuda', dtype=torch.float16):
        amp = SoftRasterizer(image_size=64, backend='auto')(verts, faces, eyes)
    assert amp.dtype == torch.float32 and torch.equal(amp, ref)


def test_deterministic_mode_repeats_bit_for_bit():
    was = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        renderer = SoftRasterizer(image_size=64, backend='torch')
        data = sphere(16, torch.float32, 'cuda')
        first = alpha_and_grad(renderer, *data)
        second = alpha_and_grad(renderer, *data)
    finally:
        torch.use_deterministic_algorithms(was)
    assert torch.equal(first[0], second[0])
    assert torch.equal(first[1], second[1])


def test_siamvp_trains_in_deterministic_mode():
    from mmssr.models.siamvp import SiamVP
    head = SiamVP(channels=(8, 8, 8, 8), embed_dim=16).cuda()
    images = torch.rand(8, 3, 64, 64, device='cuda')
    was = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        head(images).sum().backward()
    finally:
        torch.use_deterministic_algorithms(was)
    assert all(p.grad is not None for p in head.parameters())


def test_resume_hook_restores_cuda_tensors():
    import numpy as np
    from mmengine.logging import HistoryBuffer

    from mmssr.engine.hooks.weights_only_checkpoint_hook import (
        from_weights_only, to_weights_only)
    plain = to_weights_only(
        dict(buf=HistoryBuffer([1.0, 2.0], [1, 1]), arr=np.arange(3)))
    on_gpu = dict(
        buf={
            k: (v.cuda() if torch.is_tensor(v) else v)
            for k, v in plain['buf'].items()
        },
        arr={
            k: (v.cuda() if torch.is_tensor(v) else v)
            for k, v in plain['arr'].items()
        })
    back = from_weights_only(on_gpu)
    assert back['buf'].data[0].tolist() == [1.0, 2.0]
    assert back['arr'].tolist() == [0, 1, 2]
