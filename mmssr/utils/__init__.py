from .checkpoint import UnsafeCheckpointError, refuse_unsafe_checkpoints
from .misc import get_ori_model
from .setup_env import (close_process_group, prepare_runner_cfg,
                        register_all_modules)

__all__ = [
    'close_process_group', 'get_ori_model', 'prepare_runner_cfg', 'register_all_modules',
    'UnsafeCheckpointError', 'refuse_unsafe_checkpoints'
]
