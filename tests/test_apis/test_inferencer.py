import os
import os.path as osp

import cv2
import numpy as np
import pytest

from mmssr.apis import MeshInferencer
from mmssr.errors import DataError
from mmssr.visualization import vertex_colors_from_image
from mmssr.visualization.vertex_colors import (project_to_pixels,
                                               propagate_colors)
from ..conftest import REPO_ROOT

TINY_MODEL = """
_base_ = [{base!r}]
model = dict(image_size=32, decoder=dict(subdivisions=2))
"""


@pytest.fixture(scope='module')
def inferencer(tmp_path_factory):
    cfg = tmp_path_factory.mktemp('cfg') / 'tiny.py'
    cfg.write_text(
        TINY_MODEL.format(
            base=osp.join(REPO_ROOT,
                          'configs/softras/softras_synthetic_n2.py')))
    return MeshInferencer(str(cfg), None)  # random weights suffice here


def on_background(h=96, w=128, seed=0):
    rng = np.random.default_rng(seed)
    img = np.full((h, w, 3), 220, np.float32) + rng.normal(0, 2, (h, w, 3))
    img[30:70, 70:100] = (30, 140, 40)
    return img.clip(0, 255).astype(np.uint8)


def sphere(resolution=10):
    import open3d as o3d
    mesh = o3d.geometry.TriangleMesh.create_sphere(0.3, resolution)
    return (np.asarray(mesh.vertices,
                       np.float32), np.asarray(mesh.triangles, np.int64))


def test_each_input_kind(inferencer, tmp_path):
    rgb = on_background()
    paths = {}
    paths['rgb'] = str(tmp_path / 'rgb.png')
    cv2.imwrite(paths['rgb'], rgb[..., ::-1])
    paths['jpeg'] = str(tmp_path / 'photo.jpg')
    cv2.imwrite(paths['jpeg'], rgb[..., ::-1])
    paths['gray'] = str(tmp_path / 'gray.png')
    cv2.imwrite(paths['gray'], cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY))
    paths['16bit'] = str(tmp_path / 'deep.png')
    cv2.imwrite(paths['16bit'], rgb[..., ::-1].astype(np.uint16) * 257)
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[8:24, 10:22] = (200, 50, 50, 255)
    paths['rgba'] = str(tmp_path / 'rgba.png')
    cv2.imwrite(paths['rgba'], cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    result = inferencer(list(paths.values()) + [rgb], batch_size=4)
    preds = result['predictions']
    assert len(preds) == 6 and len(result['visualization']) == 6
    origins = [p['silhouette_from'] for p in preds]
    assert origins == ['estimated'] * 4 + ['as-is', 'estimated']
    for pred in preds:
        assert pred['vertices'].shape == (162, 3)
        assert pred['faces'].shape == (320, 3)
        colors = pred['vertex_colors']
        assert colors.shape == (162, 3) and colors.min() >= 0 \
            and colors.max() <= 1
        assert pred['visible'].any() and not pred['visible'].all()
    # the green object colours the RGB prediction, the red one the RGBA
    assert (preds[0]['vertex_colors'].mean(0).argmax()) == 1
    assert (preds[4]['vertex_colors'].mean(0).argmax()) == 0
    # batching does not change the result
    alone = inferencer(paths['rgb'])['predictions'][0]
    np.testing.assert_allclose(
        alone['vertices'], preds[0]['vertices'], atol=1e-5)


def test_folder_of_two_images_gives_two_meshes(inferencer, tmp_path):
    folder = tmp_path / 'in'
    folder.mkdir()
    for i in range(2):
        cv2.imwrite(str(folder / f'img{i}.png'), on_background(seed=i))
    (folder / 'notes.txt').write_text('not an image')
    out = tmp_path / 'out'
    preds = inferencer(str(folder), out_dir=str(out))['predictions']
    assert [osp.basename(p['mesh_path'])
            for p in preds] == ['img0.ply', 'img1.ply']
    assert sorted(os.listdir(out)) == [
        'img0.ply', 'img0_views.png', 'img1.ply', 'img1_views.png'
    ]
    import open3d as o3d
    mesh = o3d.io.read_triangle_mesh(preds[0]['mesh_path'])
    assert mesh.has_vertex_colors() and len(mesh.triangles) == 320
    np.testing.assert_allclose(
        np.asarray(mesh.vertex_colors),
        preds[0]['vertex_colors'],
        atol=1 / 255)
    # a glob and other formats (the previews are replaced: overwrite=True)
    preds = inferencer(
        str(folder / 'img*.png'), out_dir=str(out), mesh_format='.obj',
        overwrite=True)['predictions']
    assert len(preds) == 2 and osp.isfile(out / 'img1.obj')
    preds = inferencer(
        str(folder / 'img0.png'), out_dir=str(out), mesh_format='glb',
        overwrite=True)['predictions']
    assert osp.getsize(out / 'img0.glb') > 0


def test_grabcut_framing_ratio_and_silhouette(inferencer):
    rgb = on_background()
    tight, loose = (
        inferencer(
            rgb,
            background='grabcut',
            framing_ratio=ratio,
            preview_views=(),
            return_silhouette=True)['predictions'][0] for ratio in (0.9, 0.4))
    assert tight['silhouette_from'] == 'grabcut'
    truth = np.zeros(rgb.shape[:2], bool)
    truth[30:70, 70:100] = True
    assert (tight['silhouette'] == truth).mean() > 0.99
    assert 'silhouette' not in inferencer(rgb)['predictions'][0]

    def side(pred):  # longer side of the object in the model's input
        alpha = pred['inputs'][3] >= 128
        return max(alpha.any(0).sum(), alpha.any(1).sum())

    assert side(tight) == pytest.approx(0.9 * 32, abs=1)
    assert side(loose) == pytest.approx(0.4 * 32, abs=1)


def test_bad_inputs(inferencer, tmp_path):
    blank = str(tmp_path / 'blank.png')
    cv2.imwrite(blank, np.full((40, 40, 3), 90, np.uint8))
    with pytest.raises(DataError, match='blank.png.*no separable object'):
        inferencer(blank)
    good = str(tmp_path / 'good.png')
    cv2.imwrite(good, on_background())
    mask = str(tmp_path / 'mask.png')
    cv2.imwrite(mask, np.full((10, 10), 255, np.uint8))
    with pytest.raises(DataError, match='10x10.*128x96'):
        inferencer(good, mask=mask)
    with pytest.raises(DataError, match='no file matches'):
        inferencer(str(tmp_path / 'none*.png'))


def test_vertex_colors_from_a_half_red_half_blue_image():
    verts, faces = sphere()
    image = np.zeros((64, 64, 4), np.uint8)
    image[..., 3] = 255
    image[:, :32, 0] = 255  # red on the left
    image[:, 32:, 2] = 255  # blue on the right
    colors, visible = vertex_colors_from_image(verts, faces, image, view_id=0)
    from mmssr.structures import view_ids_to_eyes
    eye = view_ids_to_eyes([0])[0].numpy()
    col = project_to_pixels(verts, eye, 64)[:, 1]
    # visible = the hemisphere facing the camera
    facing = verts @ eye > 0
    assert (visible == facing).mean() > 0.95
    left, right = visible & (col < 29), visible & (col > 34)
    assert left.sum() > 10 and right.sum() > 10
    assert (colors[left] == [1, 0, 0]).all()
    assert (colors[right] == [0, 0, 1]).all()
    # hidden vertices are filled from visible ones: red or blue or a mix,
    # never the black of nothing
    hidden = ~visible
    assert hidden.sum() > 10
    assert np.allclose(colors[hidden, 1], 0)
    np.testing.assert_allclose(
        colors[hidden, 0] + colors[hidden, 2], 1, atol=1e-5)
    # the back of the left side stays red (nearest along the mesh)
    back_left = hidden & (col < 20)
    assert back_left.any() and (colors[back_left, 0] > 0.9).all()


def test_propagate_colors_along_the_graph():
    # a strip 0-1-2-3-4 of triangles; only vertex 0 is known
    faces = np.array([[0, 1, 2], [1, 2, 3], [2, 3, 4]])
    colors = np.zeros((6, 3))
    colors[0] = (1, 0, 0)
    known = np.array([True, False, False, False, False, False])
    out = propagate_colors(colors, known, faces)
    np.testing.assert_allclose(out[:5], np.tile([1, 0, 0], (5, 1)))
    # vertex 5 is in no face: the mean known colour
    np.testing.assert_allclose(out[5], [1, 0, 0])
    out = propagate_colors(colors, np.zeros(6, bool), faces)
    assert np.allclose(out, out[0])  # nothing known: one fallback colour


@pytest.mark.parametrize('recorded,expected', [('nmr', 'nmr'),
                                               (None, 'true')])
def test_photos_are_fed_in_the_checkpoints_colour_convention(
        tmp_path, recorded, expected):
    """A checkpoint records the colour convention it was trained on; one
    without the record (an older mmssr) was trained on true colour."""
    import torch

    from mmssr.structures.color import encode_nmr
    cfg = tmp_path / 'tiny.py'
    cfg.write_text(
        TINY_MODEL.format(
            base=osp.join(REPO_ROOT,
                          'configs/softras/softras_synthetic_n2.py')))
    plain = MeshInferencer(str(cfg), None)
    assert plain.color_convention == 'nmr'  # no checkpoint: the model's
    meta = dict(dataset_meta=dict(categories=('chair', )))
    if recorded is not None:
        meta['dataset_meta']['color_convention'] = recorded
    ckpt = str(tmp_path / 'model.pth')
    torch.save(dict(state_dict=plain.model.state_dict(), meta=meta), ckpt)
    inferencer = MeshInferencer(str(cfg), ckpt)
    assert inferencer.color_convention == expected
    (data, prepared, _), = inferencer.preprocess([on_background()])
    fed = data['inputs'][0].numpy()
    true = prepared[0].inputs
    assert np.array_equal(fed, encode_nmr(true) if expected == 'nmr' else true)
