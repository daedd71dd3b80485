"""A folder of meshes -> the SoftRas / NMR ShapeNet file format.

Writes, per category and split with objects, ``{synset}_{split}_images.npz``
(uint8 (N, 24, 4, S, S)), ``{synset}_{split}_voxels.npz`` (uint8
(N, 32, 32, 32)) and ``{synset}_{split}_points.npz`` (float32 (N, P, 6):
xyz then unit normal), each one array; then ``convert_meta.json`` (source,
settings, model ids of every split, skipped meshes with their reason,
files with sha256). The same input and settings give byte-identical npz
files, whatever the number of workers and interruptions: every object is
computed with one torch thread, seeded by its id, cached in
``<out>/.convert-cache/`` (see :mod:`.worker`), and the npz files are
written with a fixed zip timestamp (:mod:`.files`).

Splits: by ratio with a seed over the objects that converted, or the
``split`` column of a ShapeNet ``all.csv`` (objects not listed there are
not converted).

Into an existing folder: a conversion replaces the dataset of the previous
one whole (its files that this one does not write are removed after the
new record is written); files the converter did not write (not in the
folder's ``convert_meta.json``) are never replaced unless ``overwrite``.
A mesh whose .mtl, textures or glTF buffers lie outside the input folder is
skipped with that reason unless ``allow_outside`` (see :mod:`.references`).
"""
import fcntl
import glob
import multiprocessing
import os
import os.path as osp
import shutil
import time
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from mmssr.errors import DataError
from mmssr.geometry import axis_rotation
from mmssr.io.mesh_references import outside_files
from mmssr.structures.color import MODEL_COLOR_CONVENTION
from mmssr.utils.fileio import output_error, sha256_file
from .discovery import discover
from .files import save_json, save_npz
from .output_folder import (CACHE_DIR, CONVERTER, META_FILE, previous_files,
                            remove_stale_files)
from .splits import (SPLITS, check_ratios, file_split, ratio_split,
                     read_split_file)
from .worker import (SETTING_KEYS, VERSION, init_worker, load_cached,
                     object_key, process_object)

DEFAULT_SETTINGS = dict(
    image_size=64,
    supersample=4,
    num_points=10000,
    seed=0,
    normalized=False,
    up='+y',
    front='-z',
    scale=1.0)


def check_settings(**kwargs) -> dict:
    settings = dict(DEFAULT_SETTINGS)
    unknown = set(kwargs) - set(DEFAULT_SETTINGS)
    if unknown:
        raise TypeError(f'unknown settings {sorted(unknown)}')
    settings.update(kwargs)
    if settings['image_size'] < 8:
        raise DataError(f'--image-size: expected >= 8, got '
                        f'{settings["image_size"]}')
    if settings['supersample'] < 1:
        raise DataError(f'--supersample: expected >= 1, got '
                        f'{settings["supersample"]}')
    if settings['num_points'] < 0:
        raise DataError(f'--points: expected >= 0, got '
                        f'{settings["num_points"]}')
    if not settings['scale'] > 0:
        raise DataError(f'--scale: expected > 0, got {settings["scale"]}')
    axis_rotation(settings['up'], settings['front'])  # checks the axes
    return {k: settings[k] for k in SETTING_KEYS}


class _CacheLock:
    """Exclusive ``flock`` on the cache folder: one converter per output."""

    def __init__(self, cache_dir: str):
        self.path = osp.join(cache_dir, 'lock')

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            raise DataError(f'{osp.dirname(osp.dirname(self.path))}: '
                            'another conversion into this folder is running')
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def _run_tasks(tasks: list, workers: int, progress: bool) -> List[dict]:
    bar = None
    if progress and tasks:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(tasks))
    results = []
    if workers <= 1:
        import torch
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # the same numbers as in the workers
        try:
            for task in tasks:
                results.append(process_object(task))
                if bar is not None:
                    bar.update()
        finally:
            torch.set_num_threads(threads)
    else:
        ctx = multiprocessing.get_context('spawn')
        with ctx.Pool(workers, initializer=init_worker) as pool:
            for result in pool.imap(process_object, tasks, chunksize=1):
                results.append(result)
                if bar is not None:
                    bar.update()
    if bar is not None:
        print()
    return results


def _write_split(out_dir: str, prefix: str, keys: List[str], cache_dir: str,
                 num_points: int) -> List[str]:
    first = load_cached(cache_dir, keys[0])
    kinds = ['images', 'voxels'] + (['points'] if num_points else [])
    arrays = {
        k: np.empty((len(keys), ) + first[k].shape, first[k].dtype)
        for k in kinds
    }
    for index, key in enumerate(keys):
        result = first if index == 0 else load_cached(cache_dir, key)
        if result is None or 'skipped' in result:
            raise RuntimeError(f'the cache entry {key} disappeared')
        for kind in kinds:
            arrays[kind][index] = result[kind]
    names = []
    for kind in kinds:
        name = f'{prefix}_{kind}.npz'
        save_npz(osp.join(out_dir, name), arrays[kind])
        names.append(name)
    return names


def convert_meshes(input_dir: str,
                   out_dir: str,
                   layout: str = 'auto',
                   synset: Optional[str] = None,
                   name: Optional[str] = None,
                   split_ratio: Sequence[float] = (0.7, 0.1, 0.2),
                   split_file: Optional[str] = None,
                   workers: int = 1,
                   progress: bool = True,
                   keep_cache: bool = False,
                   info: Callable[[str], None] = print,
                   overwrite: bool = False,
                   allow_outside: bool = False,
                   **settings) -> dict:
    """Convert ``input_dir`` into ``out_dir``; returns the meta written.

    ``overwrite``: replace files in ``out_dir`` that the converter did not
    write; ``allow_outside``: read files that meshes name outside
    ``input_dir``.
    """
    settings = check_settings(**settings)
    ratios = check_ratios(split_ratio)
    layout, sources, names = discover(input_dir, layout, synset, name)
    if not sources:
        raise DataError(f'{input_dir}: no mesh files found (expected '
                        'SYNSET/MODEL/model.obj (ShapeNetCore v1), '
                        'SYNSET/MODEL/models/model_normalized.obj (v2), or '
                        f'with --synset/--name any of {list(_exts())})')
    not_listed = 0
    table = read_split_file(split_file) if split_file else None
    if table is not None:
        listed = [s for s in sources if (s.synset, s.model_id) in table]
        not_listed = len(sources) - len(listed)
        sources = listed
        if not sources:
            raise DataError(f'{split_file}: lists none of the '
                            f'{not_listed} models found in {input_dir}')
    outside = [] if allow_outside else [(s, outside_files(s.path, input_dir))
                                        for s in sources]
    outside = [(s, files) for s, files in outside if files]
    sources = [s for s in sources if s not in {o[0] for o in outside}]
    previous_files(out_dir, sources, overwrite)  # refused: nothing made
    cache_dir = osp.join(out_dir, CACHE_DIR)
    try:
        os.makedirs(cache_dir, exist_ok=True)
    except OSError as err:
        raise output_error(out_dir, err) from None
    with _CacheLock(cache_dir):
        previous = previous_files(out_dir, sources, overwrite)
        for tmp in glob.glob(osp.join(glob.escape(cache_dir), '*.tmp')):
            os.remove(tmp)
        keys = [object_key(s, settings) for s in sources]
        tasks = [(tuple(s), k, cache_dir, settings)
                 for s, k in zip(sources, keys)]
        start = time.time()
        results = _run_tasks(tasks, workers, progress)
        elapsed = time.time() - start
        skipped = [
            dict(
                synset=s.synset,
                model=s.model_id,
                path=s.path,
                reason=r['reason'])
            for s, r in zip(sources, results) if not r['ok']
        ] + [
            dict(
                synset=s.synset,
                model=s.model_id,
                path=s.path,
                reason='reads files outside the input folder ('
                f'{", ".join(files[:3])}); ignored: pass '
                '--allow-outside-files to read them') for s, files in outside
        ]
        good: Dict[str, Dict[str, str]] = {}
        for src, key, res in zip(sources, keys, results):
            if res['ok']:
                good.setdefault(src.synset, {})[src.model_id] = key
        if not good:
            shown = '; '.join(f"{s['path']}: {s['reason']}"
                              for s in skipped[:3])
            raise DataError(f'{input_dir}: no readable mesh among '
                            f'{len(skipped)} ({shown})')
        files, objects, counts = [], {}, {}
        for syn in sorted(good):
            ids = good[syn]
            split_ids = (
                file_split(ids, syn, table) if table is not None else
                ratio_split(list(ids), ratios, settings['seed'], syn))
            objects[syn] = split_ids
            counts[syn] = {sp: len(split_ids[sp]) for sp in SPLITS}
            for split in SPLITS:
                if split_ids[split]:
                    files += _write_split(out_dir, f'{syn}_{split}',
                                          [ids[m] for m in split_ids[split]],
                                          cache_dir, settings['num_points'])
        computed = sum(1 for r in results if not r['cached'])
        run = dict(
            seconds=round(elapsed, 3),
            objects=len(sources),
            computed=computed,
            from_cache=len(sources) - computed,
            objects_per_second=round(computed / max(elapsed, 1e-9), 3))
        meta = dict(
            converter=CONVERTER,
            version=VERSION,
            color_convention=MODEL_COLOR_CONVENTION,
            source=osp.abspath(input_dir),
            layout=layout,
            split=dict(file=osp.abspath(split_file)) if split_file else dict(
                ratio=list(ratios), seed=settings['seed']),
            settings=settings,
            categories=[[s, names.get(s, s)] for s in sorted(good)],
            counts=counts,
            objects=objects,
            skipped=skipped,
            not_in_split_file=not_listed,
            files={
                n:
                dict(
                    size=osp.getsize(osp.join(out_dir, n)),
                    sha256=sha256_file(osp.join(out_dir, n)))
                for n in files
            },
            run=run)
        save_json(osp.join(out_dir, META_FILE), meta)
        remove_stale_files(out_dir, previous, files)
    if not keep_cache:
        shutil.rmtree(cache_dir, ignore_errors=True)
    return meta


def _exts():
    from mmssr.io.mesh import MESH_EXTS
    return MESH_EXTS
