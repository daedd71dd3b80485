"""Voxelization of predicted meshes as the SoftRas/SSR evaluation does it.

The reference (SoftRas ``soft_renderer/functional/voxelization.py`` and its
CUDA kernels, called by ``evaluate_iou`` in ``examples/recon/models.py``)
fills a mesh in three steps, in a grid frame where cell ``n`` spans
``[n, n + 1)`` along each axis:

1. **Surface cells.** Vertices are scaled by ``s = (x·(R−1)/R + 0.5)·R``.
   For every axis and every grid line parallel to it through integer
   coordinates ``0..R−1`` of the two other axes, each triangle the line
   crosses (barycentric test in the plane of the two other axes, edges
   included; triangles seen edge-on skipped) marks the four cells around the
   line at the crossing's depth. The cell of every vertex is marked too.
2. **Exterior.** Empty border cells, and every empty cell 6-connected to
   them through empty cells, are outside.
3. **Occupancy** is every cell that is not outside: surface cells and the
   empty cells they enclose.

Then the axes are reordered to the ShapeNet voxel convention
(:func:`~mmssr.structures.voxel_centers`): reference index ``[a, b, c]``
(along x, y, z) is cell ``[b, a, R − 1 − c]``.

A mesh that folds through itself, is open or is inside out is filled the
way this flood fill fills it, not by ray parity. The arithmetic is float32
in the kernel's order, so results match the reference cell for cell up to
the fused multiply-adds a GPU compiler may use (which only matter for a line
that passes within rounding of a triangle edge).
"""
import threading
from typing import Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]

# Grid units by which a triangle's bounding box is widened before its lines
# are tried: far above float32 rounding at these magnitudes (~1e-5), far
# below the distance to the next grid line.
_MARGIN = 1e-3

_kernels = None
_lock = threading.Lock()


def _compile():
    """numba kernels: surface marking + flood fill for a batch of meshes."""
    import numba

    @numba.njit(cache=True, nogil=True)
    def _mark_axis(tri, axis_a, axis_b, axis_c, res, vox):
        # Lines along axis_c through integer (axis_a, axis_b) coordinates;
        # the kernel's (y, x, z) are (axis_a, axis_b, axis_c).
        nf = tri.shape[0]
        for f in range(nf):
            y0 = tri[f, 0, axis_a]
            x0 = tri[f, 0, axis_b]
            z0 = tri[f, 0, axis_c]
            y1d = tri[f, 1, axis_a] - y0
            x1d = tri[f, 1, axis_b] - x0
            z1d = tri[f, 1, axis_c] - z0
            y2d = tri[f, 2, axis_a] - y0
            x2d = tri[f, 2, axis_b] - x0
            z2d = tri[f, 2, axis_c] - z0
            det = x1d * y2d - x2d * y1d
            if det == 0:
                continue
            # Only the lines within the triangle's bounding box (widened by
            # _MARGIN so that a line on its border is tried, as the kernel
            # that tries every line does); the barycentric test decides.
            ymin = min(y0, tri[f, 1, axis_a], tri[f, 2, axis_a]) - _MARGIN
            ymax = max(y0, tri[f, 1, axis_a], tri[f, 2, axis_a]) + _MARGIN
            xmin = min(x0, tri[f, 1, axis_b], tri[f, 2, axis_b]) - _MARGIN
            xmax = max(x0, tri[f, 1, axis_b], tri[f, 2, axis_b]) + _MARGIN
            ylo = max(int(np.ceil(ymin)), 0)
            yhi = min(int(np.floor(ymax)), res - 1)
            xlo = max(int(np.ceil(xmin)), 0)
            xhi = min(int(np.floor(xmax)), res - 1)
            for y in range(ylo, yhi + 1):
                ypd = np.float32(y) - y0
                for x in range(xlo, xhi + 1):
                    xpd = np.float32(x) - x0
                    t1 = (y2d * xpd - x2d * ypd) / det
                    t2 = (-y1d * xpd + x1d * ypd) / det
                    if t1 < 0 or t2 < 0 or 1 < t1 + t2:
                        continue
                    zi = int(np.floor(t1 * z1d + t2 * z2d + z0))
                    if zi < 0 or zi >= res:
                        continue
                    for yi in (y - 1, y):
                        if yi < 0:
                            continue
                        for xi in (x - 1, x):
                            if xi < 0:
                                continue
                            if axis_c == 2:
                                vox[yi, xi, zi] = 1
                            elif axis_c == 0:
                                vox[zi, xi, yi] = 1
                            else:
                                vox[yi, zi, xi] = 1

    @numba.njit(cache=True, nogil=True)
    def _mark_surface(tri, res, vox):
        for f in range(tri.shape[0]):
            for k in range(3):
                a = int(np.floor(tri[f, k, 0]))
                b = int(np.floor(tri[f, k, 1]))
                c = int(np.floor(tri[f, k, 2]))
                if 0 <= a < res and 0 <= b < res and 0 <= c < res:
                    vox[a, b, c] = 1
        # Axis orders of the reference's three passes (its face permutations
        # [2, 1, 0], [0, 2, 1] and none).
        _mark_axis(tri, 2, 1, 0, res, vox)
        _mark_axis(tri, 0, 2, 1, res, vox)
        _mark_axis(tri, 0, 1, 2, res, vox)

    @numba.njit(cache=True, nogil=True, parallel=True)
    def fill_batch(tris, res, out):
        # Flood fill on a flat grid padded by two layers: a wall (never
        # entered, so no bounds checks) and an empty shell that touches every
        # border cell, so one seed reaches every empty border cell as the
        # reference's seeds do.
        p = res + 4
        for i in numba.prange(tris.shape[0]):
            vox = np.zeros((res, res, res), np.uint8)
            pad = np.empty(p * p * p, np.uint8)
            stack = np.empty(p * p * p, np.int32)
            _mark_surface(tris[i], res, vox)
            pad[:] = 1
            for a in range(1, p - 1):
                for b in range(1, p - 1):
                    base = (a * p + b) * p
                    for c in range(1, p - 1):
                        pad[base + c] = 0
            for a in range(res):
                for b in range(res):
                    base = ((a + 2) * p + b + 2) * p + 2
                    for c in range(res):
                        pad[base + c] = vox[a, b, c]
            seed = (p + 1) * p + 1
            pad[seed] = 2
            stack[0] = seed
            top = 1
            while top > 0:
                top -= 1
                j = stack[top]
                for n in (j - 1, j + 1, j - p, j + p, j - p * p, j + p * p):
                    if pad[n] == 0:
                        pad[n] = 2
                        stack[top] = n
                        top += 1
            # reference [a, b, c] (x, y, z) -> convention [b, a, R-1-c]
            for a in range(res):
                for b in range(res):
                    base = ((a + 2) * p + b + 2) * p + 2
                    for c in range(res):
                        out[i, b, a, res - 1 - c] = pad[base + c] != 2

    return fill_batch


def _get_kernel():
    global _kernels
    with _lock:
        if _kernels is None:
            _kernels = _compile()
    return _kernels


def _as_numpy(x: ArrayLike) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def scale_to_grid(vertices: np.ndarray, resolution: int) -> np.ndarray:
    """World coordinates -> the reference's grid frame, in float32.

    ``s = (x·(R−1)/R + 0.5)·R``, evaluated in the reference's order so that
    each step rounds as it does there; [−0.5, 0.5] maps to [0.5, R − 0.5].
    """
    r = np.float32(resolution)
    x = np.asarray(vertices, dtype=np.float32)
    return ((x * (r - 1)) / r + np.float32(0.5)) * r


def voxelize_meshes_reference(vertices: ArrayLike,
                              faces: ArrayLike,
                              resolution: int = 32) -> np.ndarray:
    """Occupancy (B, R, R, R) bool of a batch of meshes, as the reference.

    Args:
        vertices: (B, V, 3) or (V, 3) world coordinates.
        faces: (F, 3) shared by the batch, or (B, F, 3).
        resolution: cells per axis (the benchmark's 32).

    Returns the grids in the ShapeNet voxel convention; a single mesh gives
    a (1, R, R, R) batch. Raises ``ValueError`` for bad shapes or non-finite
    vertices and ``IndexError`` for faces indexing missing vertices.
    """
    verts = _as_numpy(vertices)
    tris = _as_numpy(faces).astype(np.int64, copy=False)
    if verts.ndim == 2:
        verts = verts[None]
    if verts.ndim != 3 or verts.shape[-1] != 3:
        raise ValueError(f'vertices must be (B, V, 3) or (V, 3), got '
                         f'{verts.shape}')
    if tris.ndim == 2:
        tris = np.broadcast_to(tris, (len(verts), ) + tris.shape)
    if tris.ndim != 3 or tris.shape[-1] != 3 or len(tris) != len(verts):
        raise ValueError(f'faces must be (F, 3) or (B, F, 3) for '
                         f'{len(verts)} meshes, got {tris.shape}')
    res = int(resolution)
    if res < 2:
        raise ValueError(f'resolution must be >= 2, got {resolution}')
    out = np.zeros((len(verts), res, res, res), dtype=bool)
    if tris.shape[1] == 0 or len(verts) == 0:
        return out
    if tris.min() < 0 or tris.max() >= verts.shape[1]:
        raise IndexError(f'faces index vertices outside [0, {verts.shape[1]})')
    if not np.isfinite(verts).all():
        raise ValueError('vertices contain NaN or infinity')
    grid = scale_to_grid(verts, res)
    corners = np.ascontiguousarray(
        grid[np.arange(len(grid))[:, None, None], tris])  # (B, F, 3, 3)
    _get_kernel()(corners, res, out)
    return out


def voxelize_mesh_reference(vertices: ArrayLike,
                            faces: ArrayLike,
                            resolution: int = 32) -> np.ndarray:
    """Occupancy (R, R, R) bool of one mesh, as the reference fills it."""
    return voxelize_meshes_reference(vertices, faces, resolution)[0]
