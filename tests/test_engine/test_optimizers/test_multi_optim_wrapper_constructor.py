import pytest
from mmengine.optim import OptimWrapperDict
from torch import nn

from mmssr.registry import OPTIM_WRAPPER_CONSTRUCTORS


class TwoParts(nn.Module):

    def __init__(self):
        super().__init__()
        self.reconstructor = nn.Linear(2, 2)
        self.siamvp = nn.Linear(2, 1)


def build(cfg):
    return OPTIM_WRAPPER_CONSTRUCTORS.build(
        dict(type='MultiOptimWrapperConstructor', optim_wrapper_cfg=cfg))


def test_one_optimizer_per_submodule():
    model = TwoParts()
    wrappers = build(
        dict(
            reconstructor=dict(
                type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4)),
            siamvp=dict(
                type='OptimWrapper', optimizer=dict(type='SGD', lr=0.1))))(
                    model)
    assert isinstance(wrappers, OptimWrapperDict)
    recon = wrappers['reconstructor'].optimizer
    siam = wrappers['siamvp'].optimizer
    assert type(recon).__name__ == 'Adam' and recon.defaults['lr'] == 1e-4
    assert type(siam).__name__ == 'SGD'
    recon_params = {id(p) for g in recon.param_groups for p in g['params']}
    assert recon_params == {id(p) for p in model.reconstructor.parameters()}


def test_errors_name_the_problem():
    model = TwoParts()
    with pytest.raises(AttributeError, match='encoder'):
        build(
            dict(
                encoder=dict(type='OptimWrapper', optimizer=dict(
                    type='Adam'))))(
                        model)
    with pytest.raises(ValueError, match='siamvp'):
        build(
            dict(
                reconstructor=dict(
                    type='OptimWrapper', optimizer=dict(type='Adam'))))(
                        model)
