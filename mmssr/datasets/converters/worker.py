"""One object: mesh file -> renders, voxels and surface samples, cached.

Each object's result is a file of the cache folder named by a key that
hashes the converter version, the settings, the object's id and the bytes
of its mesh file and of every file the mesh names (.mtl files, textures,
glTF buffers; see :mod:`.references`), so a changed texture is converted
again. A result is
written atomically (temporary file + ``os.replace``), so a killed
conversion leaves only whole entries, and a rerun reuses them. A mesh that
cannot be converted (:class:`MeshSkipped`) is cached as a ``.skip.json``
with its reason; an unexpected error is reported but not cached, so a
rerun tries again.
"""
import hashlib
import json
import os.path as osp
from dataclasses import replace
from typing import Dict, Optional

import numpy as np
import torch

from mmssr.geometry import sample_surface, solid_voxels
from mmssr.io.mesh import MeshSkipped, read_mesh
from mmssr.io.mesh_references import source_files
from mmssr.renderer.dataset_views import CONVERTED_VIEWS, render_dataset_views
from mmssr.structures import NUM_VIEWS, view_ids_to_eyes
from mmssr.structures.color import encode_nmr
from mmssr.utils.fileio import atomic_write
from .discovery import SourceMesh
from .files import save_json

# 2: colour stored in the NMR convention; 3: surface points drawn by
# mmssr.geometry.sample_surface (the metric's sampler)
VERSION = 3
SETTING_KEYS = ('image_size', 'supersample', 'num_points', 'seed',
                'normalized', 'up', 'front', 'scale')


def object_key(src: SourceMesh, settings: dict) -> str:
    digest = hashlib.sha256()
    digest.update(
        json.dumps([
            VERSION, src.synset, src.model_id,
            [settings[k] for k in SETTING_KEYS]
        ]).encode())
    for path in source_files(src.path):
        digest.update(
            osp.relpath(path, osp.dirname(src.path)).encode() + b'\0')
        try:
            with open(path, 'rb') as f:
                for block in iter(lambda: f.read(1 << 20), b''):
                    digest.update(block)
        except OSError:
            digest.update(b'<unreadable>')
    return digest.hexdigest()[:40]


def cache_paths(cache_dir: str, key: str):
    return (osp.join(cache_dir,
                     key + '.npz'), osp.join(cache_dir, key + '.skip.json'))


def load_cached(cache_dir: str, key: str) -> Optional[Dict]:
    """The cached result of ``key``: arrays, or ``{'skipped': reason}``."""
    done, skip = cache_paths(cache_dir, key)
    try:
        if osp.isfile(done):
            with np.load(done, allow_pickle=False) as npz:
                return {k: npz[k] for k in ('images', 'voxels', 'points')}
        if osp.isfile(skip):
            with open(skip) as f:
                return {'skipped': json.load(f)['reason']}
    except (OSError, ValueError, KeyError, EOFError):
        return None  # damaged: compute again
    return None


def convert_object(src: SourceMesh, settings: dict) -> Dict[str, np.ndarray]:
    """Renders (24, 4, S, S) uint8, voxels (32, 32, 32) uint8 and points
    (P, 6) float32 of one mesh file (:class:`MeshSkipped` if unusable)."""
    from mmssr.geometry import to_canonical
    verts, faces, colors = read_mesh(src.path)
    verts = to_canonical(verts, faces, settings['up'], settings['front'],
                         settings['normalized'], settings['scale'])
    images = encode_nmr(
        render_dataset_views(
            verts, faces, colors, view_ids_to_eyes(torch.arange(NUM_VIEWS)),
            settings['image_size'],
            replace(CONVERTED_VIEWS, supersample=settings['supersample'])))
    voxels = solid_voxels(verts, faces)
    seed = int.from_bytes(
        hashlib.sha256(f'{src.synset}/{src.model_id}'.encode()).digest()[:8],
        'little')
    points, normals = sample_surface(
        verts,
        faces,
        max(settings['num_points'], 1),
        seed=[int(settings['seed']), seed])
    points = np.concatenate([points, normals], 1)
    return dict(images=images, voxels=voxels, points=points)


def _save_result(path: str, result: Dict[str, np.ndarray]) -> None:
    with atomic_write(path, suffix='.npz.tmp') as tmp:
        with open(tmp, 'wb') as f:
            np.savez(f, **result)


def process_object(task) -> dict:
    """Worker entry: ``task = (src, key, cache_dir, settings)``; returns
    ``{'ok': bool, 'cached': bool, 'reason': str}`` and leaves the arrays
    in the cache."""
    src, key, cache_dir, settings = task
    cached = load_cached(cache_dir, key)
    if cached is not None:
        return dict(
            ok='skipped' not in cached,
            cached=True,
            reason=cached.get('skipped', ''))
    done, skip = cache_paths(cache_dir, key)
    try:
        result = convert_object(SourceMesh(*src), settings)
    except MeshSkipped as err:
        save_json(skip, dict(path=src[2], reason=str(err)))
        return dict(ok=False, cached=False, reason=str(err))
    except Exception as err:  # noqa: BLE001 - reported, the run goes on
        return dict(
            ok=False,
            cached=False,
            reason=f'failed: {type(err).__name__}: {err}')
    _save_result(done, result)
    return dict(ok=True, cached=False, reason='')


def init_worker() -> None:
    """One torch thread per worker; open3d quiet."""
    import torch
    torch.set_num_threads(1)
    from mmssr.utils.misc import import_open3d
    o3d = import_open3d()
    o3d.utility.set_verbosity_level(o3d.utility.VerbosityLevel.Error)
