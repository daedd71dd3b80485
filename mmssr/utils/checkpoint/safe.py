"""Refuse checkpoints that safe (weights-only) loading does not allow.

Every checkpoint mmssr or mmengine reads in an mmssr process goes through
torch's weights-only unpickler: ``load_from`` and ``resume`` of the runner,
``init_cfg`` pretrained weights and mmengine's ``load_checkpoint`` all read
through mmengine's ``CheckpointLoader``, whose schemes
:func:`~.loading.install_safe_checkpoint_loaders` replaces: local files
with :func:`~.loading.load_checkpoint_file` (``weights_only=True`` passed
explicitly, which ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` cannot override),
other schemes (URLs, ...) wrapped so that ``torch.load`` runs with
``TORCH_FORCE_WEIGHTS_ONLY_LOAD=1``.
"""
import os
import pickle
from contextlib import contextmanager
from typing import Optional

from mmssr.errors import CheckpointError


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
        detail = next(
            (line.strip() for line in str(err).splitlines()
             if 'Unsupported global' in line or 'unsupported' in line.lower()),
            str(err)[:300])
        where = f' {path}' if path else ''
        raise UnsafeCheckpointError(
            f'refusing to load the checkpoint{where}: it contains pickled '
            'objects that torch.load(weights_only=True) does not allow '
            f'({detail}). mmssr checkpoints hold only tensors, numbers, '
            'strings and containers; do not load files from untrusted '
            'sources.') from None


_FORCE, _FORCE_NO = ('TORCH_FORCE_WEIGHTS_ONLY_LOAD',
                     'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD')


@contextmanager
def forced_weights_only():
    """``torch.load`` is weights-only inside, whatever the caller passes or
    the environment says (restored on exit)."""
    saved = {k: os.environ.get(k) for k in (_FORCE, _FORCE_NO)}
    os.environ[_FORCE] = '1'
    os.environ.pop(_FORCE_NO, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
