"""Check that a checkpoint can resume the training of a config."""
import os.path as osp
from typing import List, Optional

from torch import nn

from mmssr.errors import CheckpointError
from .diagnosis import check_finite_weights, check_state_dict
from .keys import _is_local, _unwrap, match_wrapper_keys, model_state_shapes
from .loading import load_checkpoint_file, state_dict_of


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
    state_dict = match_wrapper_keys(
        state_dict_of(checkpoint, path), model_state_shapes(model))
    check_state_dict(model, state_dict, path)
    check_finite_weights(state_dict, path)
    check_optimizer_state(
        checkpoint.get('optimizer'), optim_wrapper_cfg, model, path)
    return checkpoint
