from .image_ops import rotate_images
from .precision import (COMPUTE_DTYPES, autocast_context, check_compute_dtype,
                        cpu_has_native_bf16, to_channels_last)

__all__ = [
    'COMPUTE_DTYPES', 'autocast_context', 'check_compute_dtype',
    'cpu_has_native_bf16', 'rotate_images', 'to_channels_last'
]
