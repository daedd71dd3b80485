"""Solid voxelization of triangle meshes in the ShapeNet voxel convention.

One home for the voxel frame (:func:`voxel_centers`) and the ground-truth
voxelizers of the datasets mmssr writes; predictions are voxelized as the
SoftRas evaluation does it (:mod:`mmssr.geometry.voxelize_reference`).

- :func:`surface_cells`: the cells a triangle intersects (open3d's exact
  triangle/box test).
- :func:`voxelize_mesh` (the synthetic generator's): those cells plus the
  cell centres inside a closed connected part (ray parity per part, OR-ed),
  so overlapping closed parts give their union.
- :func:`solid_voxels` (the mesh converter's): those cells plus every cell
  the exterior flood fill cannot reach. Only the surface's position is
  used, never its orientation, winding or topology, so it holds for meshes
  that are not watertight (holes narrower than a cell are sealed), have
  internal faces, overlapping or intersecting parts or flipped normals. A
  hole wider than about a cell lets the exterior in and the part behind
  it stays hollow (right for an open container, an under-fill for a closed
  object with a large hole).
"""
from typing import Union

import numpy as np
import torch

from mmssr.utils.misc import import_open3d

ArrayLike = Union[np.ndarray, torch.Tensor]
RESOLUTION = 32  # cells per axis of the benchmark


def voxel_centers(resolution: int = 32) -> np.ndarray:
    """World coordinates (R, R, R, 3) of the cell centres.

    Cell ``[i, j, k]`` is the point ``x = (j − (R−1)/2)/(R−1)``,
    ``y = (i − (R−1)/2)/(R−1)``, ``z = −(k − (R−1)/2)/(R−1)`` (conventions:
    (j − 15.5)/31 ... at R = 32); the centres span [−0.5, 0.5]³.
    """
    r = resolution
    coords = (np.arange(r) - (r - 1) / 2.0) / (r - 1)
    i, j, k = np.meshgrid(coords, coords, coords, indexing='ij')
    return np.stack([j, i, -k], axis=-1)


def _as_numpy(x: ArrayLike, dtype) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.ascontiguousarray(np.asarray(x), dtype=dtype)


def _is_closed(faces: np.ndarray) -> bool:
    """Whether every edge of the faces is shared by exactly two of them."""
    edges = np.sort(
        np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]),
        axis=1)
    keys = edges[:, 0] * (int(faces.max()) + 1) + edges[:, 1]
    _, counts = np.unique(keys, return_counts=True)
    return bool((counts == 2).all())


def voxelize_mesh(vertices: ArrayLike,
                  faces: ArrayLike,
                  resolution: int = 32,
                  nsamples: int = 1) -> np.ndarray:
    """Occupancy (R, R, R) bool of a triangle mesh.

    A cell is occupied when its centre is inside the mesh or the surface
    passes through the cell. Inside is decided by ray parity
    (open3d ``RaycastingScene.compute_occupancy``) separately for every
    connected component, and the components are OR-ed: objects assembled
    from overlapping closed parts then give the union of the parts, where a
    single parity test would hollow out the overlaps. Components that are
    not closed (an edge without exactly two faces) have no inside; they
    contribute the cells their surface passes through.
    """
    o3d = import_open3d()
    verts = _as_numpy(vertices, np.float64)
    tris = _as_numpy(faces, np.int64)
    if verts.ndim != 2 or verts.shape[1] != 3:
        raise ValueError(f'vertices must be (V, 3), got {verts.shape}')
    if tris.ndim != 2 or tris.shape[1] != 3:
        raise ValueError(f'faces must be (F, 3), got {tris.shape}')
    r = int(resolution)
    occupied = np.zeros((r, r, r), dtype=bool)
    if len(tris) == 0:
        return occupied
    if tris.min() < 0 or tris.max() >= len(verts):
        raise IndexError(f'faces index vertices outside [0, {len(verts)})')
    if not np.isfinite(verts).all():
        raise ValueError('vertices contain NaN or infinity')

    mesh = o3d.geometry.TriangleMesh(
        o3d.utility.Vector3dVector(verts),
        o3d.utility.Vector3iVector(tris.astype(np.int32)))
    labels = np.asarray(mesh.cluster_connected_triangles()[0])
    centers = o3d.core.Tensor(
        voxel_centers(r).reshape(-1, 3).astype(np.float32))
    verts32 = o3d.core.Tensor(verts.astype(np.float32))
    for label in np.unique(labels):
        part = tris[labels == label]
        if not _is_closed(part):
            continue
        scene = o3d.t.geometry.RaycastingScene()
        scene.add_triangles(verts32, o3d.core.Tensor(part.astype(np.uint32)))
        inside = scene.compute_occupancy(centers, nsamples=nsamples).numpy()
        occupied |= inside.reshape(r, r, r).astype(bool)

    return occupied | surface_cells(verts, tris, r)


def surface_cells(vertices: np.ndarray,
                  faces: np.ndarray,
                  resolution: int = RESOLUTION) -> np.ndarray:
    """(R, R, R) bool: the cells a triangle passes through."""
    o3d = import_open3d()
    r = int(resolution)
    cells = np.zeros((r, r, r), dtype=bool)
    if len(faces) == 0:
        return cells
    mesh = o3d.geometry.TriangleMesh(
        o3d.utility.Vector3dVector(np.asarray(vertices, np.float64)),
        o3d.utility.Vector3iVector(np.asarray(faces, np.int32)))
    size = 1.0 / (r - 1)
    low = -0.5 - size / 2
    grid = o3d.geometry.VoxelGrid.create_from_triangle_mesh_within_bounds(
        mesh, size, np.full(3, low), np.full(3, -low))
    idx = np.asarray([v.grid_index for v in grid.get_voxels()],
                     dtype=np.int64).reshape(-1, 3)
    keep = ((idx >= 0) & (idx < r)).all(1)
    a, b, c = idx[keep].T  # counts along +x, +y, +z from `low`
    cells[b, a, r - 1 - c] = True
    return cells


def exterior_cells(blocked: np.ndarray) -> np.ndarray:
    """Cells not ``blocked`` that are 6-connected to the outside of the
    grid (the grid is padded by one free layer first)."""
    free = np.pad(~blocked, 1, constant_values=True)
    outside = np.zeros_like(free)
    outside[0, :, :] = outside[-1, :, :] = True
    outside[:, 0, :] = outside[:, -1, :] = True
    outside[:, :, 0] = outside[:, :, -1] = True
    outside &= free
    while True:
        grown = outside.copy()
        grown[1:] |= outside[:-1]
        grown[:-1] |= outside[1:]
        grown[:, 1:] |= outside[:, :-1]
        grown[:, :-1] |= outside[:, 1:]
        grown[:, :, 1:] |= outside[:, :, :-1]
        grown[:, :, :-1] |= outside[:, :, 1:]
        grown &= free
        if np.array_equal(grown, outside):
            return outside[1:-1, 1:-1, 1:-1]
        outside = grown


def solid_voxels(vertices: np.ndarray,
                 faces: np.ndarray,
                 resolution: int = RESOLUTION) -> np.ndarray:
    """(R, R, R) uint8 0/1 solid occupancy (see the module docstring)."""
    surface = surface_cells(vertices, faces, resolution)
    return (~exterior_cells(surface)).astype(np.uint8)
