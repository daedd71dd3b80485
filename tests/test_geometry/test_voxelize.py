import numpy as np
import open3d as o3d
import pytest

from mmssr.geometry import icosphere, voxel_centers, voxelize_mesh


def box(size, center):
    mesh = o3d.geometry.TriangleMesh.create_box(*size)
    verts = np.asarray(mesh.vertices) - np.asarray(size) / 2 + center
    return verts, np.asarray(mesh.triangles)


def test_sphere_interior_matches_analytic_occupancy():
    verts, faces = icosphere(3)
    occ = voxelize_mesh(verts * 0.4, faces)
    inside = np.linalg.norm(voxel_centers(32), axis=-1) < 0.39
    assert occ[inside].all()
    # cells counted beyond the sphere are within one cell diagonal of it
    dist = np.linalg.norm(voxel_centers(32), axis=-1)
    assert (dist[occ] <= 0.4 + np.sqrt(3) / 62 + 1e-6).all()


def test_overlapping_parts_give_their_union():
    v1, f1 = box((0.6, 0.2, 0.2), (0, 0, 0))
    v2, f2 = box((0.2, 0.6, 0.2), (0, 0, 0))
    verts = np.concatenate([v1, v2])
    faces = np.concatenate([f1, f2 + len(v1)])
    occ = voxelize_mesh(verts, faces)
    c = voxel_centers(32)
    in1 = (np.abs(c) < [0.3, 0.1, 0.1]).all(-1)
    in2 = (np.abs(c) < [0.1, 0.3, 0.1]).all(-1)
    # a single parity test would hollow out the overlap; the union is solid
    assert occ[in1 | in2].all()
    assert occ[np.linalg.norm(c, axis=-1) < 0.05].all()


def test_thin_plate_marks_the_cells_it_passes_through():
    verts = np.array([[-0.3, -0.3, 0.01], [0.3, -0.3, 0.01], [0.3, 0.3, 0.01],
                      [-0.3, 0.3, 0.01]])
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    occ = voxelize_mesh(verts, faces)
    k = np.nonzero(occ.any(axis=(0, 1)))[0]
    # z = 0.01 lies in the cells with centres z = +-1/62: k = 15 (z > 0)
    assert list(k) == [15]
    assert occ[:, :, 15].sum() > 300


def test_axis_convention():
    for center, axis, high in (((0.3, 0, 0), 1, True), ((0, 0.3, 0), 0, True),
                               ((0, 0, 0.3), 2, False)):
        occ = voxelize_mesh(*box((0.15, 0.15, 0.15), center))
        idx = np.nonzero(occ)[axis].mean()
        assert (idx > 20) if high else (idx < 11), (center, idx)


def test_empty_and_bad_input():
    assert not voxelize_mesh(np.zeros((0, 3)), np.zeros((0, 3), int)).any()
    with pytest.raises(ValueError, match='vertices'):
        voxelize_mesh(np.zeros((4, 2)), np.zeros((1, 3), int))
    with pytest.raises(IndexError):
        voxelize_mesh(np.zeros((3, 3)), np.array([[0, 1, 5]]))
    with pytest.raises(ValueError, match='NaN'):
        voxelize_mesh(np.full((3, 3), np.nan), np.array([[0, 1, 2]]))
