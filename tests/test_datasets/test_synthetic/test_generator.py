import json
import os

import numpy as np
import open3d as o3d
import pytest
import torch

from mmssr.datasets.synthetic import (BUILDERS, generate_synthetic_dataset,
                                      render_object_views,
                                      synthetic_object_mesh)
from mmssr.geometry import voxel_centers, voxelize_mesh
from mmssr.renderer import perspective, world_to_camera
from mmssr.structures import view_ids_to_eyes
from mmssr.structures.color import encode_nmr
from ...conftest import TINY_CATEGORIES, TINY_SYNTHETIC


def load(root, name):
    with np.load(os.path.join(root, name)) as npz:
        assert len(npz.files) == 1
        return npz[npz.files[0]]


def test_file_format(tiny_synthetic_root):
    files = sorted(os.listdir(tiny_synthetic_root))
    for synset in ('03001627', '02958343'):
        for split, num in (('train', 4), ('val', 2), ('test', 2)):
            images = load(tiny_synthetic_root, f'{synset}_{split}_images.npz')
            voxels = load(tiny_synthetic_root, f'{synset}_{split}_voxels.npz')
            assert images.dtype == np.uint8
            assert images.shape == (num, 24, 4, 32, 32)
            assert voxels.shape == (num, 32, 32, 32)
            assert set(np.unique(voxels)) <= {0, 1}
            assert voxels.sum() > 0
            # alpha is a silhouette: objects are visible, corners are empty
            assert (images[:, :, 3] > 127).mean() > 0.01
            assert (images[:, :, 3, 0, 0] == 0).all()
    assert not [f for f in files if f.endswith('.tmp')]  # atomic writes
    meta = json.load(
        open(os.path.join(tiny_synthetic_root, 'synthetic_meta.json')))
    assert meta['image_size'] == 32 and meta['seed'] == 0


def test_deterministic_and_subset_stable(tmp_path, tiny_synthetic_root):
    generate_synthetic_dataset(
        str(tmp_path), ['car'], progress=False, **TINY_SYNTHETIC)
    name = '02958343_train_images.npz'
    np.testing.assert_array_equal(
        load(tmp_path, name), load(tiny_synthetic_root, name))
    other = tmp_path / 'seed1'
    generate_synthetic_dataset(
        str(other), ['car'], progress=False, **dict(TINY_SYNTHETIC, seed=1))
    assert not np.array_equal(load(other, name), load(tmp_path, name))


def test_parallel_generation_writes_the_same_files(tmp_path, monkeypatch,
                                                   tiny_synthetic_root):
    """Large datasets are written by one process per core; every object
    has its own seed, so the files equal the sequential ones."""
    from mmssr.datasets.synthetic import generator
    assert generator.generation_workers(13, 44) == min(os.cpu_count(), 8)
    assert generator.generation_workers(2, 8) == 1  # tiny: not worth it
    monkeypatch.setattr(generator, 'generation_workers', lambda n, k: 2)
    generate_synthetic_dataset(
        str(tmp_path), TINY_CATEGORIES, progress=False, **TINY_SYNTHETIC)
    with open(tmp_path / 'synthetic_meta.json') as f:
        parallel = json.load(f)
    with open(os.path.join(tiny_synthetic_root, 'synthetic_meta.json')) as f:
        sequential = json.load(f)
    assert parallel['content_sha256'] == sequential['content_sha256']


@pytest.mark.parametrize('category', sorted(BUILDERS))
def test_every_family_is_closed_normalized_and_outward(category):
    verts, faces, colors = synthetic_object_mesh(category, 'train', 0)
    assert np.abs(verts).max() <= 0.5
    assert 0.84 < (verts.max(0) - verts.min(0)).max() < 0.98
    assert colors.shape == faces.shape and (colors >= 0).all()
    mesh = o3d.geometry.TriangleMesh(
        o3d.utility.Vector3dVector(verts), o3d.utility.Vector3iVector(faces))
    assert mesh.is_edge_manifold()
    # closed: every edge has exactly two faces
    assert len(mesh.get_non_manifold_edges(allow_boundary_edges=False)) == 0
    # outward: positive signed volume of every closed part
    labels = np.asarray(mesh.cluster_connected_triangles()[0])
    for label in np.unique(labels):
        tri = verts[faces[labels == label]]
        volume = np.einsum('ij,ij->i', tri[:, 0], np.cross(
            tri[:, 1], tri[:, 2])).sum() / 6
        assert volume > 0


def test_voxels_agree_with_open3d_occupancy_at_cell_centres():
    verts, faces, _ = synthetic_object_mesh('chair', 'train', 1)
    voxels = voxelize_mesh(verts, faces)
    centers = voxel_centers(32).reshape(-1, 3).astype(np.float32)
    mesh = o3d.geometry.TriangleMesh(
        o3d.utility.Vector3dVector(verts), o3d.utility.Vector3iVector(faces))
    labels = np.asarray(mesh.cluster_connected_triangles()[0])
    inside = np.zeros(len(centers), bool)
    for label in np.unique(labels):
        scene = o3d.t.geometry.RaycastingScene()
        scene.add_triangles(
            o3d.core.Tensor(verts.astype(np.float32)),
            o3d.core.Tensor(faces[labels == label].astype(np.uint32)))
        inside |= scene.compute_occupancy(
            o3d.core.Tensor(centers), nsamples=5).numpy().astype(bool)
    inside = inside.reshape(32, 32, 32)
    assert (voxels & inside).sum() == inside.sum()  # no centre missed
    extra = voxels & ~inside  # only cells the surface passes through
    dist = o3d.t.geometry.RaycastingScene()
    dist.add_triangles(
        o3d.core.Tensor(verts.astype(np.float32)),
        o3d.core.Tensor(faces.astype(np.uint32)))
    d = dist.compute_distance(o3d.core.Tensor(centers)).numpy()
    assert (d.reshape(32, 32, 32)[extra] <= np.sqrt(3) / 62 + 1e-4).all()


def test_stored_alpha_matches_a_fresh_render(tiny_synthetic_root):
    images = load(tiny_synthetic_root, '03001627_test_images.npz')
    verts, faces, colors = synthetic_object_mesh('chair', 'test', 1)
    fresh = render_object_views(verts, faces, colors, 32)
    # the files hold the render in the NMR convention, bit for bit
    assert np.array_equal(encode_nmr(fresh), images[1])


def test_images_cameras_and_voxels_share_one_frame(tiny_synthetic_root):
    images = load(tiny_synthetic_root, '02958343_train_images.npz')
    voxels = load(tiny_synthetic_root, '02958343_train_voxels.npz')
    centers = torch.as_tensor(
        voxel_centers(32)[voxels[0] > 0], dtype=torch.float32)
    for view in (0, 5, 13):
        eye = view_ids_to_eyes([view])
        xy = perspective(world_to_camera(centers[None], eye), 15.0)[0, :, :2]
        col = ((xy[:, 0] * 32 + 31) / 2).round().long().clamp(0, 31)
        row = ((31 - xy[:, 1] * 32) / 2).round().long().clamp(0, 31)
        alpha = images[0, view, 3]
        hit = (alpha[row.numpy(), col.numpy()] > 0).mean()
        assert hit > 0.95, f'view {view}: {hit:.3f}'


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match='num_val'):
        generate_synthetic_dataset(
            str(tmp_path), ['car'], num_val=0, progress=False)
    with pytest.raises(ValueError, match='multiple of 8'):
        generate_synthetic_dataset(
            str(tmp_path), ['car'], image_size=30, progress=False)
    with pytest.raises(ValueError, match='unknown ShapeNet category'):
        generate_synthetic_dataset(
            str(tmp_path), ['spaceship'], progress=False)


def test_random_orientation_turns_objects_about_the_up_axis():
    import numpy as np

    from mmssr.datasets.synthetic import synthetic_object_mesh
    plain = synthetic_object_mesh('car', 'train', 3, seed=0)
    turned = synthetic_object_mesh(
        'car', 'train', 3, seed=0, random_orientation=True)
    np.testing.assert_array_equal(plain[1], turned[1])  # same shape
    # about the up axis: heights change only by the common rescaling
    (scale, shift), residual = np.polyfit(
        plain[0][:, 1], turned[0][:, 1], 1, full=True)[:2]
    assert scale > 0 and residual.sum() < 1e-10
    assert not np.allclose(plain[0], turned[0], atol=1e-3)
    # still inside the voxel cube, longest side as before
    assert np.abs(turned[0]).max() <= 0.5
    np.testing.assert_allclose(
        np.ptp(turned[0], 0).max(), np.ptp(plain[0], 0).max(), rtol=1e-6)
    # each object has its own angle: the yaw of two objects differs
    from mmssr.datasets.synthetic.objects import object_yaw
    settings = dict(seed=0, random_orientation=True)
    yaws = {object_yaw(settings, '02958343', 'train', i) for i in range(5)}
    assert len(yaws) == 5
    assert object_yaw(dict(seed=0), '02958343', 'train', 0) is None


def test_random_orientation_is_a_dataset_setting(tmp_path):
    import json

    from mmssr.datasets.synthetic import generate_synthetic_dataset
    from mmssr.datasets.synthetic.generator import inspect_synthetic_dataset
    settings = dict(num_train=1, num_val=1, num_test=1, seed=0, image_size=32)
    generate_synthetic_dataset(
        str(tmp_path), ['car'],
        progress=False,
        random_orientation=True,
        **settings)
    meta = json.loads((tmp_path / 'synthetic_meta.json').read_text())
    assert meta['random_orientation'] is True
    state = inspect_synthetic_dataset(
        str(tmp_path), ['02958343'], dict(settings))
    assert state.status == 'other-settings'
    assert 'random_orientation' in state.reason
