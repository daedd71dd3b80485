"""Solid voxels and surface samples of real (imperfect) meshes.

Voxels: **surface cells + exterior flood fill.** A cell of the 32³ grid
(conventions.md: cell ``[i, j, k]`` ↔ world ``((j − 15.5)/31, (i − 15.5)/31,
−(k − 15.5)/31)``, cell side 1/31) is *surface* when a triangle intersects
its box (open3d ``VoxelGrid.create_from_triangle_mesh_within_bounds``, an
exact triangle/box test, the same cells as the metric's voxelizer). The grid
is padded by one empty layer, and the empty cells 6-connected to that layer
are *exterior*; everything else is solid. Only the surface's position is
used, never its orientation, winding or topology, so the result holds for
meshes that are not watertight (holes narrower than a cell are sealed),
have internal faces, overlapping or intersecting parts, duplicated vertices
or flipped normals: the solid is the union of everything the outside cannot
reach.

Failure case: a hole wider than about one cell (a missing cap, an open
door, a cup) lets the exterior in, and the part behind it stays hollow
(surface cells only). For an open container that is the right answer; for
a closed object with a large hole it under-fills. Thin walls are always
at least one cell thick.

Compared with :func:`mmssr.structures.voxelize_mesh` (the metric's
voxelizer: ray parity per connected component + surface cells): on closed
meshes both give the same cells up to parity noise at cell centres on the
surface; parity breaks when one component is not closed (it keeps only the
surface) or has internal/overlapping faces inside one component (it
hollows the overlap), where the flood fill does not.

Surface samples: area-weighted uniform points on the triangles with the
unit face normal (its sign follows the face's winding), seeded.
"""
import numpy as np

from mmssr.utils.misc import import_open3d

RESOLUTION = 32


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


def face_areas_normals(vertices: np.ndarray, faces: np.ndarray):
    """Areas (F,) and unit normals (F, 3) (zero for degenerate faces)."""
    tri = vertices[faces]
    cross = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    norm = np.linalg.norm(cross, axis=1)
    normals = np.zeros_like(cross)
    ok = norm > 0
    normals[ok] = cross[ok] / norm[ok, None]
    return 0.5 * norm, normals


def sample_surface(vertices: np.ndarray, faces: np.ndarray, num: int,
                   rng: np.random.Generator) -> np.ndarray:
    """(num, 6) float32: area-weighted uniform points, then unit normals."""
    vertices = np.asarray(vertices, np.float64)
    areas, normals = face_areas_normals(vertices, faces)
    cdf = np.cumsum(areas)
    picked = np.searchsorted(cdf, rng.random(num) * cdf[-1], side='right')
    picked = np.minimum(picked, len(faces) - 1)
    u, v = rng.random(num), rng.random(num)
    flip = u + v > 1
    u[flip], v[flip] = 1 - u[flip], 1 - v[flip]
    tri = vertices[faces[picked]]
    points = tri[:, 0] + u[:, None] * (tri[:, 1] - tri[:, 0]) + \
        v[:, None] * (tri[:, 2] - tri[:, 0])
    return np.concatenate([points, normals[picked]], 1).astype(np.float32)
