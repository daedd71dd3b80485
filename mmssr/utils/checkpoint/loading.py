"""Safe, strict checkpoint loading with clear errors.

Checkpoints load with torch's ``weights_only=True`` unpickler only; a
checkpoint that does not fit the model of the config is refused with the
keys that differ and the likely cause (model type, image size, template).
"""
import functools
import os.path as osp
import pickle
import re
from collections import OrderedDict
from typing import Any, Callable, Optional

import torch
from torch import nn

from mmssr.errors import CheckpointError
from .diagnosis import check_finite_weights, check_state_dict
from .keys import _is_local, match_wrapper_keys, model_state_shapes
from .safe import forced_weights_only, refuse_unsafe_checkpoints


def load_checkpoint_file(path: str,
                         map_location='cpu',
                         local: Optional[bool] = None) -> dict:
    """Load a checkpoint with torch's safe ``weights_only=True`` unpickler.

    Raises :class:`CheckpointError` naming ``path`` for a missing, empty,
    truncated or foreign file, and :class:`UnsafeCheckpointError` for one
    that holds pickled code. Safe loading is never switched off. ``local``
    (default: no ``://`` in ``path``) reads ``path`` as a local file; other
    paths go through mmengine's (safe, see :mod:`.safe`) scheme loaders.
    """
    path = str(path)
    local = _is_local(path) if local is None else local
    if map_location is None:
        map_location = 'cpu'
    if local:
        path = osp.expanduser(path)
        if not osp.exists(path):
            raise CheckpointError(f'{path}: checkpoint file not found')
        if osp.isdir(path):
            raise CheckpointError(
                f'{path}: expected a checkpoint file, got a directory')
        if osp.getsize(path) == 0:
            raise CheckpointError(
                f'{path}: not a readable checkpoint (the file is empty)')
    with refuse_unsafe_checkpoints(path):
        try:
            if local:
                checkpoint = torch.load(
                    path, map_location=map_location, weights_only=True)
            else:  # URLs and other schemes: mmengine's loaders, made safe
                from mmengine.runner import CheckpointLoader
                install_safe_checkpoint_loaders()
                checkpoint = CheckpointLoader.load_checkpoint(
                    path, map_location=map_location, logger='silent')
        except pickle.UnpicklingError as err:
            if 'weights only load failed' in str(err).lower() or \
                    'unsupported global' in str(err).lower():
                raise  # refuse_unsafe_checkpoints names the global
            raise CheckpointError(_unreadable(path, err)) from None
        except (EOFError, RuntimeError, KeyError, ValueError, OSError,
                AttributeError, IndexError, TypeError) as err:
            raise CheckpointError(_unreadable(path, err)) from None
    if not isinstance(checkpoint, dict):
        raise CheckpointError(
            f'{path}: not a readable checkpoint (expected a dict of '
            f'tensors, got {type(checkpoint).__name__})')
    return checkpoint


def _unreadable(path: str, err: BaseException) -> str:
    detail = str(err).strip().splitlines()[0] if str(err).strip() else ''
    if isinstance(err, EOFError):
        detail = 'unexpected end of file: the file is truncated'
    elif 'central directory' in detail or 'zip archive' in detail:
        detail = 'truncated or corrupted zip archive'
    detail = detail[:200]
    kind = type(err).__name__
    return (f'{path}: not a readable checkpoint ({kind}: {detail})'
            if detail else f'{path}: not a readable checkpoint ({kind})')


def state_dict_of(checkpoint: dict,
                  source: str,
                  prefix: Optional[str] = None) -> 'OrderedDict[str, Any]':
    """The model weights of ``checkpoint``, ``module.`` stripped.

    With ``prefix``, only the keys under it, without it: the
    ``reconstructor.`` of an SSR checkpoint gives a SoftRas state dict.
    """
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not isinstance(state_dict, dict):
        raise CheckpointError(
            f'{source}: not a model checkpoint ("state_dict" is a '
            f'{type(state_dict).__name__}, not a dict of tensors)')
    metadata = getattr(state_dict, '_metadata', None)
    items = [(re.sub(r'^module\.', '', k), v) for k, v in state_dict.items()]
    if prefix:
        kept = [(k[len(prefix):], v) for k, v in items if k.startswith(prefix)]
        if not kept:
            heads = sorted(
                {k.split('.')[0] + '.'
                 for k, _ in items if '.' in k})
            raise CheckpointError(
                f'{source}: no weights under the prefix {prefix!r}; the '
                f'checkpoint\'s keys start with {heads}')
        items = kept
    result = OrderedDict(items)
    if metadata is not None:
        if prefix:
            metadata = OrderedDict(
                (k[len(prefix):].rstrip('.') if k + '.' != prefix else '', v)
                for k, v in metadata.items() if (k + '.').startswith(prefix))
        result._metadata = metadata
    return result


def load_checkpoint_strict(model: nn.Module,
                           path: str,
                           prefix: Optional[str] = None,
                           logger: Optional[str] = None) -> dict:
    """Load ``path`` into ``model`` safely and strictly; return it.

    Every key of the model must be in the checkpoint with its shape and no
    other key may be there, else a :class:`CheckpointError` explains the
    difference. ``prefix`` (e.g. ``'reconstructor.'``) loads only the
    weights under it: the reconstructor of an SSR checkpoint into a SoftRas
    model.
    """
    checkpoint = load_checkpoint_file(path)
    state_dict = state_dict_of(checkpoint, path, prefix)
    source = f'{path} (prefix {prefix!r})' if prefix else path
    state_dict = match_wrapper_keys(state_dict, model_state_shapes(model))
    check_state_dict(model, state_dict, source)
    check_finite_weights(state_dict, source)
    from mmengine.runner.checkpoint import load_state_dict
    load_state_dict(model, state_dict, strict=True)  # DDP-wrapped or not
    if logger is not None:
        from mmengine.logging import print_log
        print_log(f'Loaded checkpoint {source} (strict)', logger=logger)
    return checkpoint


# --------------------------------------------------------------------------
# Resuming: the checkpoint must fit the model and the optimizer config.
# --------------------------------------------------------------------------


# mmengine's checkpoint loaders, made weights-only --------------------------
def _safe_local(filename: str, map_location=None) -> dict:
    return load_checkpoint_file(filename, map_location, local=True)


def _wrap(loader: Callable) -> Callable:

    @functools.wraps(loader)
    def safe_loader(filename, map_location=None, *args, **kwargs):
        with refuse_unsafe_checkpoints(filename), forced_weights_only():
            return loader(filename, map_location, *args, **kwargs)

    safe_loader.mmssr_safe = True
    return safe_loader


def install_safe_checkpoint_loaders() -> None:
    """Make every scheme of mmengine's ``CheckpointLoader`` load weights
    only (idempotent; schemes registered later are wrapped on the next
    call)."""
    from mmengine.runner.checkpoint import CheckpointLoader
    _safe_local.mmssr_safe = True
    for prefix, loader in list(CheckpointLoader._schemes.items()):
        if getattr(loader, 'mmssr_safe', False):
            continue
        safe = _safe_local if prefix == '' else _wrap(loader)
        CheckpointLoader.register_scheme(prefix, safe, force=True)
