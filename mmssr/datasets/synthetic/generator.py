"""Write a synthetic ShapeNet-like dataset in the SoftRas file format.

Objects come from procedural families (``categories.py``) and are made,
rendered and voxelized one at a time by ``objects.py``; this module writes
them category by category, in parallel. The files' meta is ``storage.py``;
whole-or-nothing replacement of the folder is ``swapping.py``.
"""
import multiprocessing
import os
import os.path as osp
import shutil
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from mmssr.datasets.categories import SHAPENET_CATEGORIES, resolve_categories
from mmssr.datasets.view_files import save_views, views_file_name
from mmssr.errors import DataError
from mmssr.geometry import voxelize_mesh
from mmssr.structures import NUM_VIEWS
from mmssr.structures.color import MODEL_COLOR_CONVENTION, encode_nmr
from .objects import make_object, object_seed, object_yaw, render_object_views
from .off_grid import off_grid_cameras
from .storage import (GENERATOR, GENERATOR_VERSION, META_FILE, SETTING_KEYS,
                      SPLITS, DatasetState, atomic_json, atomic_savez,
                      check_settings, content_hash, data_file_names,
                      inspect_synthetic_dataset, sha256_file)
from .swapping import dataset_lock, refuse_foreign, remove_leftovers, swap_in


# -- generation --------------------------------------------------------------
def _write_category(folder: str, synset: str, name: str, settings: dict,
                    bar) -> None:
    counts = dict(
        train=settings['num_train'],
        val=settings['num_val'],
        test=settings['num_test'])
    off_grid = settings.get('unlabeled_views', 'grid') != 'grid'
    for split in SPLITS:
        images, voxels, views, cameras = [], [], [], []
        for index in range(counts[split]):
            rng = np.random.default_rng(
                object_seed(settings['seed'], synset, split, index))
            verts, faces, colors = make_object(
                name, rng, object_yaw(settings, synset, split, index))
            images.append(
                encode_nmr(
                    render_object_views(verts, faces, colors,
                                        settings['image_size'])))
            voxels.append(voxelize_mesh(verts, faces, 32))
            if off_grid and split == 'train':
                # the object's seed sequence + [2]: its shape unchanged
                cameras.append(
                    off_grid_cameras(
                        settings['unlabeled_views'],
                        np.random.default_rng(
                            object_seed(settings['seed'], synset, split, index)
                            + [2])))
                views.append(
                    encode_nmr(
                        render_object_views(verts, faces, colors,
                                            settings['image_size'],
                                            cameras[-1])))
            if bar is not None:
                bar.update()
        prefix = osp.join(folder, f'{synset}_{split}')
        atomic_savez(prefix + '_images.npz', np.stack(images))
        atomic_savez(prefix + '_voxels.npz', np.stack(voxels).astype(np.uint8))
        if views:
            save_views(
                osp.join(folder, views_file_name(synset, split)),
                np.concatenate(views), np.concatenate(cameras),
                np.repeat(np.arange(len(views)), NUM_VIEWS))


def generation_workers(num_categories: int, objects_per_category: int) -> int:
    """Processes that write categories side by side: one per core (at most
    one per category, at most 8) for datasets of at least 400 objects or
    of over 64 per category, where that pays for starting them (a few
    seconds each); 1 below that."""
    if objects_per_category <= 64 and num_categories * objects_per_category \
            < 400:
        return 1
    return max(1, min(os.cpu_count() or 1, num_categories, 8))


def _init_worker() -> None:
    torch.set_num_threads(1)  # one process per core


def _write_categories(folder: str, todo: List[Tuple[str, str]], settings: dict,
                      bar) -> None:
    """Write the categories of ``todo``, in parallel processes where that
    pays. Every object has its own seed, so the files are the same
    whatever the number of processes."""
    per_category = sum(settings[f'num_{split}'] for split in SPLITS)
    workers = generation_workers(len(todo), per_category)
    if workers <= 1:
        for synset, name in todo:
            _write_category(folder, synset, name, settings, bar)
        return
    ctx = multiprocessing.get_context('spawn')  # no forked thread pools
    with ProcessPoolExecutor(
            workers, mp_context=ctx, initializer=_init_worker) as pool:
        futures = [
            pool.submit(_write_category, folder, synset, name, settings, None)
            for synset, name in todo
        ]
        for future in futures:
            future.result()
            if bar is not None:
                bar.update(per_category)


def _generate_locked(out: str,
                     resolved: List[Tuple[str, str]],
                     settings: dict,
                     progress: bool,
                     reuse: Sequence[str] = ()) -> List[str]:
    """Write the dataset into ``<out>.tmp-<pid>`` and swap it in; the
    categories in ``reuse`` are linked (or copied) from the verified
    dataset at ``out``."""
    refuse_foreign(out)
    new = f'{out}.tmp-{os.getpid()}'
    if osp.lexists(new):
        shutil.rmtree(new)
    os.mkdir(new)  # honours the umask
    try:
        todo = [(s, n) for s, n in resolved if s not in reuse]
        bar = None
        if progress and todo:
            from mmengine.utils import ProgressBar
            bar = ProgressBar(
                len(todo) * sum(settings[f'num_{split}'] for split in SPLITS))
        for synset in reuse:
            for file in data_file_names([synset], settings['unlabeled_views']):
                try:
                    os.link(osp.join(out, file), osp.join(new, file))
                except OSError:
                    shutil.copy2(osp.join(out, file), osp.join(new, file))
        _write_categories(new, todo, settings, bar)
        if bar is not None:
            print()
        synsets = [s for s, _ in resolved]
        names = data_file_names(synsets, settings['unlabeled_views'])
        files = {
            n:
            dict(
                size=osp.getsize(osp.join(new, n)),
                sha256=sha256_file(osp.join(new, n)))
            for n in names
        }
        meta = dict(
            generator=GENERATOR,
            version=GENERATOR_VERSION,
            color_convention=MODEL_COLOR_CONVENTION,
            categories=synsets,
            **settings,
            files=files,
            content_sha256=content_hash(
                {
                    n: f['sha256']
                    for n, f in files.items()
                }, names))
        atomic_json(osp.join(new, META_FILE), meta)  # last: complete
        swap_in(new, out)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return [osp.join(out, n) for n in names]


def generate_synthetic_dataset(out_dir: str,
                               categories: Optional[Sequence[str]] = None,
                               num_train: int = 32,
                               num_val: int = 4,
                               num_test: int = 8,
                               seed: int = 0,
                               image_size: int = 64,
                               progress: bool = True,
                               random_orientation: bool = False,
                               unlabeled_views: str = 'grid') -> List[str]:
    """Generate the synthetic dataset; returns the paths written.

    Files, shapes, dtypes, cameras and the voxel convention are those of the
    SoftRas ShapeNet renders (conventions.md), so every code path is the one
    the real data takes. ``synthetic_meta.json`` records the settings and
    the files' sizes and sha256. Always (re)generates, whole or not at all
    (see the module); :func:`ensure_synthetic_dataset` generates only when
    needed. ``random_orientation`` turns each object about the up axis by
    its own random angle before rendering and voxelizing.
    ``unlabeled_views`` ``'half'`` or ``'anywhere'`` also renders every
    training object from 24 cameras off the grid into
    ``{synset}_train_views.npz`` (:func:`off_grid_cameras`), which the
    unlabeled split reads with ``unlabeled_views='file'``; the grid files
    (labeled objects, validation, test) stay as they are.
    """
    settings = check_settings(num_train, num_val, num_test, seed, image_size,
                              random_orientation, unlabeled_views)
    resolved = resolve_categories(categories)
    with dataset_lock(out_dir) as out:
        remove_leftovers(out)
        return _generate_locked(out, resolved, settings, progress)


def ensure_synthetic_dataset(out_dir: str,
                             categories: Optional[Sequence[str]] = None,
                             *,
                             force: bool = False,
                             replace_other: bool = True,
                             progress: bool = True,
                             info: Callable[[str], None] = print,
                             warn: Callable[[str], None] = print,
                             **settings) -> DatasetState:
    """Make sure ``out_dir`` holds the dataset of ``categories``/``settings``.

    Under the folder's lock (concurrent callers serialise; the later ones
    find the dataset up to date): leftovers of dead generators are removed,
    then the folder is inspected (:func:`inspect_synthetic_dataset`) and

    - ``'ok'``: nothing is done (unless ``force``);
    - ``'missing'``: generated;
    - ``'fewer-categories'``: regenerated with the union of the categories,
      the existing ones linked, not re-rendered;
    - ``'incomplete'``: regenerated (``warn``);
    - ``'other-settings'``: regenerated (``warn``) if ``replace_other`` or
      ``force``, else a :class:`DataError` naming the folder and what
      differs.

    Returns the state found before any generation.
    """
    settings = check_settings(**settings)
    resolved = resolve_categories(categories)
    synsets = [s for s, _ in resolved]
    with dataset_lock(out_dir, on_wait=info) as out:
        remove_leftovers(out)
        state = inspect_synthetic_dataset(out, synsets, settings)
        if state.status == 'ok' and not force:
            return state
        if state.status == 'other-settings' and not (force or replace_other):
            raise DataError(
                f'{out}: holds a synthetic dataset made with other settings '
                f'({state.reason}); pass --force to replace it, or choose '
                'another folder')
        reuse: Sequence[str] = ()
        if not force and state.status in ('fewer-categories', 'incomplete') \
                and state.meta and isinstance(state.meta.get('categories'),
                                              list):
            known = [
                s for s in state.meta['categories'] if s in SHAPENET_CATEGORIES
            ]
            resolved = resolve_categories(
                sorted(
                    set(known) | set(synsets),
                    key=list(SHAPENET_CATEGORIES).index))
            if state.status == 'fewer-categories':
                reuse = known
        described = (f'{len(resolved)} categories, ' +
                     ', '.join(f'{k}={settings[k]}' for k in SETTING_KEYS))
        if state.status == 'missing':
            info(f'{out}: generating the synthetic dataset ({described})')
        elif state.status == 'fewer-categories':
            info(f'{out}: {state.reason}; adding them ({described})')
        elif state.status == 'ok':
            info(f'{out}: regenerating the synthetic dataset (--force; '
                 f'{described})')
        elif state.status == 'incomplete':
            warn(f'{out}: the synthetic dataset is incomplete '
                 f'({state.reason}); regenerating it ({described})')
        else:
            warn(f'{out}: the synthetic dataset was made with other settings '
                 f'({state.reason}); regenerating it ({described})')
        _generate_locked(out, resolved, settings, progress, reuse)
    return state
