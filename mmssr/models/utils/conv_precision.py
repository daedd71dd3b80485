"""How the convolution stacks compute: memory layout and precision.

Convolutions are most of a CPU training step at the sizes mmssr trains
(``tools/analysis_tools/benchmark_training.py``). oneDNN runs them faster on
channels-last tensors (the same arithmetic, another layout), and, on CPUs
with native bfloat16 instructions (AVX512-BF16, AMX), faster still in
bfloat16, at 8 bits of mantissa. The settings are per module, so that a
config chooses them with the module (``conv_dtype='auto'``).
"""
import contextlib
from typing import Optional

import torch
from torch import Tensor

CONV_DTYPES = ('float32', 'bfloat16', 'auto')


def cpu_has_native_bf16() -> bool:
    """Whether oneDNN runs bfloat16 natively on this CPU."""
    try:
        return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    except (AttributeError, RuntimeError):
        return False


def check_conv_dtype(conv_dtype: str) -> str:
    if conv_dtype not in CONV_DTYPES:
        raise ValueError(f'conv_dtype must be one of {CONV_DTYPES}, got '
                         f'{conv_dtype!r}')
    return conv_dtype


def conv_autocast_dtype(conv_dtype: str,
                        like: Tensor) -> Optional[torch.dtype]:
    """The autocast dtype of ``conv_dtype`` for inputs like ``like``.

    ``'auto'`` is bfloat16 on CPUs with native bfloat16 and float32
    elsewhere (on CUDA too: there ``--amp`` is the switch); ``None`` means
    no autocast.
    """
    if conv_dtype == 'bfloat16' or (conv_dtype == 'auto'
                                    and like.device.type == 'cpu'
                                    and cpu_has_native_bf16()):
        return torch.bfloat16
    return None


def conv_context(conv_dtype: str, like: Tensor):
    """Autocast context for a convolution stack (a no-op for float32)."""
    dtype = conv_autocast_dtype(conv_dtype, like)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(like.device.type, dtype=dtype)


def to_channels_last(images: Tensor, enabled: bool) -> Tensor:
    """``images`` (N, C, H, W) in channels-last layout when ``enabled``."""
    return images.contiguous(
        memory_format=torch.channels_last) if enabled else images
