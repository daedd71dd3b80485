"""How the image networks compute: memory layout and precision.

Convolutions and fully connected layers are half of a CPU training step at
the sizes mmssr trains (``tools/analysis_tools/benchmark_training.py``).
oneDNN runs convolutions faster on channels-last tensors (the same
arithmetic, another layout), and, on CPUs with native bfloat16 instructions
(AVX512-BF16, AMX), both kinds of layer faster still in bfloat16 (8 bits of
mantissa, float32 accumulation) under autocast. The settings are per module,
so that a config chooses them with the module (``compute_dtype='auto'``).
"""
import contextlib
import functools
from typing import Optional

import torch
from torch import Tensor

COMPUTE_DTYPES = ('float32', 'bfloat16', 'auto')


@functools.lru_cache(maxsize=None)
def cpu_has_native_bf16() -> bool:
    """Whether oneDNN runs bfloat16 natively on this CPU (asked once: every
    forward of an ``'auto'`` module reads it)."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def check_compute_dtype(compute_dtype: str) -> str:
    """``compute_dtype`` if it is one of :data:`COMPUTE_DTYPES`."""
    if compute_dtype not in COMPUTE_DTYPES:
        raise ValueError(f'compute_dtype must be one of {COMPUTE_DTYPES}, got '
                         f'{compute_dtype!r}')
    return compute_dtype


def autocast_dtype(compute_dtype: str, like: Tensor) -> Optional[torch.dtype]:
    """The autocast dtype of ``compute_dtype`` for inputs like ``like``.

    ``'auto'`` is bfloat16 on CPUs with native bfloat16 and float32
    elsewhere (on CUDA too: there ``--amp`` is the switch); ``None`` means
    no autocast.
    """
    native = like.device.type == 'cpu' and cpu_has_native_bf16()
    if compute_dtype == 'bfloat16' or (compute_dtype == 'auto' and native):
        return torch.bfloat16
    return None


def autocast_context(compute_dtype: str, like: Tensor):
    """Autocast context of a module's layers (a no-op for float32)."""
    dtype = autocast_dtype(compute_dtype, like)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(like.device.type, dtype=dtype)


def to_channels_last(images: Tensor, enabled: bool) -> Tensor:
    """``images`` (N, C, H, W) in channels-last layout when ``enabled``."""
    return images.contiguous(
        memory_format=torch.channels_last) if enabled else images
