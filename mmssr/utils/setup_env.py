"""Environment set-up: module registration, the default scope, runners."""
import datetime
import os
import warnings
from typing import Optional

import torch
from mmengine import DefaultScope
from mmengine.config import Config


def register_all_modules(init_default_scope: bool = True) -> None:
    """Import every mmssr module so that its classes land in the registries.

    Args:
        init_default_scope: whether to make ``mmssr`` the current default
            scope, so that configs find mmssr's classes before mmengine's.
    """
    import mmssr.datasets  # noqa: F401,F403
    import mmssr.engine  # noqa: F401,F403
    import mmssr.evaluation  # noqa: F401,F403
    import mmssr.models  # noqa: F401,F403
    import mmssr.structures  # noqa: F401,F403
    import mmssr.visualization  # noqa: F401,F403
    from mmssr.utils.checkpoint import install_safe_checkpoint_loaders
    install_safe_checkpoint_loaders()  # also schemes registered since

    if not init_default_scope:
        return
    current = DefaultScope.get_current_instance()
    if current is None:
        DefaultScope.get_instance('mmssr', scope_name='mmssr')
    elif current.scope_name != 'mmssr':
        warnings.warn(f'The current default scope "{current.scope_name}" '
                      'is not "mmssr"; a new default scope "mmssr" is made '
                      'for the registries of mmssr.')
        stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S%f')
        DefaultScope.get_instance(f'mmssr-{stamp}', scope_name='mmssr')


def prepare_runner_cfg(cfg: Config) -> Config:
    """Adapt a config to this machine before ``Runner.from_cfg``.

    NCCL needs a GPU of its own for every process. Without CUDA, or with
    more processes on this node than GPUs (a 2-process test on a 1-GPU
    host), distributed runs use gloo instead, and the process group is
    started here for every launcher (``pytorch``, ``slurm``, ``mpi``):
    mmengine's ``init_dist`` would call ``torch.cuda.set_device(local_rank)``,
    which fails there, and the runner skips ``init_dist`` for an existing
    group. Processes that share GPUs take them round-robin; DDP then takes
    no device ids.

    Samplers that draw whole batches get their dataloader's batch size;
    ``env_cfg.tf32`` is applied (see :func:`set_tf32`). With
    ``randomness.deterministic=True`` cuBLAS gets the fixed workspace that
    its deterministic mode needs (``CUBLAS_WORKSPACE_CONFIG``; without it
    every CUDA matmul raises in deterministic mode).
    """
    from mmssr.datasets.samplers import fill_sampler_batch_size
    from .dist_env import launcher_env
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if isinstance(cfg.get(key), dict):
            fill_sampler_batch_size(cfg[key])
    if (cfg.get('randomness') or {}).get('deterministic'):
        os.environ.setdefault('CUBLAS_WORKSPACE_CONFIG', ':4096:8')
    info = launcher_env(cfg.get('launcher', 'none') or 'none')
    gpus = torch.cuda.device_count() if torch.cuda.is_available() else 0
    if gpus:
        set_tf32((cfg.get('env_cfg') or {}).get('tf32'))
    shared = gpus > 0 and (info.local_world_size or 1) > gpus
    if gpus and not shared:
        return cfg  # one GPU per process: mmengine's NCCL set-up
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
    if not info.distributed:
        return cfg
    import torch.distributed as torch_dist
    if shared:
        warnings.warn(f'{info.local_world_size} processes on this node share '
                      f'{gpus} GPU(s): using gloo instead of NCCL (slow; for '
                      'tests, not for training)')
        torch.cuda.set_device(info.local_rank % gpus)
    if not torch_dist.is_initialized():
        from .dist_env import export_torch_env
        export_torch_env(info)
        kwargs = {}
        if dist_cfg.get('timeout') is not None:
            kwargs['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
        torch_dist.init_process_group(
            backend=dist_cfg['backend'],
            rank=info.rank,
            world_size=info.world_size,
            **kwargs)
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    # Both DDP wrappers (plain and MMSeparate...) pass device_ids to DDP.
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper
    return cfg


def set_tf32(enabled: Optional[bool]) -> None:
    """Let CUDA matmuls and cuDNN convolutions use TensorFloat-32 or not.

    TF32 (Ampere and later GPUs) multiplies float32 with a 10-bit mantissa
    and accumulates in float32: several times the float32 throughput for
    the image networks. PyTorch's defaults are on for convolutions and off
    for matmuls; ``env_cfg.tf32`` states one choice for both (``None``
    keeps PyTorch's). The renderer's own matmul stays in full float32
    whatever this says (``mmssr.renderer.precision``).
    """
    if enabled is None:
        return
    torch.set_float32_matmul_precision('high' if enabled else 'highest')
    torch.backends.cudnn.allow_tf32 = bool(enabled)


def close_process_group() -> None:
    """Leave the distributed process group, if any, before the process ends.

    Without this, the group is torn down during interpreter shutdown, where
    gloo's threads can still be alive: the process then aborts
    ("terminate called without an active exception") after a successful
    run. The barrier lets every rank finish its last collective first.
    """
    import torch.distributed as torch_dist
    if torch_dist.is_available() and torch_dist.is_initialized():
        torch_dist.barrier()
        torch_dist.destroy_process_group()
