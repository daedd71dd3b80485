"""Warnings about data that loads but will not train well: degenerate
views (empty or full silhouettes, constant images) and large arrays that
every data-loading process would copy.
"""
import os
import os.path as osp
import warnings
from typing import Optional

import numpy as np


class DegenerateDataWarning(UserWarning):
    """A data file loads but holds nothing to learn from."""


# Files already warned about in this process: (path, size, mtime_ns).
_WARNED = set()


def warn_if_degenerate(path: str, images: np.ndarray) -> Optional[str]:
    """Warn, once per file, when silhouettes of ``images`` are all empty.

    ``images``: RGBA views (N, NUM_VIEWS, 4, S, S) of one
    ``{synset}_{split}_images.npz``. An empty alpha channel in every view of
    every object (or of some objects) leaves nothing to fit; the warning
    names the file. Returns the message, or ``None``.
    """
    if len(images) == 0:
        return None
    shown = images[:, :, 3].any(axis=(1, 2, 3))  # per object
    if shown.all():
        return None
    empty = np.flatnonzero(~shown).tolist()
    if not shown.any():
        message = (f'{path}: every silhouette (alpha channel) is empty: '
                   f'none of its {len(images)} objects is visible in any '
                   'view; the category of this file has nothing to learn '
                   'from')
    else:
        listed = ', '.join(map(
            str, empty[:10])) + (', ...' if len(empty) > 10 else '')
        message = (f'{path}: {len(empty)} of {len(images)} objects have an '
                   f'empty silhouette (alpha channel) in every view: '
                   f'objects {listed}')
    try:
        stat = os.stat(path)
        key = (osp.abspath(path), stat.st_size, stat.st_mtime_ns)
    except OSError:
        key = (osp.abspath(path), None, None)
    if key in _WARNED:
        return message
    _WARNED.add(key)
    warnings.warn(message, DegenerateDataWarning, stacklevel=2)
    return message


def _local_processes() -> int:
    """Processes of the distributed run on this machine (1 outside one).

    Read from the launchers' variables: mmengine's local process group
    exists only where its ``init_dist`` started the run.
    """
    import torch.distributed as torch_dist

    from mmssr.utils.dist_env import launcher_env
    if not (torch_dist.is_available() and torch_dist.is_initialized()):
        return 1
    sizes = [
        launcher_env(launcher).local_world_size
        for launcher in ('pytorch', 'slurm', 'mpi')
    ]
    return max([s for s in sizes if s] or [1])


def warn_if_shared_copies(images: np.ndarray,
                          min_bytes: int = 1 << 28) -> Optional[str]:
    """Warn when several processes of this machine each hold ``images``.

    A distributed run has one process per GPU; without a dataset
    ``cache_dir`` each keeps its own copy. Returns the message, or ``None``
    (one process, or less than ``min_bytes``).
    """
    local = _local_processes()
    if local <= 1 or images.nbytes < min_bytes:
        return None
    message = (f'each of the {local} processes on this machine holds its own '
               f'{images.nbytes / 2**30:.1f} GiB copy of the dataset images; '
               'set the dataset\'s cache_dir (e.g. --cfg-options '
               'train_dataloader.dataset.cache_dir=data/cache) to share one '
               'memory-mapped copy')
    warnings.warn(message, stacklevel=2)
    return message
