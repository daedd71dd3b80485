"""Icospheres: the template meshes of the decoder."""
from functools import lru_cache
from typing import Tuple

import numpy as np


@lru_cache(maxsize=8)
def _icosphere(subdivisions: int) -> Tuple[np.ndarray, np.ndarray]:
    t = (1.0 + 5.0**0.5) / 2.0
    verts = [[-1, t, 0], [1, t, 0], [-1, -t, 0], [1, -t, 0], [0, -1, t],
             [0, 1, t], [0, -1, -t], [0, 1, -t], [t, 0, -1], [t, 0, 1],
             [-t, 0, -1], [-t, 0, 1]]
    faces = [[0, 11, 5], [0, 5, 1], [0, 1, 7], [0, 7, 10], [0, 10, 11],
             [1, 5, 9], [5, 11, 4], [11, 10, 2], [10, 7, 6], [7, 1, 8],
             [3, 9, 4], [3, 4, 2], [3, 2, 6], [3, 6, 8], [3, 8, 9], [4, 9, 5],
             [2, 4, 11], [6, 2, 10], [8, 6, 7], [9, 8, 1]]
    verts = [
        np.asarray(v, dtype=np.float64) / np.linalg.norm(v) for v in verts
    ]
    for _ in range(subdivisions):
        midpoint = {}

        def mid(a: int, b: int) -> int:
            key = (min(a, b), max(a, b))
            if key not in midpoint:
                m = verts[a] + verts[b]
                verts.append(m / np.linalg.norm(m))
                midpoint[key] = len(verts) - 1
            return midpoint[key]

        new_faces = []
        for a, b, c in faces:
            ab, bc, ca = mid(a, b), mid(b, c), mid(c, a)
            new_faces += [[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]
        faces = new_faces
    return np.stack(verts), np.asarray(faces, dtype=np.int64)


def icosphere(subdivisions: int = 3) -> Tuple[np.ndarray, np.ndarray]:
    """Unit icosphere: (vertices (V, 3) float64, faces (F, 3) int64).

    Subdivision s has ``10·4^s + 2`` vertices and ``20·4^s`` faces (3 ->
    642 / 1280, the SoftRas template). Faces are wound outward: the
    right-hand-rule normal points away from the centre.
    """
    if subdivisions < 0:
        raise ValueError(f'subdivisions must be >= 0, got {subdivisions}')
    verts, faces = _icosphere(int(subdivisions))
    return verts.copy(), faces.copy()
