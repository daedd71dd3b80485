"""Checks of config values that mmengine accepts but that make no sense.

``train_cfg.max_iters=-3`` trains nothing and exits 0; ``val_interval=-1``
validates after every iteration. :func:`check_train_cfg` refuses such values
at build time with a :class:`~mmssr.utils.errors.ConfigError`.
"""
from numbers import Integral
from typing import Any

from .errors import ConfigError


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
