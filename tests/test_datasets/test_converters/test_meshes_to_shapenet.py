"""The mesh converter: renders, voxels, points, colours, resume, errors."""
import json
import os
import os.path as osp

import numpy as np
import pytest
import torch

from mmssr.datasets.converters import worker
from mmssr.datasets.converters.splits import split_counts
from mmssr.geometry import voxelize_mesh
from mmssr.structures import view_ids_to_eyes
from mmssr.structures.color import to_true_colors
from ...test_renderer.test_soft_rasterizer import raycast_silhouette
from .helpers import (BOX, PRIMITIVES, arrays, box, box_overlap, convert,
                      cylinder_overlap, load, sphere_overlap, write_mtl_obj,
                      write_primitives)

SYNSET = '90000001'


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    """The primitives (+ a red .obj/.mtl), in place (--normalized)."""
    src = tmp_path_factory.mktemp('meshes')
    out = tmp_path_factory.mktemp('out')
    write_primitives(str(src))
    write_mtl_obj(str(src))
    meta = convert(src, out, normalized=True)
    ids = meta['objects'][SYNSET]['train']
    data = {
        kind: load(str(out), SYNSET, 'train', kind)
        for kind in ('images', 'voxels', 'points')
    }
    return {
        name: {
            k: v[ids.index(name)]
            for k, v in data.items()
        }
        for name in ids
    }


def test_files_and_shapes(converted):
    assert sorted(converted) == sorted(list(PRIMITIVES) + ['red'])
    obj = converted['box']
    assert obj['images'].shape == (24, 4, 32, 32)
    assert obj['images'].dtype == np.uint8
    assert obj['voxels'].shape == (32, 32, 32)
    assert obj['voxels'].dtype == np.uint8
    assert obj['points'].shape == (500, 6)
    assert obj['points'].dtype == np.float32


@pytest.mark.parametrize(
    'name', ['box', 'sphere', 'cylinder', 'open_box', 'overlapping'])
def test_silhouettes_agree_with_open3d_raycasting(converted, name):
    verts, faces = arrays(PRIMITIVES[name]())
    verts, faces = torch.as_tensor(verts), torch.as_tensor(faces)
    eyes = view_ids_to_eyes(torch.arange(24), dtype=torch.float64)
    coverage = converted[name]['images'][:, 3]
    alpha = coverage > 128
    for v in range(24):
        ray = raycast_silhouette(verts, faces, eyes[v], 32)
        # exactly half covered: an edge through the pixel centre, a tie
        agree = ((alpha[v] == ray) | (coverage[v] == 128)).mean()
        assert ray.sum() > 20
        assert agree >= 0.99, f'{name} view {v}: agreement {agree:.4f}'


def test_renders_are_antialiased_and_black_outside(converted):
    images = converted['sphere']['images']
    alpha = images[:, 3]
    assert ((alpha > 0) & (alpha < 255)).any()  # partial edge coverage
    outside = alpha == 0
    assert (images[:, :3].transpose(1, 0, 2, 3)[:, outside] == 0).all()


@pytest.mark.parametrize('name,expected', [
    ('box', lambda: box_overlap(-np.asarray(BOX) / 2,
                                np.asarray(BOX) / 2)),
    ('sphere', lambda: sphere_overlap(0.35)),
    ('cylinder', lambda: cylinder_overlap(0.25, 0.6)),
    ('overlapping', lambda: box_overlap((-0.4, -0.1, -0.1), (0.2, 0.1, 0.1))
     | box_overlap((0.0, -0.25, -0.1), (0.2, 0.35, 0.2))),
])
def test_voxels_agree_with_analytic_occupancy(converted, name, expected):
    """Solid = the cells whose box overlaps the solid: for these closed
    shapes the analytic truth, and the metric's voxelizer."""
    vox = converted[name]['voxels'].astype(bool)
    truth = expected()
    assert (vox == truth).mean() >= 0.97
    verts, faces = arrays(PRIMITIVES[name]())
    assert (vox == voxelize_mesh(verts, faces)).mean() >= 0.995
    # no hollow parts: every cell one cell inside the solid is occupied
    inner = truth.copy()
    for axis in range(3):  # shrink by one cell: surely inside
        inner &= np.roll(truth, 1, axis) & np.roll(truth, -1, axis)
    assert vox[inner].all() and inner.sum() > 0


def test_open_box_is_a_shell(converted):
    """An open box (top faces missing) is an open container: walls and
    bottom are occupied, its inside stays empty (the exterior flows in
    through the opening), and it is never more than the closed box."""
    vox = converted['open_box']['voxels'].astype(bool)
    closed = converted['box']['voxels'].astype(bool)
    half = np.asarray(BOX) / 2
    assert not (vox & ~closed).any()
    bottom = box_overlap((-half[0], -half[1], -half[2]),
                         (half[0], -half[1], half[2]))
    assert vox[bottom].all()
    walls = box_overlap(-half, (-half[0], half[1], half[2]))
    assert vox[walls].all()
    inside = box_overlap(-half + 2 / 31, half - 2 / 31)
    assert inside.sum() > 20 and not vox[inside].any()


def test_inverted_faces_change_nothing(converted):
    a, b = converted['box'], converted['inverted']
    assert np.array_equal(a['voxels'], b['voxels'])
    assert np.array_equal(a['images'][:, 3], b['images'][:, 3])
    diff = np.abs(a['images'].astype(int) - b['images'].astype(int))
    assert diff.max() <= 1


def test_internal_faces_and_overlaps_stay_solid():
    """One connected mesh of two overlapping boxes with shared vertices
    (internal faces): ray parity hollows the overlap, the flood fill not."""
    from mmssr.geometry import solid_voxels
    mesh = box((0.6, 0.2, 0.2)) + box((0.2, 0.6, 0.2))
    mesh = mesh.merge_close_vertices(1e-6)
    v, f = arrays(mesh)
    expected = box_overlap((-0.3, -0.1, -0.1), (0.3, 0.1, 0.1)) | \
        box_overlap((-0.1, -0.3, -0.1), (0.1, 0.3, 0.1))
    assert (solid_voxels(v, f).astype(bool) == expected).mean() >= 0.99


def test_material_colour_shows_in_renders(converted):
    # the files store the NMR convention; decode to see the true colour
    images = to_true_colors(converted['red']['images']).astype(float)
    seen = images[:, 3] == 255
    rgb = images[:, :3].transpose(1, 0, 2, 3)[:, seen]
    r, g, b = rgb.mean(1)
    assert r > 3 * g and r > 3 * b, (r, g, b)
    grey = to_true_colors(converted['box']['images']).astype(float)
    grgb = grey[:, :3].transpose(1, 0, 2, 3)[:, grey[:, 3] == 255].mean(1)
    assert np.ptp(grgb) < 3  # no colour: neutral grey


def test_points_on_the_surface(converted):
    pts = converted['sphere']['points']
    radius = np.linalg.norm(pts[:, :3], axis=1)
    assert radius.max() <= 0.3501 and radius.min() > 0.33
    assert np.allclose(np.linalg.norm(pts[:, 3:], axis=1), 1, atol=1e-5)
    assert np.abs(
        np.abs((pts[:, :3] / radius[:, None] * pts[:, 3:]).sum(1)) -
        1).max() < 0.05
    pts = converted['box']['points']
    assert np.allclose(
        np.abs(pts[:, :3]).max(0), np.asarray(BOX) / 2, atol=1e-5)


def test_normalization_centres_and_scales(tmp_path):
    import open3d as o3d
    (tmp_path / 'in').mkdir()
    o3d.io.write_triangle_mesh(
        str(tmp_path / 'in' / 'b.ply'), box((0.2, 0.1, 0.05),
                                            (3.0, -2.0, 1.0)))
    convert(tmp_path / 'in', tmp_path / 'out')
    pts = load(str(tmp_path / 'out'), SYNSET, 'train', 'points')[0]
    assert np.allclose(pts[:, :3].max(0), (0.5, 0.25, 0.125), atol=1e-5)
    assert np.allclose(pts[:, :3].min(0), (-0.5, -0.25, -0.125), atol=1e-5)
    # --up +z: the input's z becomes y
    convert(tmp_path / 'in', tmp_path / 'out_z', up='+z', front='-y')
    pts = load(str(tmp_path / 'out_z'), SYNSET, 'train', 'points')[0]
    assert np.allclose(np.ptp(pts[:, :3], 0), (1.0, 0.25, 0.5), atol=1e-5)


class Killed(BaseException):
    pass


def test_killed_conversion_resumes_identically(tmp_path, monkeypatch):
    src = tmp_path / 'in'
    src.mkdir()
    write_primitives(str(src), ['box', 'sphere', 'cylinder', 'open_box'])
    kwargs = dict(image_size=16, split_ratio=(0.5, 0.25, 0.25))
    convert(src, tmp_path / 'ref', **kwargs)

    calls = []
    original = worker.convert_object

    def failing(*args):
        if len(calls) == 2:
            raise Killed()
        calls.append(args)
        return original(*args)

    monkeypatch.setattr(worker, 'convert_object', failing)
    with pytest.raises(Killed):
        convert(src, tmp_path / 'out', **kwargs)
    out = tmp_path / 'out'
    assert not any(n.endswith('.npz') for n in os.listdir(out))
    assert len([
        n for n in os.listdir(out / '.convert-cache') if n.endswith('.npz')
    ]) == 2

    calls.clear()
    monkeypatch.setattr(worker, 'convert_object',
                        lambda *a: calls.append(a) or original(*a))
    meta = convert(src, out, **kwargs)
    assert len(calls) == 2  # the other two came from the cache
    assert meta['run']['from_cache'] == 2
    assert not osp.exists(out / '.convert-cache')
    names = sorted(
        n for n in os.listdir(tmp_path / 'ref') if n.endswith('.npz'))
    assert len(names) == 9
    assert names == sorted(n for n in os.listdir(out) if n.endswith('.npz'))
    for name in names:
        assert (tmp_path / 'ref' / name).read_bytes() == \
            (out / name).read_bytes(), name
    mode = 0o666 & ~_umask()
    assert os.stat(out / names[0]).st_mode & 0o777 == mode


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_corrupt_meshes_are_skipped_and_reported(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    write_primitives(str(src), ['box'])
    (src / 'garbage.obj').write_bytes(b'\x00\x01 not a mesh at all \xff' * 9)
    (src / 'empty.ply').write_bytes(b'')
    (src / 'nan.obj').write_text('v 0 0 0\nv 1 0 0\nv nan 1 0\nf 1 2 3\n')
    (src / 'flat.obj').write_text('v 0 0 0\nv 1 0 0\nv 2 0 0\nf 1 2 3\n')
    meta = convert(src, tmp_path / 'out')
    reasons = {s['model']: s['reason'] for s in meta['skipped']}
    assert reasons['garbage'].startswith('unreadable')
    assert reasons['empty'].startswith('empty')
    assert reasons['nan'].startswith('NaN')
    assert reasons['flat'].startswith('degenerate')
    assert meta['counts'][SYNSET]['train'] == 1
    with open(tmp_path / 'out' / 'convert_meta.json') as f:
        assert len(json.load(f)['skipped']) == 4


def test_no_readable_mesh_is_a_data_error(tmp_path):
    from mmssr.errors import DataError
    (tmp_path / 'in').mkdir()
    (tmp_path / 'in' / 'bad.obj').write_text('garbage garbage garbage\n')
    with pytest.raises(DataError, match='no readable mesh'):
        convert(tmp_path / 'in', tmp_path / 'out')
    (tmp_path / 'none').mkdir()
    with pytest.raises(DataError, match='no mesh files'):
        convert(tmp_path / 'none', tmp_path / 'out2')


def test_split_counts():
    assert split_counts(6, (0.5, 0.25, 0.25)) == [3, 2, 1] or \
        split_counts(6, (0.5, 0.25, 0.25)) == [3, 1, 2]
    assert split_counts(3, (0.7, 0.1, 0.2)) == [1, 1, 1]
    assert split_counts(10, (0.7, 0.1, 0.2)) == [7, 1, 2]
    assert split_counts(4, (1, 0, 0)) == [4, 0, 0]
