"""Why a checkpoint does not fit a model: the keys and the likely cause."""
import math
from collections import OrderedDict
from typing import List, Optional

import torch
from torch import nn

from mmssr.errors import CheckpointError
from .keys import _unwrap, model_state_shapes

_SHOWN = 3  # keys named in a message before "... (N in all)"
_SSR_PREFIXES = ('reconstructor.', 'siamvp.')
_SOFTRAS_PREFIXES = ('encoder.', 'decoder.')
CHECKPOINT_PREFIX_HINT = (
    "to use the reconstructor of an SSR checkpoint with a SoftRas config, "
    "pass --checkpoint-prefix reconstructor. (tools/test.py) or "
    "prefix='reconstructor.' (mmssr.apis.init_model)")


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
        keys = {
            'SSR': 'reconstructor.*, siamvp.*',
            'SoftRas': 'encoder.*, decoder.*'
        }
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
    given = OrderedDict(
        (k, tuple(v.shape)) if torch.is_tensor(v) else (k, None)
        for k, v in state_dict.items())
    missing = [k for k in expected if k not in given]
    unexpected = [k for k in given if k not in expected]
    mismatched = [
        k for k in expected if k in given and given[k] != expected[k]
    ]
    if not (missing or unexpected or mismatched):
        return
    parts = []
    if missing:
        parts.append(f'{len(missing)} missing key(s): {_few(missing)}')
    if unexpected:
        parts.append(
            f'{len(unexpected)} unexpected key(s): {_few(unexpected)}')
    if mismatched:
        shown = [
            f'{k} {list(given[k]) if given[k] is not None else "?"} in '
            f'the checkpoint vs {list(expected[k])} in the model'
            for k in mismatched
        ]
        parts.append(f'{len(mismatched)} shape mismatch(es): '
                     f'{_few(shown)}')
    causes = likely_causes(expected, {
        k: v
        for k, v in given.items() if v is not None
    })
    cause = ('likely cause: ' + '; and '.join(causes)) if causes else (
        'likely cause: the checkpoint was saved from another model '
        'configuration')
    raise CheckpointError(
        f'{source}: does not fit the {type(model).__name__} of the config '
        f'({"; ".join(parts)}); {cause}')


def check_finite_weights(state_dict: dict, source: str) -> None:
    """Raise :class:`CheckpointError` when a floating-point tensor of
    ``state_dict`` holds NaN or infinite values (a diverged training):
    such weights give NaN meshes, not an error, further on."""
    bad = [
        k for k, v in state_dict.items() if torch.is_tensor(v)
        and v.is_floating_point() and not bool(torch.isfinite(v).all())
    ]
    if bad:
        raise CheckpointError(
            f'{source}: {len(bad)} weight tensor(s) hold NaN or infinite '
            f'values: {_few(bad)}; the training that saved it diverged: '
            'use an earlier checkpoint')
