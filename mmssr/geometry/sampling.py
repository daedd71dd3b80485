"""Points drawn uniformly on the surface of a triangle mesh."""
from typing import Tuple

import numpy as np


def _as_numpy(x) -> np.ndarray:
    if hasattr(x, 'detach'):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def sample_surface(vertices,
                   faces,
                   num: int,
                   seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """``num`` points (num, 3) and unit face normals (num, 3), float32.

    Faces are drawn with probability proportional to their area and points
    uniformly inside them (``u = 1 - sqrt(r1)``, ``v = sqrt(r1)(1 - r2)``).
    The same ``seed`` gives the same points.
    """
    verts = _as_numpy(vertices).astype(np.float64)
    faces = _as_numpy(faces).astype(np.int64)
    if verts.ndim != 2 or verts.shape[1] != 3 or faces.ndim != 2 or \
            faces.shape[1] != 3 or len(faces) == 0:
        raise ValueError('expected vertices (V, 3) and faces (F >= 1, 3), '
                         f'got {verts.shape} and {faces.shape}')
    if num < 1:
        raise ValueError(f'num must be >= 1, got {num}')
    corners = verts[faces]  # (F, 3, 3)
    cross = np.cross(corners[:, 1] - corners[:, 0],
                     corners[:, 2] - corners[:, 0])
    double_area = np.linalg.norm(cross, axis=1)
    total = double_area.sum()
    if not np.isfinite(total) or total <= 0:
        raise ValueError('the mesh has no surface area to sample')
    normals = cross / np.maximum(double_area, 1e-20)[:, None]
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(faces), size=num, p=double_area / total)
    r1 = np.sqrt(rng.random(num))
    r2 = rng.random(num)
    w0, w1, w2 = 1.0 - r1, r1 * (1.0 - r2), r1 * r2
    tri = corners[chosen]
    points = (
        w0[:, None] * tri[:, 0] + w1[:, None] * tri[:, 1] +
        w2[:, None] * tri[:, 2])
    return points.astype(np.float32), normals[chosen].astype(np.float32)
