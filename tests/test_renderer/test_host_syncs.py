"""The torch renderer's host synchronisations and chunking.

On a GPU every read of a device value by Python (``.item()``, ``.tolist()``,
``bool()``, a ``repeat_interleave`` without ``output_size``) waits for the
device; per chunk they made the renderer launch-bound. Those calls are
counted here on the CPU, with a TorchFunctionMode, as a proxy.
"""
import pytest
import torch
from torch.overrides import TorchFunctionMode

from mmssr.registry import MODELS
from mmssr.renderer import (PAIRS_PER_CHUNK, PAIRS_PER_CHUNK_GPU,
                            SoftRasterizer, default_pairs_per_chunk)
from mmssr.renderer import rasterizer as rasterizer_module
from .test_autocast import inputs

_SYNCS = {'item', 'tolist', '__bool__', '__int__', '__float__', 'nonzero'}


class CountSyncs(TorchFunctionMode):
    """Counts calls that read device data on the host."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, '__name__', str(func))
        if name in _SYNCS or (name == 'repeat_interleave'
                              and kwargs.get('output_size') is None
                              and not isinstance(args[1], int)):
            self.calls.append(name)
        return func(*args, **kwargs)


def count_chunks(monkeypatch):
    chunks = []
    original = rasterizer_module._pair_geometry

    def counted(*args):
        chunks.append(1)
        return original(*args)

    monkeypatch.setattr(rasterizer_module, '_pair_geometry', counted)
    return chunks


@pytest.mark.parametrize('pairs_per_chunk', [None, 1000])
def test_host_syncs_per_render_do_not_grow_with_chunks(monkeypatch,
                                                       pairs_per_chunk):
    verts, faces, eyes, _ = inputs()
    verts = verts.requires_grad_(True)
    renderer = SoftRasterizer(
        image_size=32, backend='torch', pairs_per_chunk=pairs_per_chunk)
    chunks = count_chunks(monkeypatch)
    with CountSyncs() as syncs:
        alpha = renderer(verts, faces, eyes)[:, 3]
        alpha.sum().backward()
    # 15026 pairs: one chunk, or 16 of about 1000
    assert len(chunks) == (1 if pairs_per_chunk is None else 16)
    # faces' bounds (1), the pair total (1), the cuts of several chunks (1)
    assert len(syncs.calls) <= (2 if pairs_per_chunk is None else 3), \
        syncs.calls


def test_chunk_size_is_a_renderer_setting_without_effect_on_results(
        monkeypatch):
    verts, faces, eyes, textures = inputs()
    default = SoftRasterizer(image_size=32, backend='torch')
    # what the configs build: model.renderer.pairs_per_chunk
    small = MODELS.build(
        dict(
            type='SoftRasterizer',
            image_size=32,
            backend='torch',
            pairs_per_chunk=1000))
    assert 'pairs_per_chunk=1000' in repr(small)
    chunks = count_chunks(monkeypatch)
    ref = default(verts, faces, eyes, textures)
    assert len(chunks) == 1
    out = small(verts, faces, eyes, textures)
    assert len(chunks) == 1 + 16
    torch.testing.assert_close(out, ref, rtol=1e-6, atol=1e-6)
    with pytest.raises(ValueError, match='pairs_per_chunk'):
        SoftRasterizer(pairs_per_chunk=0)


def test_default_chunk_size_depends_on_the_device():
    assert default_pairs_per_chunk('cpu') == PAIRS_PER_CHUNK == 1 << 18
    assert default_pairs_per_chunk(torch.device('cuda', 1)) == \
        PAIRS_PER_CHUNK_GPU > PAIRS_PER_CHUNK
    assert SoftRasterizer().pairs_per_chunk is None  # decided per call
