from .checkpoint import (UnsafeCheckpointError, check_resume_compatible,
                         check_state_dict, load_checkpoint_file,
                         load_checkpoint_strict, refuse_unsafe_checkpoints,
                         resolve_resume_checkpoint)
from .config_checks import check_train_cfg
from .misc import get_ori_model
from .setup_env import (close_process_group, prepare_runner_cfg,
                        register_all_modules)
from .work_dir_lock import (WorkDirLock, WorkDirLockedError,
                            remove_stale_temp_files)

__all__ = [
    'close_process_group', 'get_ori_model', 'prepare_runner_cfg',
    'register_all_modules', 'UnsafeCheckpointError',
    'refuse_unsafe_checkpoints', 'check_resume_compatible', 'check_state_dict',
    'load_checkpoint_file', 'load_checkpoint_strict',
    'resolve_resume_checkpoint', 'check_train_cfg', 'WorkDirLock',
    'WorkDirLockedError', 'remove_stale_temp_files'
]
