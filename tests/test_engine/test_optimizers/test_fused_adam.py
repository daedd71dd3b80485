"""FusedAdam: torch's fused Adam where it exists, the default Adam else."""
import pytest
import torch

from mmssr.engine.optimizers import adam as adam_module
from mmssr.registry import OPTIMIZERS


def run_steps(optimizer_cfg, steps=3):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.Linear(16, 2))
    opt = OPTIMIZERS.build(dict(optimizer_cfg, params=model.parameters()))
    data = torch.randn(4, 8)
    for _ in range(steps):
        opt.zero_grad()
        model(data).pow(2).sum().backward()
        opt.step()
    return opt, [p.detach().clone() for p in model.parameters()]


def test_same_updates_as_adam():
    cfg = dict(lr=1e-2, betas=(0.5, 0.999))
    fused, got = run_steps(dict(type='FusedAdam', **cfg))
    _, want = run_steps(dict(type='Adam', **cfg))
    assert isinstance(fused, torch.optim.Adam)
    assert fused.defaults['fused'] is True
    for a, b in zip(got, want):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-7)


def test_falls_back_with_a_warning(monkeypatch):
    monkeypatch.setattr(adam_module, 'fused_adam_supported', lambda d: False)
    with pytest.warns(UserWarning, match='no fused Adam'):
        opt, _ = run_steps(dict(type='FusedAdam', lr=1e-2))
    assert not opt.defaults.get('fused')


def test_support_by_device_and_version(monkeypatch):
    assert adam_module.fused_adam_supported(torch.device('cuda'))
    monkeypatch.setattr(torch, '__version__', '2.3.1')
    assert not adam_module.fused_adam_supported(torch.device('cpu'))
    monkeypatch.setattr(torch, '__version__', '2.4.0+cpu')
    assert adam_module.fused_adam_supported(torch.device('cpu'))
