"""Write a synthetic ShapeNet-like dataset in the SoftRas file format.

A dataset is written whole or not at all: it is generated into a sibling
folder ``<out>.tmp-<pid>`` and renamed into place at the end, under an
exclusive ``fcntl.flock`` on ``<out>.lock``; ``synthetic_meta.json``, written
last, records every setting and the sha256 of every file, so a dataset that
is incomplete, mixed or made with other settings is recognised.
"""
import contextlib
import errno
import fcntl
import glob
import hashlib
import json
import os
import os.path as osp
import re
import shutil
import tempfile
from typing import (Callable, Dict, List, NamedTuple, Optional, Sequence,
                    Tuple)

import numpy as np
import torch
from mmengine.fileio import dump

from mmssr.datasets.categories import SHAPENET_CATEGORIES, resolve_categories
from mmssr.structures import NUM_VIEWS, view_ids_to_eyes, voxelize_mesh
from mmssr.utils.errors import DataError
from .categories import build_object
from .primitives import merge, normalize_parts

SPLITS = ('train', 'val', 'test')
META_FILE = 'synthetic_meta.json'
GENERATOR = 'mmssr.datasets.synthetic'
# Bump when the generated content changes for the same settings.
GENERATOR_VERSION = 1
SETTING_KEYS = ('num_train', 'num_val', 'num_test', 'seed', 'image_size')
DEFAULT_SETTINGS = dict(num_train=32, num_val=4, num_test=8, seed=0,
                        image_size=64)
_DATA_FILE = re.compile(r'\d{8}_(train|val|test)_(images|voxels)\.npz')
_LEFTOVER = re.compile(r'\.(tmp|old)-(\d+)')
# Silhouette sharpness of the stored renders: crisp, about 0.5 px of
# antialiasing at 64x64.
RENDER_SIGMA = 1e-5
LIGHT_DIR = (0.3, 0.9, -0.5)


def object_seed(seed: int, synset: str, split: str, index: int) -> list:
    """Seed sequence of one object: subsets of categories give the same
    objects, whatever else is generated."""
    return [seed, int(synset), SPLITS.index(split), index]


def make_object(category: str, rng: np.random.Generator
                ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices (V, 3), faces (F, 3), face colours (F, 3) of one object,
    normalized so its longest side spans 0.85–0.97 around the origin."""
    parts = build_object(category, rng)
    parts = normalize_parts(parts, rng.uniform(0.85, 0.97))
    return merge(parts)


def render_object_views(vertices: np.ndarray, faces: np.ndarray,
                        colors: np.ndarray, image_size: int) -> np.ndarray:
    """RGBA uint8 renders (24, 4, S, S) at the dataset's 24 views."""
    from mmssr.models.renderers import SoftRasterizer
    from mmssr.visualization import lambertian_face_colors
    verts = torch.as_tensor(vertices, dtype=torch.float32)[None]
    faces_t = torch.as_tensor(faces, dtype=torch.long)
    shaded = lambertian_face_colors(
        verts, faces_t, torch.as_tensor(colors, dtype=torch.float32)[None],
        light_dir=LIGHT_DIR, ambient=0.3, two_sided=False)
    renderer = SoftRasterizer(image_size=image_size, sigma_val=RENDER_SIGMA,
                              aggr_func_rgb='hard', fill_back=False)
    eyes = view_ids_to_eyes(torch.arange(NUM_VIEWS))
    with torch.no_grad():
        images = renderer(verts.expand(NUM_VIEWS, -1, -1), faces_t, eyes,
                          shaded.expand(NUM_VIEWS, -1, -1))
    rgb = images[:, :3] * (images[:, 3:] > 0)  # black background
    rgba = torch.cat([rgb, images[:, 3:]], 1)
    return (rgba.clamp(0, 1) * 255).round().to(torch.uint8).numpy()


# -- files -----------------------------------------------------------------
def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: str, path: str) -> None:
    """Give ``tmp`` the mode of a normal new file (``mkstemp`` makes 0600),
    then rename it to ``path``."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)


def atomic_savez(path: str, array: np.ndarray) -> None:
    """``np.savez_compressed`` to a temporary file, then rename."""
    folder = osp.dirname(osp.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix='.npz.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            np.savez_compressed(f, array)
        _publish(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def _atomic_json(path: str, obj: dict) -> None:
    fd, tmp = tempfile.mkstemp(suffix='.json.tmp',
                               dir=osp.dirname(osp.abspath(path)))
    os.close(fd)
    try:
        dump(obj, tmp, file_format='json', indent=2)
        _publish(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def data_file_names(synsets: Sequence[str]) -> List[str]:
    """The npz files of ``synsets``, in the fixed order of the hash."""
    return [f'{s}_{split}_{kind}.npz' for s in synsets for split in SPLITS
            for kind in ('images', 'voxels')]


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def content_hash(file_hashes: Dict[str, str], names: Sequence[str]) -> str:
    """sha256 over the files' sha256 in the order of ``names``."""
    digest = hashlib.sha256()
    for name in names:
        digest.update(f'{name} {file_hashes[name]}\n'.encode())
    return digest.hexdigest()


# -- settings and the state of a folder -------------------------------------
def check_settings(num_train: int = 32, num_val: int = 4, num_test: int = 8,
                   seed: int = 0, image_size: int = 64) -> dict:
    """The settings as a dict; a :class:`DataError` for a bad one."""
    if image_size % 8 or image_size < 8:
        raise DataError(f'image_size must be a multiple of 8, got '
                        f'{image_size}')
    counts = dict(num_train=num_train, num_val=num_val, num_test=num_test)
    for key, count in counts.items():
        if count < 1:
            raise DataError(f'{key} must be >= 1, got {count}')
    return dict(counts, seed=seed, image_size=image_size)


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
        if meta.get(key) != settings[key]:
            diffs.append(f'{key}: {meta.get(key)!r} in the folder, '
                         f'{settings[key]!r} asked')
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
        return [f'{META_FILE} records no content hash (written by an older '
                'generator or damaged)']
    names = data_file_names(categories)
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
            hashes[name] = _sha256(path)
            if hashes[name] != record.get('sha256'):
                problems.append(f'{name} differs from its recorded sha256')
    if not problems and content_hash(hashes,
                                     names) != meta['content_sha256']:
        problems.append('the content hash differs')
    return problems


def inspect_synthetic_dataset(out_dir: str, synsets: Sequence[str],
                              settings: dict) -> DatasetState:
    """The :class:`DatasetState` of ``out_dir`` for ``synsets``/``settings``.

    Hashes every file (about 10 ms for the default 8 MB dataset).
    """
    if not osp.isdir(out_dir) or not any(
            _DATA_FILE.fullmatch(n) or n == META_FILE
            for n in os.listdir(out_dir)):
        return DatasetState('missing', f'no synthetic dataset in {out_dir}',
                            None)
    meta = read_meta(out_dir)
    if meta is None:
        return DatasetState('incomplete', f'{META_FILE} is missing', None)
    if not meta:
        return DatasetState('incomplete', f'{META_FILE} is not readable',
                            None)
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
                            f'categories {absent} are not in the folder',
                            meta)
    return DatasetState('ok', '', meta)


# -- locking, leftovers, swapping --------------------------------------------
def _norm(out_dir: str) -> str:
    return osp.abspath(osp.expanduser(str(out_dir)))


@contextlib.contextmanager
def dataset_lock(out_dir: str,
                 on_wait: Optional[Callable[[str], None]] = None):
    """Hold an exclusive ``flock`` on ``<out_dir>.lock`` (blocks until free).

    Not re-entrant: a second lock of the same folder in one process waits
    forever.
    """
    out = _norm(out_dir)
    os.makedirs(osp.dirname(out), exist_ok=True)
    path = out + '.lock'
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(f'{out}: another process is generating this dataset; '
                        f'waiting for it ({path})')
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield out
    finally:
        os.close(fd)  # releases the lock


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(out_dir: str) -> List[str]:
    """Remove ``<out>.tmp-<pid>`` / ``<out>.old-<pid>`` folders of dead pids.

    Call with :func:`dataset_lock` held. A process killed between its two
    renames leaves no ``<out>``: its finished new folder (meta present) or
    else the old one is put back first. Returns the folders removed.
    """
    out = _norm(out_dir)
    dead = {}
    for path in glob.glob(glob.escape(out) + '.*-*'):
        match = _LEFTOVER.fullmatch(path[len(out):])
        if match and osp.isdir(path) and not _pid_alive(int(match[2])):
            dead[path] = match[1]
    if not osp.lexists(out):
        done = [p for p, kind in dead.items()
                if kind == 'tmp' and read_meta(p)]
        old = [p for p, kind in dead.items() if kind == 'old']
        for path in done[:1] or old[:1]:
            os.rename(path, out)
            del dead[path]
    for path in dead:
        shutil.rmtree(path, ignore_errors=True)
    return sorted(dead)


def _refuse_foreign(out: str) -> None:
    """A :class:`DataError` if replacing ``out`` would delete other files."""
    if not osp.lexists(out):
        return
    if not osp.isdir(out):
        raise DataError(f'{out}: is not a folder; the synthetic dataset '
                        'needs a folder of its own')
    foreign = sorted(n for n in os.listdir(out)
                     if not (_DATA_FILE.fullmatch(n) or n == META_FILE
                             or n.endswith('.tmp')))
    if foreign:
        raise DataError(
            f'{out}: holds files that are not part of a synthetic dataset '
            f"({', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''})"
            '; refusing to replace it: choose an empty or new folder')


def _replace_in_place(new: str, out: str) -> None:
    """Move the files of ``new`` into ``out`` (when ``out`` cannot be
    renamed, e.g. a mount point); the meta goes first out and last in, so
    an interrupted move reads as incomplete."""
    meta = osp.join(out, META_FILE)
    if osp.exists(meta):
        os.remove(meta)
    for name in os.listdir(out):
        if _DATA_FILE.fullmatch(name) or name.endswith('.tmp'):
            os.remove(osp.join(out, name))
    for name in sorted(os.listdir(new), key=lambda n: n == META_FILE):
        tmp = osp.join(out, f'.{name}.tmp')
        shutil.copy2(osp.join(new, name), tmp)
        os.replace(tmp, osp.join(out, name))
    shutil.rmtree(new)


def _swap_in(new: str, out: str) -> None:
    """Put the finished folder ``new`` at ``out``: rename the old one away,
    the new one in, then delete the old one."""
    if not osp.lexists(out):
        os.rename(new, out)
        return
    old = f'{out}.old-{os.getpid()}'
    if osp.lexists(old):
        shutil.rmtree(old)
    try:
        os.rename(out, old)
    except OSError as err:
        if err.errno not in (errno.EBUSY, errno.EXDEV, errno.EPERM,
                             errno.EACCES):
            raise
        _replace_in_place(new, out)
        return
    os.rename(new, out)
    shutil.rmtree(old, ignore_errors=True)


# -- generation --------------------------------------------------------------
def _write_category(folder: str, synset: str, name: str, settings: dict,
                    bar) -> None:
    counts = dict(train=settings['num_train'], val=settings['num_val'],
                  test=settings['num_test'])
    for split in SPLITS:
        images, voxels = [], []
        for index in range(counts[split]):
            rng = np.random.default_rng(
                object_seed(settings['seed'], synset, split, index))
            verts, faces, colors = make_object(name, rng)
            images.append(render_object_views(verts, faces, colors,
                                              settings['image_size']))
            voxels.append(voxelize_mesh(verts, faces, 32))
            if bar is not None:
                bar.update()
        prefix = osp.join(folder, f'{synset}_{split}')
        atomic_savez(prefix + '_images.npz', np.stack(images))
        atomic_savez(prefix + '_voxels.npz',
                     np.stack(voxels).astype(np.uint8))


def _generate_locked(out: str, resolved: List[Tuple[str, str]],
                     settings: dict, progress: bool,
                     reuse: Sequence[str] = ()) -> List[str]:
    """Write the dataset into ``<out>.tmp-<pid>`` and swap it in; the
    categories in ``reuse`` are linked (or copied) from the verified
    dataset at ``out``."""
    _refuse_foreign(out)
    new = f'{out}.tmp-{os.getpid()}'
    if osp.lexists(new):
        shutil.rmtree(new)
    os.mkdir(new)  # honours the umask
    try:
        todo = [(s, n) for s, n in resolved if s not in reuse]
        bar = None
        if progress and todo:
            from mmengine.utils import ProgressBar
            bar = ProgressBar(len(todo) * sum(settings[f'num_{split}']
                                              for split in SPLITS))
        for synset, name in resolved:
            if synset in reuse:
                for file in data_file_names([synset]):
                    try:
                        os.link(osp.join(out, file), osp.join(new, file))
                    except OSError:
                        shutil.copy2(osp.join(out, file),
                                     osp.join(new, file))
            else:
                _write_category(new, synset, name, settings, bar)
        if bar is not None:
            print()
        synsets = [s for s, _ in resolved]
        names = data_file_names(synsets)
        files = {n: dict(size=osp.getsize(osp.join(new, n)),
                         sha256=_sha256(osp.join(new, n))) for n in names}
        meta = dict(generator=GENERATOR, version=GENERATOR_VERSION,
                    categories=synsets, **settings, files=files,
                    content_sha256=content_hash(
                        {n: f['sha256'] for n, f in files.items()}, names))
        _atomic_json(osp.join(new, META_FILE), meta)  # last: complete
        _swap_in(new, out)
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
                               progress: bool = True) -> List[str]:
    """Generate the synthetic dataset; returns the paths written.

    Files, shapes, dtypes, cameras and the voxel convention are those of the
    SoftRas ShapeNet renders (DESIGN.md §2), so every code path is the one
    the real data takes. ``synthetic_meta.json`` records the settings and
    the files' sizes and sha256. Always (re)generates, whole or not at all
    (see the module); :func:`ensure_synthetic_dataset` generates only when
    needed.
    """
    settings = check_settings(num_train, num_val, num_test, seed, image_size)
    resolved = resolve_categories(categories)
    with dataset_lock(out_dir) as out:
        remove_leftovers(out)
        return _generate_locked(out, resolved, settings, progress)


def ensure_synthetic_dataset(
        out_dir: str,
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
        if state.status == 'other-settings' and not (force or
                                                     replace_other):
            raise DataError(
                f'{out}: holds a synthetic dataset made with other settings '
                f'({state.reason}); pass --force to replace it, or choose '
                'another folder')
        reuse: Sequence[str] = ()
        if not force and state.status in ('fewer-categories', 'incomplete') \
                and state.meta and isinstance(state.meta.get('categories'),
                                              list):
            known = [s for s in state.meta['categories']
                     if s in SHAPENET_CATEGORIES]
            resolved = resolve_categories(
                sorted(set(known) | set(synsets),
                       key=list(SHAPENET_CATEGORIES).index))
            if state.status == 'fewer-categories':
                reuse = known
        described = (f'{len(resolved)} categories, '
                     + ', '.join(f'{k}={settings[k]}' for k in SETTING_KEYS))
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


def synthetic_object_mesh(category: str, split: str, index: int,
                          seed: int = 0):
    """Re-create the mesh of a generated object (for tests and tools)."""
    synset = [s for s, n in SHAPENET_CATEGORIES.items() if n == category]
    if not synset:
        raise ValueError(f'unknown category "{category}"')
    rng = np.random.default_rng(object_seed(seed, synset[0], split, index))
    return make_object(category, rng)
