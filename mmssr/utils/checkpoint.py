"""Safe, strict checkpoint loading with clear errors.

Checkpoints load with torch's ``weights_only=True`` unpickler only; a
checkpoint that does not fit the model of the config is refused with the
keys that differ and the likely cause (model type, image size, template).
"""
import math
import os.path as osp
import pickle
import re
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, List, Optional

import torch
from mmengine.hooks import Hook
from torch import nn

from .errors import CheckpointError


class UnsafeCheckpointError(CheckpointError):
    """A checkpoint holds pickled objects that weights-only loading refuses."""


@contextmanager
def refuse_unsafe_checkpoints(path: Optional[str] = None):
    """Turn torch's weights-only unpickling failure into a clear error.

    mmssr never switches safe loading off: a checkpoint that needs arbitrary
    code (a pickled callable, an unknown class) is refused, with the
    offending global named.
    """
    try:
        yield
    except pickle.UnpicklingError as err:
        detail = next((line.strip() for line in str(err).splitlines()
                       if 'Unsupported global' in line
                       or 'unsupported' in line.lower()), str(err)[:300])
        where = f' {path}' if path else ''
        raise UnsafeCheckpointError(
            f'refusing to load the checkpoint{where}: it contains pickled '
            'objects that torch.load(weights_only=True) does not allow '
            f'({detail}). mmssr checkpoints hold only tensors, numbers, '
            'strings and containers; do not load files from untrusted '
            'sources.') from None


# --------------------------------------------------------------------------
# Strict, safe checkpoint loading with errors that say what went wrong.
# --------------------------------------------------------------------------

_SHOWN = 3  # keys named in a message before "... (N in all)"
_SSR_PREFIXES = ('reconstructor.', 'siamvp.')
_SOFTRAS_PREFIXES = ('encoder.', 'decoder.')
CHECKPOINT_PREFIX_HINT = (
    "to use the reconstructor of an SSR checkpoint with a SoftRas config, "
    "pass --checkpoint-prefix reconstructor. (tools/test.py) or "
    "prefix='reconstructor.' (mmssr.apis.init_model)")


def _is_local(path: str) -> bool:
    return '://' not in str(path)


def _unwrap(model: nn.Module) -> nn.Module:
    from mmengine.model import is_model_wrapper
    return model.module if is_model_wrapper(model) else model


def load_checkpoint_file(path: str) -> dict:
    """Load a checkpoint with torch's safe ``weights_only=True`` unpickler.

    Raises :class:`CheckpointError` naming ``path`` for a missing, empty,
    truncated or foreign file, and :class:`UnsafeCheckpointError` for one
    that holds pickled code. Safe loading is never switched off.
    """
    path = str(path)
    if _is_local(path):
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
            if _is_local(path):
                checkpoint = torch.load(
                    path, map_location='cpu', weights_only=True)
            else:  # URLs and other schemes: mmengine's loaders
                from mmengine.runner import CheckpointLoader
                checkpoint = CheckpointLoader.load_checkpoint(
                    path, map_location='cpu', logger='silent')
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


def state_dict_of(checkpoint: dict, source: str,
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
        kept = [(k[len(prefix):], v) for k, v in items
                if k.startswith(prefix)]
        if not kept:
            heads = sorted({k.split('.')[0] + '.' for k, _ in items
                            if '.' in k})
            raise CheckpointError(
                f'{source}: no weights under the prefix {prefix!r}; the '
                f'checkpoint\'s keys start with {heads}')
        items = kept
    result = OrderedDict(items)
    if metadata is not None:
        if prefix:
            metadata = OrderedDict(
                (k[len(prefix):].rstrip('.') if k + '.' != prefix else '', v)
                for k, v in metadata.items()
                if (k + '.').startswith(prefix))
        result._metadata = metadata
    return result


def model_state_shapes(model: nn.Module) -> 'OrderedDict[str, tuple]':
    """Keys and shapes of ``model``'s weights, wrappers (DDP) left out."""
    from mmengine.runner.checkpoint import get_state_dict
    return OrderedDict((k, tuple(v.shape))
                       for k, v in get_state_dict(model).items())


def _plain_key(key: str) -> str:
    """``reconstructor.module.encoder.x`` -> ``reconstructor.encoder.x``."""
    return re.sub(r'(^|\.)module(\.|$)', r'\1', key).rstrip('.')


def match_wrapper_keys(state_dict: dict, expected) -> 'OrderedDict':
    """Rename keys to the model's, whatever DDP wrappers either side had.

    A model whose sub-modules are wrapped separately (SSR under
    ``MMSeparateDistributedDataParallel``) has keys ``reconstructor.module.*``
    while wrapped and ``reconstructor.*`` otherwise; checkpoints are saved
    with the plain keys (:class:`MatchWrapperKeysHook`), and a key matches
    the model's key that is the same once wrapper segments are dropped.
    """
    by_plain = {_plain_key(k): k for k in expected}
    result = OrderedDict()
    for key, value in state_dict.items():
        if key not in expected:
            key = by_plain.get(_plain_key(key), key)
        result[key] = value
    metadata = getattr(state_dict, '_metadata', None)
    if metadata is not None:
        result._metadata = OrderedDict(
            (by_plain.get(_plain_key(k), k), v) for k, v in metadata.items())
    return result


class MatchWrapperKeysHook(Hook):
    """Checkpoints hold the keys of the unwrapped model, and load into the
    model wrapped or not.

    ``runner.register_hook(MatchWrapperKeysHook())`` (``tools/train.py``
    does): before a save, wrapper segments (``.module.`` of DDP-wrapped
    sub-modules) are dropped from the state-dict keys; after a load (resume)
    the keys are matched to the model's.
    """

    priority = 'VERY_HIGH'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict')
        if isinstance(state, dict):
            plain = OrderedDict((_plain_key(k), v) for k, v in state.items())
            metadata = getattr(state, '_metadata', None)
            if metadata is not None:
                plain._metadata = OrderedDict(
                    (_plain_key(k), v) for k, v in metadata.items())
            checkpoint['state_dict'] = plain

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict')
        if isinstance(state, dict):
            checkpoint['state_dict'] = match_wrapper_keys(
                state, model_state_shapes(runner.model))


def _model_kind(keys) -> Optional[str]:
    keys = list(keys)
    if any(k.startswith(_SSR_PREFIXES) for k in keys):
        return 'SSR'
    if any(k.startswith(_SOFTRAS_PREFIXES) for k in keys):
        return 'SoftRas'
    return None


def _find(shapes: dict, suffix: str):
    for key, shape in shapes.items():
        if key == suffix or key.endswith('.' + suffix):
            return shape
    return None


def _image_size(shapes: dict) -> Optional[int]:
    """``encoder.fcs.0.weight`` has 256 * (S / 8)^2 inputs."""
    shape = _find(shapes, 'encoder.fcs.0.weight')
    if shape is None or len(shape) != 2:
        return None
    side = math.isqrt(int(shape[1]) // 256)
    return side * 8 if 256 * side * side == int(shape[1]) else None


def _num_vertices(shapes: dict) -> Optional[int]:
    shape = _find(shapes, 'decoder.template')
    if shape is not None and len(shape) == 2:
        return int(shape[0])
    shape = _find(shapes, 'decoder.fc_bias.weight')
    if shape is not None and len(shape) == 2 and shape[0] % 3 == 0:
        return int(shape[0]) // 3
    return None


def _few(keys: List[str]) -> str:
    # weights of sub-modules first: they say more than top-level buffers
    keys = sorted(keys, key=lambda k: '.' not in k.split(' ')[0])
    shown = ', '.join(keys[:_SHOWN])
    return shown + (f', ... ({len(keys)} in all)'
                    if len(keys) > _SHOWN else '')


def likely_causes(model_shapes: dict, ckpt_shapes: dict) -> List[str]:
    """Why a checkpoint does not fit a model, from its keys and shapes."""
    causes = []
    ckpt_kind, model_kind = _model_kind(ckpt_shapes), _model_kind(model_shapes)
    if ckpt_kind and model_kind and ckpt_kind != model_kind:
        keys = {'SSR': 'reconstructor.*, siamvp.*',
                'SoftRas': 'encoder.*, decoder.*'}
        article = {'SSR': 'an', 'SoftRas': 'a'}
        cause = (f'the checkpoint is of {article[ckpt_kind]} {ckpt_kind} '
                 f'model (keys {keys[ckpt_kind]}) but the config builds '
                 f'{article[model_kind]} {model_kind} model (keys '
                 f'{keys[model_kind]})')
        if ckpt_kind == 'SSR':
            cause += f'; {CHECKPOINT_PREFIX_HINT}'
        else:
            cause += '; use a SoftRas config for it'
        causes.append(cause)
    ckpt_size, model_size = _image_size(ckpt_shapes), _image_size(model_shapes)
    if ckpt_size and model_size and ckpt_size != model_size:
        causes.append(
            f'the checkpoint is for {ckpt_size}x{ckpt_size} images and the '
            f'config for {model_size}x{model_size} (model image_size; '
            'encoder.fcs.0.weight has 256*(S/8)^2 inputs)')
    ckpt_v, model_v = _num_vertices(ckpt_shapes), _num_vertices(model_shapes)
    if ckpt_v and model_v and ckpt_v != model_v:
        causes.append(
            f'the checkpoint\'s template mesh has {ckpt_v} vertices and the '
            f'config\'s {model_v} (decoder.subdivisions)')
    siam_c = {k: v for k, v in ckpt_shapes.items() if 'siamvp.' in k}
    siam_m = {k: v for k, v in model_shapes.items() if 'siamvp.' in k}
    if any(siam_c[k] != siam_m[k] for k in siam_c if k in siam_m):
        causes.append('the SiamVP head differs (siamvp channels / '
                      'embed_dim in the config)')
    return causes


def check_state_dict(model: nn.Module, state_dict: dict, source: str) -> None:
    """Raise :class:`CheckpointError` unless ``state_dict`` fits ``model``.

    The message names the missing, unexpected and mis-shaped keys (a few,
    then a count) and the likely cause: another model type (SSR /
    SoftRas), another image size or another template size.
    """
    expected = model_state_shapes(model)
    model = _unwrap(model)
    given = OrderedDict((k, tuple(v.shape)) if torch.is_tensor(v) else
                        (k, None) for k, v in state_dict.items())
    missing = [k for k in expected if k not in given]
    unexpected = [k for k in given if k not in expected]
    mismatched = [k for k in expected
                  if k in given and given[k] != expected[k]]
    if not (missing or unexpected or mismatched):
        return
    parts = []
    if missing:
        parts.append(f'{len(missing)} missing key(s): {_few(missing)}')
    if unexpected:
        parts.append(
            f'{len(unexpected)} unexpected key(s): {_few(unexpected)}')
    if mismatched:
        shown = [f'{k} {list(given[k]) if given[k] is not None else "?"} in '
                 f'the checkpoint vs {list(expected[k])} in the model'
                 for k in mismatched]
        parts.append(f'{len(mismatched)} shape mismatch(es): '
                     f'{_few(shown)}')
    causes = likely_causes(expected, {k: v for k, v in given.items()
                                      if v is not None})
    cause = ('likely cause: ' + '; and '.join(causes)) if causes else (
        'likely cause: the checkpoint was saved from another model '
        'configuration')
    raise CheckpointError(
        f'{source}: does not fit the {type(model).__name__} of the config '
        f'({"; ".join(parts)}); {cause}')


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
    from mmengine.runner.checkpoint import load_state_dict
    load_state_dict(model, state_dict, strict=True)  # DDP-wrapped or not
    if logger is not None:
        from mmengine.logging import print_log
        print_log(f'Loaded checkpoint {source} (strict)', logger=logger)
    return checkpoint


# --------------------------------------------------------------------------
# Resuming: the checkpoint must fit the model and the optimizer config.
# --------------------------------------------------------------------------


def resolve_resume_checkpoint(work_dir: str,
                              resume: Optional[str]) -> Optional[str]:
    """The checkpoint that ``--resume [PATH]`` resumes from, or ``None``.

    ``resume='auto'`` (``--resume`` without a value) reads
    ``WORK_DIR/last_checkpoint``; without that file training starts anew.
    An empty file, or one naming a missing checkpoint, is an error.
    """
    if resume is None:
        return None
    if resume != 'auto':
        if _is_local(resume) and not osp.isfile(resume):
            raise CheckpointError(
                f'{resume}: checkpoint file not found (--resume)')
        return resume
    record = osp.join(work_dir, 'last_checkpoint')
    if not osp.exists(record):
        return None
    with open(record) as f:
        named = f.read().strip()
    if not named:
        raise CheckpointError(
            f'{record}: empty file; it should name the checkpoint to resume '
            'from. Pass --resume PATH to a checkpoint, or delete the file to '
            'train from scratch')
    if _is_local(named) and not osp.isfile(named):
        raise CheckpointError(
            f'{record}: names the checkpoint {named}, which does not exist. '
            'Pass --resume PATH to an existing checkpoint, or delete the '
            'file to train from scratch')
    return named


def _expected_optimizers(optim_wrapper_cfg) -> Optional[List[str]]:
    """Sub-module names of a multi-optimizer config, ``None`` for one."""
    if optim_wrapper_cfg is None:
        return None
    cfg = dict(optim_wrapper_cfg)
    if cfg.get('constructor') is None and 'optimizer' in cfg:
        return None
    if 'optimizer' in cfg or 'type' in cfg:
        return None
    return [k for k in cfg if k not in ('constructor', 'paramwise_cfg')]


def _describe_optimizer_state(state) -> str:
    if isinstance(state, dict) and 'param_groups' in state:
        return "one optimizer (as SoftRas)"
    if isinstance(state, dict):
        return f'one optimizer per sub-module {sorted(state)} (as SSR)'
    return f'a {type(state).__name__}'


def _num_params(state: dict) -> int:
    return sum(len(g.get('params', ())) for g in state['param_groups'])


def check_optimizer_state(state, optim_wrapper_cfg, model: nn.Module,
                          source: str) -> None:
    """Raise :class:`CheckpointError` unless the optimizer state fits."""
    model = _unwrap(model)
    names = _expected_optimizers(optim_wrapper_cfg)
    wanted = ('one optimizer (as SoftRas)' if names is None else
              f'one optimizer per sub-module {sorted(names)} (as SSR)')
    if state is None:
        raise CheckpointError(
            f'{source}: holds no optimizer state, so training cannot resume '
            'from it; to start a new training from its weights, pass '
            f'--cfg-options load_from={source} without --resume')

    def mismatch(detail: str = '') -> CheckpointError:
        return CheckpointError(
            f'{source}: its optimizer state does not fit optim_wrapper of '
            f'the config: the checkpoint has '
            f'{_describe_optimizer_state(state)}, the config {wanted}'
            f'{detail}')

    if names is None:
        if not (isinstance(state, dict) and 'param_groups' in state):
            raise mismatch()
        groups = {'': (state, model)}
    else:
        if not isinstance(state, dict) or 'param_groups' in state or \
                sorted(state) != sorted(names):
            raise mismatch()
        groups = {}
        for name in names:
            if not isinstance(state[name], dict) or \
                    'param_groups' not in state[name]:
                raise mismatch(f' ({name!r} is not an optimizer state)')
            groups[name] = (state[name], getattr(model, name, None))
    for name, (sub_state, module) in groups.items():
        if module is None:
            continue
        have = _num_params(sub_state)
        want = len(list(module.parameters()))
        if have != want:
            where = f' {name!r}' if name else ''
            raise CheckpointError(
                f'{source}: its optimizer{where} holds {have} parameters but '
                f'the model{" " + name if name else ""} has {want}; the '
                'checkpoint was saved from another model configuration')


def check_resume_compatible(model: nn.Module, optim_wrapper_cfg,
                            path: str) -> dict:
    """Check that training can resume from ``path``; return the checkpoint.

    The weights must fit ``model`` (as :func:`check_state_dict`) and the
    optimizer state the structure of ``optim_wrapper_cfg``: SSR has one
    optimizer per sub-module (``reconstructor``, ``siamvp``), SoftRas one.
    """
    checkpoint = load_checkpoint_file(path)
    state_dict = match_wrapper_keys(state_dict_of(checkpoint, path),
                                    model_state_shapes(model))
    check_state_dict(model, state_dict, path)
    check_optimizer_state(checkpoint.get('optimizer'), optim_wrapper_cfg,
                          model, path)
    return checkpoint
