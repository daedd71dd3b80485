"""Solid voxelization of triangle meshes in the ShapeNet voxel convention."""
from typing import Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]


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
    from mmssr.utils.misc import import_open3d
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

    size = 1.0 / (r - 1)
    low = -0.5 - size / 2
    grid = o3d.geometry.VoxelGrid.create_from_triangle_mesh_within_bounds(
        mesh, size, np.full(3, low), np.full(3, -low))
    idx = np.asarray([v.grid_index for v in grid.get_voxels()],
                     dtype=np.int64).reshape(-1, 3)
    if len(idx):
        # open3d index (a, b, c) counts along +x, +y, +z from `low`.
        keep = ((idx >= 0) & (idx < r)).all(1)
        a, b, c = idx[keep].T
        occupied[b, a, r - 1 - c] = True
    return occupied
