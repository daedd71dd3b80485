"""Checkpoints: safe and strict loading, resume checks, wrapper keys."""
from .diagnosis import CHECKPOINT_PREFIX_HINT, check_state_dict, likely_causes
from .keys import match_wrapper_keys, model_state_shapes, plain_key
from .loading import (install_safe_checkpoint_loaders, load_checkpoint_file,
                      load_checkpoint_strict, state_dict_of)
from .resume import (check_optimizer_state, check_resume_compatible,
                     resolve_resume_checkpoint)
from .safe import UnsafeCheckpointError, refuse_unsafe_checkpoints

# every checkpoint read through mmengine in an mmssr process is weights-only
install_safe_checkpoint_loaders()

__all__ = [
    'CHECKPOINT_PREFIX_HINT', 'UnsafeCheckpointError', 'plain_key',
    'install_safe_checkpoint_loaders',
    'check_optimizer_state', 'check_resume_compatible', 'check_state_dict',
    'likely_causes', 'load_checkpoint_file', 'load_checkpoint_strict',
    'match_wrapper_keys', 'model_state_shapes', 'refuse_unsafe_checkpoints',
    'resolve_resume_checkpoint', 'state_dict_of'
]
