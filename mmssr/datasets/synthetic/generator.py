"""Write a synthetic ShapeNet-like dataset in the SoftRas file format."""
import os
import os.path as osp
import tempfile
from typing import List, Optional, Sequence, Tuple

import numpy as np
import torch
from mmengine.fileio import dump

from mmssr.datasets.categories import SHAPENET_CATEGORIES, resolve_categories
from mmssr.structures import NUM_VIEWS, view_ids_to_eyes, voxelize_mesh
from .categories import build_object
from .primitives import merge, normalize_parts

SPLITS = ('train', 'val', 'test')
META_FILE = 'synthetic_meta.json'
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


def atomic_savez(path: str, array: np.ndarray) -> None:
    """``np.savez_compressed`` to a temporary file, then rename."""
    folder = osp.dirname(osp.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix='.npz.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            np.savez_compressed(f, array)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


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
    the real data takes. ``synthetic_meta.json`` records the settings.
    """
    if image_size % 8 or image_size < 8:
        raise ValueError(f'image_size must be a multiple of 8, got '
                         f'{image_size}')
    counts = dict(train=num_train, val=num_val, test=num_test)
    for split, count in counts.items():
        if count < 1:
            raise ValueError(f'num_{split} must be >= 1, got {count}')
    resolved = resolve_categories(categories)
    os.makedirs(out_dir, exist_ok=True)
    total = len(resolved) * sum(counts.values())
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(total)
    written = []
    for synset, name in resolved:
        for split in SPLITS:
            images, voxels = [], []
            for index in range(counts[split]):
                rng = np.random.default_rng(
                    object_seed(seed, synset, split, index))
                verts, faces, colors = make_object(name, rng)
                images.append(render_object_views(verts, faces, colors,
                                                  image_size))
                voxels.append(voxelize_mesh(verts, faces, 32))
                if bar is not None:
                    bar.update()
            prefix = osp.join(out_dir, f'{synset}_{split}')
            atomic_savez(prefix + '_images.npz', np.stack(images))
            atomic_savez(prefix + '_voxels.npz',
                         np.stack(voxels).astype(np.uint8))
            written += [prefix + '_images.npz', prefix + '_voxels.npz']
    if bar is not None:
        print()
    meta = dict(generator='mmssr.datasets.synthetic', version=1,
                categories=[s for s, _ in resolved], num_train=num_train,
                num_val=num_val, num_test=num_test, seed=seed,
                image_size=image_size)
    meta_path = osp.join(out_dir, META_FILE)
    fd, tmp = tempfile.mkstemp(suffix='.json.tmp', dir=out_dir)
    os.close(fd)
    dump(meta, tmp, file_format='json', indent=2)
    os.replace(tmp, meta_path)
    return written


def synthetic_object_mesh(category: str, split: str, index: int,
                          seed: int = 0):
    """Re-create the mesh of a generated object (for tests and tools)."""
    synset = [s for s, n in SHAPENET_CATEGORIES.items() if n == category]
    if not synset:
        raise ValueError(f'unknown category "{category}"')
    rng = np.random.default_rng(object_seed(seed, synset[0], split, index))
    return make_object(category, rng)
