from .adam import FusedAdam, fused_adam_supported
from .multi_optim_wrapper_constructor import MultiOptimWrapperConstructor

__all__ = ['FusedAdam', 'MultiOptimWrapperConstructor', 'fused_adam_supported']
