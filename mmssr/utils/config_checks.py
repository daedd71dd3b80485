"""Checks of config values that mmengine accepts but that make no sense.

``train_cfg.max_iters=-3`` trains nothing and exits 0; ``val_interval=-1``
validates after every iteration. :func:`check_train_cfg` refuses such values
at build time with a :class:`~mmssr.errors.ConfigError`.
"""
from numbers import Integral
from typing import Any

from mmssr.errors import ConfigError


def _is_int(value: Any) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def check_positive_int(value: Any, key: str) -> None:
    if not _is_int(value) or value <= 0:
        raise ConfigError(f'{key}: expected a positive integer, got '
                          f'{value!r}')


def check_non_negative_int(value: Any, key: str) -> None:
    if not _is_int(value) or value < 0:
        raise ConfigError(f'{key}: expected a non-negative integer, got '
                          f'{value!r}')


def check_train_cfg(cfg) -> None:
    """Validate iteration counts and intervals of a training config.

    ``train_cfg.max_iters`` / ``max_epochs`` and ``val_interval`` must be
    positive integers, ``val_begin`` non-negative; the logger's interval
    positive and the checkpoint hook's positive or -1 (mmengine's "no
    periodic checkpoint").
    """
    train_cfg = cfg.get('train_cfg') or {}
    for key in ('max_iters', 'max_epochs', 'val_interval'):
        if key in train_cfg:
            check_positive_int(train_cfg[key], f'train_cfg.{key}')
    if 'val_begin' in train_cfg:
        check_non_negative_int(train_cfg['val_begin'], 'train_cfg.val_begin')
    hooks = cfg.get('default_hooks') or {}
    logger = hooks.get('logger') or {}
    if 'interval' in logger:
        check_positive_int(logger['interval'], 'default_hooks.logger.interval')
    checkpoint = hooks.get('checkpoint') or {}
    interval = checkpoint.get('interval', -1)
    if not (_is_int(interval) and (interval > 0 or interval == -1)):
        raise ConfigError(
            'default_hooks.checkpoint.interval: expected a positive integer '
            f'or -1 (no periodic checkpoint), got {interval!r}')


def check_total_batch_size(cfg, world_size: int) -> None:
    """Refuse a multi-process run whose total batch silently differs from
    the one its learning rate is set for.

    ``train_dataloader.batch_size`` is per process (per GPU), as everywhere
    in mmengine, so ``tools/dist_train.sh CONFIG 8`` trains 8 times that
    batch. ``auto_scale_lr.base_batch_size`` states the total batch the
    learning rate is set for (the paper's 64 for the ShapeNet configs).
    With more than one process the two must agree, or
    ``auto_scale_lr.enable`` (``--auto-scale-lr``) must scale the learning
    rate; the error names the overrides that do either. A single process is
    not checked: a smaller batch there is a deliberate override.
    """
    if world_size <= 1:
        return
    auto = cfg.get('auto_scale_lr') or {}
    base = auto.get('base_batch_size')
    loader = cfg.get('train_dataloader') or {}
    per_process = loader.get('batch_size')
    if base is None or auto.get('enable', False) or not _is_int(per_process):
        return
    total = per_process * world_size
    if total == base:
        return
    fixes = []
    if base % world_size == 0:
        per = base // world_size
        options = [f'train_dataloader.batch_size={per}']
        unlabeled = (loader.get('sampler') or {}).get('num_unlabeled')
        if _is_int(unlabeled) and unlabeled:
            options.append('train_dataloader.sampler.num_unlabeled='
                           f'{max(1, unlabeled * per // per_process)}')
        fixes.append(f'For the total batch of {base} pass --cfg-options '
                     f'{" ".join(options)}')
    fixes.append(f'{"to" if fixes else "To"} train with {total} at a '
                 'learning rate scaled by '
                 f'{total}/{base} pass --auto-scale-lr')
    fixes.append('to keep both, state the total batch the learning rate is '
                 f'for: --cfg-options auto_scale_lr.base_batch_size={total}')
    raise ConfigError(
        f'train_dataloader.batch_size: {per_process} per process x '
        f'{world_size} processes is a total batch of {total}, but the '
        'learning rate is set for a total batch of '
        f'auto_scale_lr.base_batch_size={base}. ' + '; '.join(fixes))
