"""Refuse checkpoints that safe (weights-only) loading does not allow."""
import pickle
from contextlib import contextmanager
from typing import Optional

from ..errors import CheckpointError


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
