"""Layout and precision of the image networks (channels_last and
compute_dtype)."""
import pytest
import torch

from mmssr.models.backbones import SoftRasEncoder
from mmssr.models.siamvp import SiamVP
from mmssr.models.utils import precision


def outputs(module_cls, images, **kwargs):
    torch.manual_seed(0)
    module = module_cls(**kwargs)
    out = (
        module(images)
        if module_cls is SoftRasEncoder else module.embed_images(images))
    # a random projection: a plain sum has almost no gradient through BN
    weights = torch.randn(
        out.shape, generator=torch.Generator().manual_seed(1))
    (out * weights).sum().backward()
    grad = next(module.parameters()).grad
    return out.detach(), grad


# SiamVP's BatchNorm over a batch of 6 amplifies bfloat16's rounding in the
# gradient of its first layer
@pytest.mark.parametrize('module_cls, channels, min_cos',
                         [(SoftRasEncoder, 4, 0.99), (SiamVP, 3, 0.95)])
def test_layout_and_precision_keep_the_results(module_cls, channels, min_cos):
    images = torch.rand(6, channels, 32, 32)
    kwargs = dict(image_size=32) if module_cls is SoftRasEncoder else {}
    ref, ref_grad = outputs(module_cls, images, **kwargs)
    # channels-last: another layout, the same numbers (to float rounding)
    out, grad = outputs(module_cls, images, channels_last=True, **kwargs)
    assert out.dtype == torch.float32 and out.is_contiguous()
    assert torch.allclose(out, ref, rtol=1e-4, atol=1e-5)
    assert torch.allclose(grad, ref_grad, rtol=1e-3, atol=1e-5)
    # bfloat16: float32 out, within bfloat16's few digits
    out, grad = outputs(
        module_cls,
        images,
        channels_last=True,
        compute_dtype='bfloat16',
        **kwargs)
    assert out.dtype == torch.float32
    scale = ref.abs().max()
    assert (out - ref).abs().max() < 0.05 * scale
    assert not torch.equal(out, ref)  # it did compute in bfloat16
    cos = torch.nn.functional.cosine_similarity(
        grad.flatten(), ref_grad.flatten(), dim=0)
    assert cos > min_cos


def test_auto_is_bfloat16_only_with_native_support(monkeypatch):
    x = torch.zeros(1)
    monkeypatch.setattr(precision, 'cpu_has_native_bf16', lambda: True)
    assert precision.autocast_dtype('auto', x) == torch.bfloat16
    assert precision.autocast_dtype('float32', x) is None
    monkeypatch.setattr(precision, 'cpu_has_native_bf16', lambda: False)
    assert precision.autocast_dtype('auto', x) is None
    assert precision.autocast_dtype('bfloat16', x) == torch.bfloat16


def test_unknown_dtype_is_refused():
    with pytest.raises(ValueError, match="compute_dtype must be one of"):
        SoftRasEncoder(compute_dtype='fp16')
    with pytest.raises(ValueError, match="compute_dtype must be one of"):
        SiamVP(compute_dtype='half')
