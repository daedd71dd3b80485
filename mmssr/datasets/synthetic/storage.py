"""Files of a synthetic dataset: atomic writes, the meta, locks, swaps.

A dataset is written whole or not at all: it is generated into a sibling
folder ``<out>.tmp-<pid>`` and renamed into place at the end, under an
exclusive ``fcntl.flock`` on ``<out>.lock``; ``synthetic_meta.json``, written
last, records every setting and the sha256 of every file, so a dataset that
is incomplete, mixed or made with other settings is recognised.
"""
import hashlib
import json
import os
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Optional, Sequence

import numpy as np
from mmengine.fileio import dump

from mmssr.datasets.loading import SYNTHETIC_META_FILE as META_FILE
from mmssr.errors import DataError
from mmssr.utils.fileio import atomic_write, sha256_file

SPLITS = ('train', 'val', 'test')
GENERATOR = 'mmssr.datasets.synthetic'
# Bump when the generated content changes for the same settings (2: colour
# stored in the NMR convention, structures/color.py).
GENERATOR_VERSION = 2
SETTING_KEYS = ('num_train', 'num_val', 'num_test', 'seed', 'image_size',
                'random_orientation', 'unlabeled_views')
# Where the training objects are also seen from off the grid (a
# ``{synset}_train_views.npz`` per category, see generator.off_grid_cameras).
UNLABELED_VIEWS = ('grid', 'half', 'anywhere')
DEFAULT_SETTINGS = dict(
    num_train=32,
    num_val=4,
    num_test=8,
    seed=0,
    image_size=64,
    random_orientation=False,
    unlabeled_views='grid')
# Settings added after datasets were first written: a meta without them was
# made with their default.
_LATER_SETTINGS = dict(random_orientation=False, unlabeled_views='grid')
DATA_FILE = re.compile(
    r'\d{8}_((train|val|test)_(images|voxels)|train_views)\.npz')


# -- files -----------------------------------------------------------------
def atomic_savez(path: str, array: np.ndarray) -> None:
    """``np.savez_compressed``, atomically (umask mode)."""
    with atomic_write(path, suffix='.npz.tmp') as tmp:
        with open(tmp, 'wb') as f:
            np.savez_compressed(f, array)


def atomic_json(path: str, obj: dict) -> None:
    """A JSON file, atomically (umask mode)."""
    with atomic_write(path, suffix='.json.tmp') as tmp:
        dump(obj, tmp, file_format='json', indent=2)


def data_file_names(synsets: Sequence[str],
                    unlabeled_views: str = 'grid') -> List[str]:
    """The npz files of ``synsets``, in the fixed order of the hash; the
    off-grid views files (``unlabeled_views`` other than 'grid') last."""
    names = [
        f'{s}_{split}_{kind}.npz' for s in synsets for split in SPLITS
        for kind in ('images', 'voxels')
    ]
    if unlabeled_views != 'grid':
        names += [f'{s}_train_views.npz' for s in synsets]
    return names


def content_hash(file_hashes: Dict[str, str], names: Sequence[str]) -> str:
    """sha256 over the files' sha256 in the order of ``names``."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(f'{name} {file_hashes[name]}\n'.encode())
    return digest.hexdigest()


# -- settings and the state of a folder -------------------------------------
def check_settings(num_train: int = 32,
                   num_val: int = 4,
                   num_test: int = 8,
                   seed: int = 0,
                   image_size: int = 64,
                   random_orientation: bool = False,
                   unlabeled_views: str = 'grid') -> dict:
    """The settings as a dict; a :class:`DataError` for a bad one."""
    if unlabeled_views not in UNLABELED_VIEWS:
        raise DataError(f'unlabeled_views must be one of {UNLABELED_VIEWS}, '
                        f'got {unlabeled_views!r}')
    if image_size % 8 or image_size < 8:
        raise DataError(f'image_size must be a multiple of 8, got '
                        f'{image_size}')
    counts = dict(num_train=num_train, num_val=num_val, num_test=num_test)
    for key, count in counts.items():
        if count < 1:
            raise DataError(f'{key} must be >= 1, got {count}')
    return dict(
        counts,
        seed=seed,
        image_size=image_size,
        random_orientation=bool(random_orientation),
        unlabeled_views=unlabeled_views)


def read_meta(out_dir: str) -> Optional[dict]:
    """The meta of ``out_dir``; ``None`` when missing; ``{}`` if unreadable."""
    path = osp.join(out_dir, META_FILE)
    if not osp.isfile(path):
        return None
    try:
        with open(path) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


class DatasetState(NamedTuple):
    """What a folder holds, against the wanted categories and settings.

    ``status``: ``'missing'`` (no dataset), ``'ok'``, ``'other-settings'``
    (made with other settings), ``'fewer-categories'`` (same settings, some
    wanted categories absent) or ``'incomplete'`` (a file missing or
    changed, or no usable meta). ``reason`` says what differed.
    """
    status: str
    reason: str
    meta: Optional[dict]


def _settings_diff(meta: dict, settings: dict) -> List[str]:
    diffs = []
    if meta.get('generator') != GENERATOR or meta.get(
            'version') != GENERATOR_VERSION:
        diffs.append(f"generator: {meta.get('generator')} version "
                     f"{meta.get('version')} in the folder, {GENERATOR} "
                     f'version {GENERATOR_VERSION} asked')
    for key in SETTING_KEYS:
        found = meta.get(key, _LATER_SETTINGS.get(key))
        wanted = settings.get(key, _LATER_SETTINGS.get(key))
        if found != wanted:
            diffs.append(f'{key}: {found!r} in the folder, {wanted!r} asked')
    return diffs


def verify_files(out_dir: str, meta: dict) -> List[str]:
    """What is wrong with the files that ``meta`` lists (empty: nothing).

    Checks that each file exists with its recorded size and sha256, and the
    content hash over them.
    """
    files = meta.get('files')
    categories = meta.get('categories')
    if not isinstance(files, dict) or not isinstance(categories, list) or \
            'content_sha256' not in meta:
        return [
            f'{META_FILE} records no content hash (written by an older '
            'generator or damaged)'
        ]
    names = data_file_names(
        categories,
        meta.get('unlabeled_views', _LATER_SETTINGS['unlabeled_views']))
    problems, hashes = [], {}
    for name in names:
        path = osp.join(out_dir, name)
        record = files.get(name)
        if not isinstance(record, dict):
            problems.append(f'{name} is not recorded in {META_FILE}')
        elif not osp.isfile(path):
            problems.append(f'{name} is missing')
        elif osp.getsize(path) != record.get('size'):
            problems.append(f'{name} has {osp.getsize(path)} bytes, '
                            f"{record.get('size')} recorded")
        else:
            hashes[name] = sha256_file(path)
            if hashes[name] != record.get('sha256'):
                problems.append(f'{name} differs from its recorded sha256')
    if not problems and content_hash(hashes, names) != meta['content_sha256']:
        problems.append('the content hash differs')
    return problems


def inspect_synthetic_dataset(out_dir: str, synsets: Sequence[str],
                              settings: dict) -> DatasetState:
    """The :class:`DatasetState` of ``out_dir`` for ``synsets``/``settings``.

    Hashes every file (about 10 ms for the default 8 MB dataset).
    """
    if not osp.isdir(out_dir) or not any(
            DATA_FILE.fullmatch(n) or n == META_FILE
            for n in os.listdir(out_dir)):
        return DatasetState('missing', f'no synthetic dataset in {out_dir}',
                            None)
    meta = read_meta(out_dir)
    if meta is None:
        return DatasetState('incomplete', f'{META_FILE} is missing', None)
    if not meta:
        return DatasetState('incomplete', f'{META_FILE} is not readable', None)
    diffs = _settings_diff(meta, settings)
    if diffs:
        return DatasetState('other-settings', '; '.join(diffs), meta)
    problems = verify_files(out_dir, meta)
    if problems:
        shown = '; '.join(problems[:4])
        more = f'; and {len(problems) - 4} more' if len(problems) > 4 else ''
        return DatasetState('incomplete', shown + more, meta)
    absent = [s for s in synsets if s not in meta['categories']]
    if absent:
        return DatasetState('fewer-categories',
                            f'categories {absent} are not in the folder', meta)
    return DatasetState('ok', '', meta)
