"""The metric's voxelizer against a direct port of the reference's steps."""
import numpy as np
import pytest
import torch

from mmssr.geometry import (icosphere, voxel_centers, voxelize_mesh,
                            voxelize_mesh_reference, voxelize_meshes_reference)


def _sub1(faces, size, dim):
    """SoftRas ``voxelize_sub1``: every grid line of the kernel's (y, x)
    plane against every face, all in float32, then its axis transpose."""
    order = {0: [2, 1, 0], 1: [0, 2, 1], 2: [0, 1, 2]}[dim]
    f = faces[:, :, order]  # (F, 3 vertices, 3 coords)
    vox = np.zeros((size, size, size), np.int32)
    y1d, x1d, z1d = (f[:, 1] - f[:, 0]).T
    y2d, x2d, z2d = (f[:, 2] - f[:, 0]).T
    det = x1d * y2d - x2d * y1d
    for y in range(size):
        for x in range(size):
            ypd = np.float32(y) - f[:, 0, 0]
            xpd = np.float32(x) - f[:, 0, 1]
            with np.errstate(divide='ignore', invalid='ignore'):
                t1 = (y2d * xpd - x2d * ypd) / det
                t2 = (-y1d * xpd + x1d * ypd) / det
                hit = (det != 0) & (t1 >= 0) & (t2 >= 0) & (t1 + t2 <= 1)
            zi = np.floor(t1[hit] * z1d[hit] + t2[hit] * z2d[hit] +
                          f[hit, 0, 2]).astype(np.int64)
            for yi, xi in ((y, x), (y - 1, x), (y, x - 1), (y - 1, x - 1)):
                if 0 <= yi < size and 0 <= xi < size:
                    ok = (zi >= 0) & (zi < size)
                    vox[yi, xi, zi[ok]] = 1
    return np.swapaxes(vox, dim, 2)


def _sub2(faces, size):
    vox = np.zeros((size, size, size), np.int32)
    idx = np.floor(faces.reshape(-1, 3)).astype(np.int64)
    ok = ((idx >= 0) & (idx < size)).all(1)
    vox[tuple(idx[ok].T)] = 1
    return vox


def _sub3_sub4(voxels):
    """Border seeds, then the kernel's update repeated until nothing
    changes; occupancy = 1 - visible."""
    border = np.zeros_like(voxels, bool)
    border[[0, -1]] = border[:, [0, -1]] = border[:, :, [0, -1]] = True
    visible = border & (voxels == 0)
    while True:
        grown = np.zeros_like(visible)
        for axis in range(3):
            for shift in (1, -1):
                grown |= np.roll(visible, shift, axis)
        # np.roll wraps around: only interior cells are updated, whose six
        # neighbours are all inside the grid
        interior = ~border & (voxels == 0) & ~visible & grown
        if not interior.any():
            return 1 - visible.astype(np.int32)
        visible |= interior


def reference_voxels(verts, faces, size=32):
    """``evaluate_iou`` of SoftRas examples/recon/models.py, on the CPU."""
    f = np.asarray(verts, np.float32)[np.asarray(faces)]
    f = (f * np.float32(1.0) * (np.float32(size) - 1) / np.float32(size) +
         np.float32(0.5))
    f = f * np.float32(size)
    vox = (_sub1(f, size, 0) + _sub1(f, size, 1) + _sub1(f, size, 2) +
           _sub2(f, size))
    vox = _sub3_sub4((vox > 0).astype(np.int32))
    return vox.transpose(1, 0, 2)[:, :, ::-1].astype(bool)


def sphere(radius=0.35, center=(0.0, 0.0, 0.0), subdivisions=3):
    verts, faces = icosphere(subdivisions)
    return verts * radius + np.asarray(center), faces


def pushed_through_sphere():
    """The top cap pushed down through the bottom and out below it: a
    self-intersection that ray parity counts differently."""
    verts, faces = sphere(0.35)
    verts = verts.copy()
    top = verts[:, 1] > 0.2
    verts[top, 1] -= 0.8
    return verts, faces


def open_hemisphere():
    verts, faces = sphere(0.35)
    keep = (verts[faces][:, :, 1] > -0.05).all(1)
    return verts, faces[keep]


def inside_out_sphere():
    verts, faces = sphere(0.3, (0.02, -0.05, 0.07))
    return verts, faces[:, ::-1].copy()


def triangle_soup(seed=0):
    rng = np.random.default_rng(seed)
    verts = rng.uniform(-0.55, 0.55, size=(90, 3))
    faces = rng.integers(0, 90, size=(40, 3))
    return verts, faces


def folded_decoder_like(seed=1):
    """A noisy sphere whose vertices cross each other (as a badly trained
    decoder's output does)."""
    rng = np.random.default_rng(seed)
    verts, faces = sphere(0.3)
    return verts + rng.normal(0, 0.06, size=verts.shape), faces


@pytest.mark.parametrize('mesh', [
    pushed_through_sphere, open_hemisphere, inside_out_sphere, triangle_soup,
    folded_decoder_like
])
def test_equals_the_reference_steps(mesh):
    verts, faces = mesh()
    ours = voxelize_mesh_reference(verts, faces)
    assert np.array_equal(ours, reference_voxels(verts, faces))


def test_self_intersection_is_filled_as_the_reference_fills_it():
    """Where a mesh folds through itself the flood fill and ray parity
    disagree; the metric follows the flood fill."""
    verts, faces = pushed_through_sphere()
    ours = voxelize_mesh_reference(verts, faces)
    parity = voxelize_mesh(verts, faces)
    assert np.array_equal(ours, reference_voxels(verts, faces))
    assert ours.sum() != parity.sum()


@pytest.mark.parametrize('radius,center', [(0.1, (0, 0, 0)),
                                           (0.25, (0.013, -0.02, 0.031)),
                                           (0.35, (0.05, 0.05, -0.05)),
                                           (0.45, (0, 0, 0)),
                                           (0.49, (0.004, 0.006, 0.0))])
def test_equals_solid_voxelization_on_closed_meshes(radius, center):
    verts, faces = sphere(radius, center)
    assert np.array_equal(voxelize_mesh_reference(verts, faces),
                          voxelize_mesh(verts, faces))


def test_convention_and_interior():
    verts, faces = sphere(0.4)
    occ = voxelize_mesh_reference(verts, faces)
    dist = np.linalg.norm(voxel_centers(32), axis=-1)
    assert occ[dist < 0.39].all()
    assert not occ[dist > 0.4 + np.sqrt(3) / 31].any()
    # a small sphere off centre lands in the cells of its centre
    for center, axis, high in (((0.3, 0, 0), 1, True), ((0, 0.3, 0), 0, True),
                               ((0, 0, 0.3), 2, False)):
        occ = voxelize_mesh_reference(*sphere(0.08, center))
        idx = np.nonzero(occ)[axis].mean()
        assert (idx > 20) if high else (idx < 11), (center, idx)


def test_batch_equals_one_by_one():
    verts, faces = sphere(0.3)
    rng = np.random.default_rng(0)
    batch = verts[None] + rng.normal(0, 0.02, size=(5, ) + verts.shape)
    together = voxelize_meshes_reference(torch.as_tensor(batch), faces)
    for mesh, grid in zip(batch, together):
        assert np.array_equal(grid, voxelize_mesh_reference(mesh, faces))
    per_item = voxelize_meshes_reference(batch, np.stack([faces] * 5))
    assert np.array_equal(per_item, together)


def test_empty_and_bad_input():
    empty = voxelize_meshes_reference(np.zeros((2, 3, 3)),
                                      np.zeros((0, 3), int))
    assert empty.shape == (2, 32, 32, 32) and not empty.any()
    with pytest.raises(ValueError, match='vertices'):
        voxelize_mesh_reference(np.zeros((4, 2)), np.zeros((1, 3), int))
    with pytest.raises(IndexError):
        voxelize_mesh_reference(np.zeros((3, 3)), np.array([[0, 1, 5]]))
    with pytest.raises(ValueError, match='NaN'):
        voxelize_mesh_reference(np.full((3, 3), np.nan), np.array([[0, 1, 2]]))
