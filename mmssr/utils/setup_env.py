"""Environment set-up: module registration, the default scope, runners."""
import datetime
import warnings

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

    Without CUDA, distributed runs (``launcher='pytorch'``) use gloo instead
    of NCCL. The process group is then started here: mmengine's
    ``init_dist`` calls ``torch.cuda.set_device``, which CPU-only torch builds
    do not have, and the runner skips ``init_dist`` for an existing group.
    DDP takes no device ids for CPU modules.

    Samplers that draw whole batches get their dataloader's batch size.
    """
    from mmssr.datasets.samplers import fill_sampler_batch_size
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        if isinstance(cfg.get(key), dict):
            fill_sampler_batch_size(cfg[key])
    if torch.cuda.is_available():
        return cfg
    env_cfg = cfg.setdefault('env_cfg', {})
    dist_cfg = env_cfg.setdefault('dist_cfg', {})
    if dist_cfg.get('backend', 'nccl') == 'nccl':
        dist_cfg['backend'] = 'gloo'
    if cfg.get('launcher', 'none') != 'pytorch':
        return cfg
    import torch.distributed as torch_dist
    if not torch_dist.is_initialized():
        torch_dist.init_process_group(backend=dist_cfg['backend'])
    wrapper = cfg.get('model_wrapper_cfg') or dict(
        type='MMDistributedDataParallel',
        broadcast_buffers=False,
        find_unused_parameters=cfg.get('find_unused_parameters', False))
    # Both DDP wrappers (plain and MMSeparate...) pass device_ids to DDP.
    wrapper.setdefault('device_ids', None)
    cfg.model_wrapper_cfg = wrapper
    return cfg


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
