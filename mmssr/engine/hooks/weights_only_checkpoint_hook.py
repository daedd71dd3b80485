"""Checkpoints that load with ``torch.load(weights_only=True)``."""
from typing import Any

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.logging import HistoryBuffer

from mmssr.registry import HOOKS

_BUFFER_TAG = '__mmssr_history_buffer__'
_ARRAY_TAG = '__mmssr_ndarray__'


def to_weights_only(obj: Any) -> Any:
    """Replace objects that safe unpickling refuses by plain data.

    mmengine's message hub stores :class:`HistoryBuffer` objects, which pickle
    bound methods through ``builtins.getattr``, and numpy arrays and scalars.
    Allow-listing ``getattr`` would let any checkpoint call arbitrary
    attributes, so these are converted to tensors, numbers and tagged dicts
    instead, and :func:`from_weights_only` restores them.
    """
    if isinstance(obj, HistoryBuffer):
        return {
            _BUFFER_TAG:
            True,
            'log':
            torch.from_numpy(np.asarray(obj._log_history, dtype=np.float64)),
            'count':
            torch.from_numpy(np.asarray(obj._count_history, dtype=np.float64)),
            'max_length':
            int(obj.max_length),
        }
    if isinstance(obj, np.ndarray):
        if obj.dtype == object:
            return [to_weights_only(x) for x in obj.tolist()]
        return {_ARRAY_TAG: True, 'data': torch.from_numpy(obj.copy())}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, dict):
        return type(obj)((k, to_weights_only(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_weights_only(x) for x in obj)
    return obj


def from_weights_only(obj: Any) -> Any:
    """Inverse of :func:`to_weights_only`.

    The tensors may live on a GPU: mmengine's resume loads a checkpoint onto
    the training device, so they are brought to the CPU before numpy.
    """
    if isinstance(obj, dict):
        if obj.get(_BUFFER_TAG) is True:
            return HistoryBuffer(obj['log'].tolist(), obj['count'].tolist(),
                                 obj['max_length'])
        if obj.get(_ARRAY_TAG) is True:
            return obj['data'].cpu().numpy()
        return type(obj)((k, from_weights_only(v)) for k, v in obj.items())
    if isinstance(obj, (list, tuple)):
        return type(obj)(from_weights_only(x) for x in obj)
    return obj


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Save the message hub and metadata as plain data; restore on load.

    With it, mmssr checkpoints hold only tensors, numbers, strings and
    containers, so they load with torch's safe ``weights_only=True``
    unpickler (the default from torch 2.6); nothing needs allow-listing and
    safe loading stays on. Runs before other hooks add to the checkpoint.
    """

    priority = 'VERY_LOW'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in ('message_hub', 'meta'):
            if key in checkpoint:
                checkpoint[key] = to_weights_only(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in ('message_hub', 'meta'):
            if key in checkpoint:
                checkpoint[key] = from_weights_only(checkpoint[key])
