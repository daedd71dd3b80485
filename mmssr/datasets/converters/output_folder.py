"""The output folder of a conversion: what the last conversion wrote there.

``convert_meta.json`` records the files a conversion wrote. A conversion
into the same folder replaces them (those it does not write again are
removed once its own record is written), and refuses, unless told to
overwrite, to replace files that no conversion recorded: they are the
user's (unless the folder holds the converter's cache, the mark of a
conversion that was interrupted before it wrote its record).
"""
import json
import os
import os.path as osp
from typing import List, Sequence

from mmssr.datasets.loading import CONVERT_META_FILE, read_convert_meta
from mmssr.errors import DataError
from mmssr.utils.fileio import sha256_file
from .files import save_json
from .splits import SPLITS

CONVERTER = 'mmssr.datasets.converters'
META_FILE = CONVERT_META_FILE
CACHE_DIR = '.convert-cache'


def previous_files(out_dir: str, sources, overwrite: bool) -> List[str]:
    """The data files of the conversion recorded in ``out_dir``; refuses
    (unless ``overwrite``) to replace files the converter did not write."""
    record = osp.join(out_dir, META_FILE)
    previous, foreign = [], []
    if osp.isfile(record):
        try:
            with open(record) as f:
                meta = json.load(f)
            if meta.get('converter') != CONVERTER:
                raise ValueError('not written by this converter')
            previous = [n for n in meta['files'] if '/' not in n]
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            foreign.append(META_FILE)
    # data files of a conversion interrupted before its record are its own
    interrupted = osp.isdir(osp.join(out_dir, CACHE_DIR))
    for synset in [] if interrupted else sorted({s.synset for s in sources}):
        for split in SPLITS:
            for kind in ('images', 'voxels', 'points'):
                name = f'{synset}_{split}_{kind}.npz'
                if name not in previous and \
                        osp.lexists(osp.join(out_dir, name)):
                    foreign.append(name)
    if foreign and not overwrite:
        raise DataError(
            f'--out {out_dir}: holds files this converter did not write '
            f'({", ".join(foreign[:4])}{", ..." if len(foreign) > 4 else ""}'
            '); give an empty folder, or pass --overwrite to replace them')
    return previous


def remove_stale_files(out_dir: str, previous: Sequence[str],
                       written: Sequence[str]) -> None:
    """Remove the files of the previous conversion not written again."""
    for name in sorted(set(previous) - set(written)):
        path = osp.join(out_dir, name)
        if osp.isfile(path):
            os.remove(path)


def record_added_files(out_dir: str, names: Sequence[str]) -> bool:
    """Enter files another tool wrote into a converted folder (the photo
    converter's unlabeled views) in its ``convert_meta.json``, so that the
    datasets accept them and the next conversion into the folder replaces
    them with the rest. Returns False where the folder has no record (not
    a conversion's output: nothing checks its files)."""
    record = osp.join(out_dir, META_FILE)
    if not osp.isfile(record):
        return False
    meta = read_convert_meta(out_dir)
    for name in names:
        path = osp.join(out_dir, name)
        meta['files'][name] = dict(
            size=osp.getsize(path), sha256=sha256_file(path))
    save_json(record, meta)
    return True
