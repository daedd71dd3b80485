"""State-dict keys of models, with or without DDP wrappers."""
import re
from collections import OrderedDict

from torch import nn


def _is_local(path: str) -> bool:
    return '://' not in str(path)


def _unwrap(model: nn.Module) -> nn.Module:
    from mmengine.model import is_model_wrapper
    return model.module if is_model_wrapper(model) else model


def model_state_shapes(model: nn.Module) -> 'OrderedDict[str, tuple]':
    """Keys and shapes of ``model``'s weights, wrappers (DDP) left out."""
    from mmengine.runner.checkpoint import get_state_dict
    return OrderedDict(
        (k, tuple(v.shape)) for k, v in get_state_dict(model).items())


def plain_key(key: str) -> str:
    """``reconstructor.module.encoder.x`` -> ``reconstructor.encoder.x``."""
    return re.sub(r'(^|\.)module(\.|$)', r'\1', key).rstrip('.')


def match_wrapper_keys(state_dict: dict, expected) -> 'OrderedDict':
    """Rename keys to the model's, whatever DDP wrappers either side had.

    A model whose sub-modules are wrapped separately (SSR under
    ``MMSeparateDistributedDataParallel``) has keys ``reconstructor.module.*``
    while wrapped and ``reconstructor.*`` otherwise; checkpoints are saved
    with the plain keys (``MatchWrapperKeysHook`` of ``mmssr.engine``), and
    a key matches the model's key that is the same once wrapper segments
    are dropped.
    """
    by_plain = {plain_key(k): k for k in expected}
    result = OrderedDict()
    for key, value in state_dict.items():
        if key not in expected:
            key = by_plain.get(plain_key(key), key)
        result[key] = value
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        result._metadata = OrderedDict(
            (by_plain.get(plain_key(k), k), v) for k, v in metadata.items())
    return result
