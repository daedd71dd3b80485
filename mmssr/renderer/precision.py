"""The renderer's precision: float32 or float64, never half.

Under ``torch.autocast`` (``tools/train.py --amp``) a matmul of the camera
would run in float16 (CUDA) or bfloat16 (CPU) while other ops stay float32,
and ``index_add_`` then refuses the mix. Even where dtypes agree, half
precision cannot hold squared screen distances of order ``sigma = 1e-4``.
The renderer therefore turns autocast off inside and promotes half inputs.
For the same reason its camera matmul does not use TensorFloat-32 (a 10-bit
mantissa) where ``env_cfg.tf32`` lets the image networks use it.
"""
import contextlib
from typing import Callable, Iterator, Optional

import torch
from torch import Tensor

_HALF = (torch.float16, torch.bfloat16)


def _promote(tensor: Optional[Tensor]) -> Optional[Tensor]:
    if tensor is not None and tensor.dtype in _HALF:
        return tensor.float()
    return tensor


@contextlib.contextmanager
def full_precision(like: Tensor) -> Iterator[Callable]:
    """Autocast off for ``like``'s device and float32 matmuls in full
    precision (no TF32); yields the promotion of half tensors (float16,
    bfloat16) to float32 (others pass unchanged)."""
    matmul_precision = torch.get_float32_matmul_precision()
    if matmul_precision != 'highest':
        torch.set_float32_matmul_precision('highest')
    try:
        with torch.autocast(device_type=like.device.type, enabled=False):
            yield _promote
    finally:
        if matmul_precision != 'highest':
            torch.set_float32_matmul_precision(matmul_precision)
