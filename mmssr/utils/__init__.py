from .checkpoint import UnsafeCheckpointError, refuse_unsafe_checkpoints
from .setup_env import (close_process_group, prepare_runner_cfg,
                        register_all_modules)

__all__ = [
    'close_process_group', 'prepare_runner_cfg', 'register_all_modules',
    'UnsafeCheckpointError', 'refuse_unsafe_checkpoints'
]
