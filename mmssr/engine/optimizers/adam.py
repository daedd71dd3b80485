"""Adam with torch's fused kernel where this torch has one for the device.

The optimizer step of the CPU configs is a quarter of a training step with
the default (for-each) Adam; torch's fused Adam does the same update in one
kernel, 4-5x faster on CPU (``tools/analysis_tools/benchmark_training.py``).
CPU tensors have it from torch 2.4 on; with an older torch this falls back
to the default implementation with one warning, so configs stay portable.
"""
import warnings
from typing import Iterable

import torch
from mmengine.utils import digit_version

from mmssr.registry import OPTIMIZERS


def fused_adam_supported(device: torch.device) -> bool:
    """Whether ``torch.optim.Adam(fused=True)`` takes tensors on
    ``device``."""
    if device.type == 'cpu':
        return digit_version(torch.__version__) >= digit_version('2.4.0')
    return device.type == 'cuda'


@OPTIMIZERS.register_module()
def FusedAdam(params: Iterable, **kwargs) -> torch.optim.Adam:
    """``torch.optim.Adam(params, fused=True, **kwargs)``, or the default
    Adam where the parameters' device has no fused kernel."""
    params = list(params)
    tensors = [
        p for group in params
        for p in (group['params'] if isinstance(group, dict) else [group])
    ]
    devices = {t.device for t in tensors}
    if devices and all(fused_adam_supported(d) for d in devices):
        return torch.optim.Adam(params, fused=True, **kwargs)
    warnings.warn(f'FusedAdam: torch {torch.__version__} has no fused Adam '
                  f'for {sorted(str(d) for d in devices)}; using the default '
                  'Adam')
    return torch.optim.Adam(params, **kwargs)
