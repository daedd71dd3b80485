"""One synthetic object: its mesh, its yaw, and its renders.

Every object is a pure function of (seed, synset, split, index), so a
subset of categories, or a dataset made again, gives the same objects.
"""
from typing import Optional, Tuple

import numpy as np
import torch

from mmssr.datasets.categories import SHAPENET_CATEGORIES
from mmssr.renderer.dataset_views import SYNTHETIC_VIEWS, render_dataset_views
from mmssr.structures import NUM_VIEWS, view_ids_to_eyes
from mmssr.structures.view_cameras import cameras_to_eyes
from .categories import build_object
from .primitives import merge, normalize_parts
from .storage import SPLITS


def object_seed(seed: int, synset: str, split: str, index: int) -> list:
    """Seed sequence of one object: subsets of categories give the same
    objects, whatever else is generated."""
    return [seed, int(synset), SPLITS.index(split), index]


def make_object(category: str,
                rng: np.random.Generator,
                yaw: Optional[float] = None
                ) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices (V, 3), faces (F, 3), face colours (F, 3) of one object,
    normalized so its longest side spans 0.85–0.97 around the origin.

    ``yaw`` (radians) turns the object about the up axis (+y) and rescales
    it so its longest side keeps that span: objects then have no canonical
    orientation, and a viewpoint learned on some cannot transfer to others.
    """
    parts = build_object(category, rng)
    span = rng.uniform(0.85, 0.97)
    parts = normalize_parts(parts, span)
    vertices, faces, colors = merge(parts)
    if yaw is not None:
        c, s = np.cos(yaw), np.sin(yaw)
        turn = np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])
        vertices = vertices @ turn.T
        centre = (vertices.max(0) + vertices.min(0)) / 2
        vertices = (vertices - centre) * (
            span / (vertices.max(0) - vertices.min(0)).max())
    return vertices, faces, colors


def object_yaw(settings: dict, synset: str, split: str,
               index: int) -> Optional[float]:
    """The random turn of an object with ``random_orientation``, else None.

    Drawn from its own seed sequence, so the shapes are those of the
    dataset without the option.
    """
    if not settings.get('random_orientation'):
        return None
    rng = np.random.default_rng(
        object_seed(settings['seed'], synset, split, index) + [1])
    return float(rng.uniform(0.0, 2.0 * np.pi))


def render_object_views(vertices: np.ndarray,
                        faces: np.ndarray,
                        colors: np.ndarray,
                        image_size: int,
                        cameras: Optional[np.ndarray] = None) -> np.ndarray:
    """RGBA uint8 renders (24, 4, S, S) at the dataset's 24 views, or at
    ``cameras`` (K, 3) (azimuth°, elevation°, distance), in true colour
    (straight, black outside the silhouette), as an 8-bit render is; the
    files store them in the NMR convention (:func:`encode_nmr`)."""
    if cameras is None:
        eyes = view_ids_to_eyes(torch.arange(NUM_VIEWS))
    else:
        eyes = cameras_to_eyes(torch.as_tensor(cameras, dtype=torch.float32))
    return render_dataset_views(vertices, faces, colors, eyes, image_size,
                                SYNTHETIC_VIEWS)


def synthetic_object_mesh(category: str,
                          split: str,
                          index: int,
                          seed: int = 0,
                          random_orientation: bool = False):
    """Re-create the mesh of a generated object (for tests and tools)."""
    synset = [s for s, n in SHAPENET_CATEGORIES.items() if n == category]
    if not synset:
        raise ValueError(f'unknown category "{category}"')
    rng = np.random.default_rng(object_seed(seed, synset[0], split, index))
    settings = dict(seed=seed, random_orientation=random_orientation)
    return make_object(category, rng,
                       object_yaw(settings, synset[0], split, index))
