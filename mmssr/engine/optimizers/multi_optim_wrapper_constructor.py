"""One optimizer wrapper per named sub-module of a model."""
from typing import Optional

from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from torch import nn

from mmssr.registry import OPTIM_WRAPPER_CONSTRUCTORS
from mmssr.utils.misc import get_ori_model


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class MultiOptimWrapperConstructor:
    """Build an :class:`OptimWrapperDict` keyed by sub-module names.

    ``optim_wrapper=dict(constructor='MultiOptimWrapperConstructor',
    reconstructor=dict(type='OptimWrapper', optimizer=...), siamvp=...)``
    gives ``model.reconstructor`` and ``model.siamvp`` an optimizer each; every
    value is an ordinary optim-wrapper config (``paramwise_cfg`` included).
    Parameters of sub-modules that no key names are not optimized: that is
    an error, so nothing is silently frozen.
    """

    def __init__(self,
                 optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        if not isinstance(optim_wrapper_cfg, dict) or not optim_wrapper_cfg:
            raise TypeError('optim_wrapper must map sub-module names to '
                            f'optim wrapper configs, got {optim_wrapper_cfg}')
        if paramwise_cfg is not None:
            raise ValueError('give paramwise_cfg inside each sub-module\'s '
                             'optim wrapper config')
        self.optim_wrapper_cfg = optim_wrapper_cfg

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        model = get_ori_model(model)
        wrappers = {}
        covered = set()
        for name, cfg in self.optim_wrapper_cfg.items():
            if not hasattr(model, name):
                raise AttributeError(
                    f'optim_wrapper key "{name}" names no sub-module of '
                    f'{type(model).__name__}; its sub-modules are '
                    f'{[n for n, _ in model.named_children()]}')
            module = getattr(model, name)
            cfg = dict(cfg)
            paramwise = cfg.pop('paramwise_cfg', None)
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise)(
                module)
            covered.update(id(p) for p in module.parameters())
        missed = [
            n for n, p in model.named_parameters()
            if p.requires_grad and id(p) not in covered
        ]
        if missed:
            raise ValueError('parameters without an optimizer: '
                             f'{missed[:5]}{"..." if len(missed) > 5 else ""}')
        return OptimWrapperDict(**wrappers)
