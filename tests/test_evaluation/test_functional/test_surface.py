import numpy as np
import pytest

from mmssr.evaluation.functional import chamfer_and_fscore, nearest_neighbours
from mmssr.geometry import sample_surface


def brute_force(pred, pn, gt, gn, thresholds):
    d = np.linalg.norm(pred[:, None] - gt[None], axis=-1)  # (P, G)
    d_pred, d_gt = d.min(1), d.min(0)
    i_pred, i_gt = d.argmin(1), d.argmin(0)
    out = dict(
        chamfer_l1=(d_pred.mean() + d_gt.mean()) / 2,
        chamfer_l2=((d_pred**2).mean() + (d_gt**2).mean()) / 2)
    for t in thresholds:
        p, r = (d_pred < t).mean(), (d_gt < t).mean()
        out[f'fscore@{t:g}'] = 2 * p * r / (p + r) if p + r else 0.0

    def cos(a, b):
        return np.abs((a * b).sum(1)) / (
            np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))

    out['normal_consistency'] = (cos(pn, gn[i_pred]).mean() +
                                 cos(gn, pn[i_gt]).mean()) / 2
    return out


def unit(v):
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_matches_brute_force_on_small_sets():
    rng = np.random.default_rng(0)
    pred, gt = rng.random((57, 3)) - 0.5, rng.random((43, 3)) - 0.5
    pn, gn = unit(rng.normal(size=(57, 3))), unit(rng.normal(size=(43, 3)))
    thresholds = (0.05, 0.1, 0.2)
    got = chamfer_and_fscore(pred, pn, gt, gn, thresholds)
    want = brute_force(pred, pn, gt, gn, thresholds)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    dist, index = nearest_neighbours(pred, gt)
    d = np.linalg.norm(pred[:, None] - gt[None], axis=-1)
    np.testing.assert_array_equal(index, d.argmin(1))
    np.testing.assert_allclose(dist, d.min(1))


def cube_mesh():
    v = np.array([[x, y, z] for x in (-.5, .5) for y in (-.5, .5)
                  for z in (-.5, .5)])
    f = np.array([[0, 1, 3], [0, 3, 2], [4, 6, 7], [4, 7, 5], [0, 4, 5],
                  [0, 5, 1], [2, 3, 7], [2, 7, 6], [0, 2, 6], [0, 6, 4],
                  [1, 5, 7], [1, 7, 3]])
    return v, f


def test_identical_surfaces():
    v, f = cube_mesh()
    pts, normals = sample_surface(v, f, 500, seed=3)
    got = chamfer_and_fscore(pts, normals, pts, normals)
    assert got['chamfer_l1'] == 0 and got['chamfer_l2'] == 0
    assert got['fscore@0.01'] == 1.0 and got['fscore@0.02'] == 1.0
    assert got['normal_consistency'] == pytest.approx(1.0)


def test_sample_surface_is_uniform_seeded_and_on_the_mesh():
    v, f = cube_mesh()
    pts, normals = sample_surface(v, f, 6000, seed=1)
    assert pts.shape == normals.shape == (6000, 3)
    assert pts.dtype == np.float32
    # every point on a face of the cube, its normal that face's axis
    on = np.isclose(np.abs(pts), 0.5, atol=1e-6)
    assert on.any(1).all()
    axis = np.abs(normals).argmax(1)
    assert on[np.arange(len(pts)), axis].all()
    np.testing.assert_allclose(np.linalg.norm(normals, axis=1), 1, atol=1e-6)
    # six faces of equal area: about 1000 points each
    counts = np.bincount(axis * 2 + (pts[np.arange(6000), axis] > 0), None, 6)
    assert counts.min() > 850 and counts.max() < 1150
    again, _ = sample_surface(v, f, 6000, seed=1)
    np.testing.assert_array_equal(pts, again)
    other, _ = sample_surface(v, f, 6000, seed=2)
    assert not np.array_equal(pts, other)


def test_area_weighting():
    # two triangles, one of 9 times the area of the other
    v = np.array(
        [[0, 0, 0], [1, 0, 0], [0, 1, 0], [5, 0, 0], [8, 0, 0], [5, 3, 0]],
        float)
    f = np.array([[0, 1, 2], [3, 4, 5]])
    pts, _ = sample_surface(v, f, 10000, seed=0)
    share = (pts[:, 0] >= 5).mean()
    assert share == pytest.approx(0.9, abs=0.01)


@pytest.mark.parametrize('offset', [0.005, 0.015, 0.03])
def test_offset_plane(offset):
    g = np.stack(
        np.meshgrid(np.linspace(-.5, .5, 41), np.linspace(-.5, .5, 41)),
        -1).reshape(-1, 2)
    gt = np.c_[g, np.zeros(len(g))]
    normals = np.tile([0., 0., 1.], (len(g), 1))
    pred = gt + [0, 0, offset]
    got = chamfer_and_fscore(pred, normals, gt, normals)
    assert got['chamfer_l1'] == pytest.approx(offset)
    assert got['chamfer_l2'] == pytest.approx(offset**2)
    assert got['normal_consistency'] == pytest.approx(1.0)
    for tau in (0.01, 0.02):
        assert got[f'fscore@{tau:g}'] == (1.0 if offset < tau else 0.0)


def test_bad_inputs():
    v, f = cube_mesh()
    with pytest.raises(ValueError, match='surface area'):
        sample_surface(np.zeros((3, 3)), np.array([[0, 1, 2]]), 10)
    with pytest.raises(ValueError):
        sample_surface(v, f, 0)
    with pytest.raises(ValueError, match='pred_pts'):
        chamfer_and_fscore(np.zeros((0, 3)), None, np.zeros((4, 3)), None)
    # without normals: no normal consistency
    got = chamfer_and_fscore(v, None, v, None)
    assert 'normal_consistency' not in got
