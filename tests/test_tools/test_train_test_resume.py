"""End to end: tools/train.py, tools/test.py and resume on tiny data."""
import json
import os
import os.path as osp
import subprocess
import sys

import torch

from ..conftest import REPO_ROOT, TINY_CATEGORIES, TINY_SYNTHETIC

TINY_OVERRIDES = """
data_root = {data_root!r}
categories = {categories!r}
synthetic_cfg = {synthetic!r}
_data = dict(data_root=data_root, categories=categories,
             synthetic_cfg=synthetic_cfg)
train_dataloader = dict(batch_size=4, dataset=_data{train_extra})
val_dataloader = dict(batch_size=8, dataset=dict(_data, views=[0, 12]))
test_dataloader = dict(batch_size=8, dataset=dict(_data, views=[0, 12]))
train_cfg = dict(max_iters=4, val_interval=4)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=2, save_best=None))
randomness = dict(seed=0)
"""

SOFTRAS_MODEL = """
model = dict(image_size=32, decoder=dict(subdivisions=2))
"""

SSR_MODEL = """
# accept every prediction so that pseudo-labelled pairs are trained on
model = dict(reconstructor=dict(image_size=32, decoder=dict(subdivisions=2)),
             siamvp=dict(channels=(8, 16, 16, 16), embed_dim=32),
             semi_train_cfg=dict(gate=0.0, threshold=0.0))
custom_hooks = [dict(type='SemiSupervisedViewpointHook', interval=2)]
"""


def write_config(tmp_path,
                 base,
                 model_cfg,
                 data_root,
                 name,
                 train_extra='',
                 synthetic=TINY_SYNTHETIC):
    text = f"_base_ = [{osp.join(REPO_ROOT, base)!r}]\n" + \
        TINY_OVERRIDES.format(data_root=data_root,
                              categories=TINY_CATEGORIES,
                              synthetic=synthetic,
                              train_extra=train_extra) + model_cfg
    path = tmp_path / f'{name}.py'
    path.write_text(text)
    return str(path)


def run_tool(*args, check=True):
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    proc = subprocess.run([sys.executable, *args],
                          cwd=REPO_ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed:\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-3000:]}')
    return proc


def test_softras_train_then_test(tmp_path, tiny_synthetic_root):
    cfg = write_config(tmp_path, 'configs/softras/softras_synthetic_n2.py',
                       SOFTRAS_MODEL, tiny_synthetic_root, 'softras_tiny')
    work = str(tmp_path / 'work')
    proc = run_tool('tools/train.py', cfg, '--work-dir', work, '--test')
    out = proc.stdout + proc.stderr
    assert 'Iter(val)' in out and 'shapenet/mIoU' in out
    # --test: the final weights on the test split, with the IoU table
    tested = out[out.index('Iter(test)'):]
    assert 'shapenet/mIoU' in tested
    assert out.count('voxel IoU over') == 2  # the val and the test tables
    ckpt = osp.join(work, 'iter_4.pth')
    assert osp.isfile(ckpt)
    # checkpoints load with the safe unpickler
    state = torch.load(ckpt, weights_only=True)
    assert state['meta']['iter'] == 4

    proc = run_tool('tools/test.py', cfg, ckpt, '--work-dir',
                    str(tmp_path / 'test'), '--out',
                    str(tmp_path / 'metrics.json'))
    out = proc.stdout + proc.stderr
    assert '| car' in out and 'chair' in out and 'mean' in out
    assert 'shapenet/mIoU' in out
    import json
    metrics = json.loads((tmp_path / 'metrics.json').read_text())
    assert 0.0 <= metrics['shapenet/mIoU'] <= 1.0

    # the demo: one RGBA view of a test object -> mesh file + preview
    import cv2
    import numpy as np
    with np.load(osp.join(tiny_synthetic_root,
                          '03001627_test_images.npz')) as npz:
        view = npz[npz.files[0]][0, 3]  # (4, 32, 32) RGBA
    image = str(tmp_path / 'chair.png')
    cv2.imwrite(image,
                cv2.cvtColor(view.transpose(1, 2, 0), cv2.COLOR_RGBA2BGRA))
    mesh = str(tmp_path / 'out' / 'chair.obj')
    proc = run_tool('tools/demo.py', image, cfg, ckpt, '--out', mesh)
    assert osp.isfile(mesh) and osp.isfile(mesh[:-4] + '_views.png')
    import open3d as o3d
    loaded = o3d.io.read_triangle_mesh(mesh)
    assert len(loaded.triangles) == 320  # the subdivision-2 template
    rgb = str(tmp_path / 'rgb.png')
    cv2.imwrite(rgb, view[:3].transpose(1, 2, 0))
    proc = run_tool(
        'tools/demo.py',
        rgb,
        cfg,
        ckpt,
        '--out',
        mesh,
        '--overwrite',
        check=False)
    # an RGB image on a plain background works: the silhouette is estimated
    assert proc.returncode == 0 and 'silhouette from estimated' in proc.stdout


def test_ssr_train_pseudo_labels_and_resume(tmp_path, tiny_synthetic_root):
    cfg = write_config(
        tmp_path,
        'configs/ssr/ssr_synthetic_n2.py',
        SSR_MODEL,
        tiny_synthetic_root,
        'ssr_tiny',
        train_extra=', sampler=dict('
        'num_unlabeled=2)')
    work = str(tmp_path / 'work')
    # a probability always exceeds threshold 0; a margin does not where two
    # views tie, as they can in the bfloat16 that compute_dtype='auto'
    # picks on some CPUs
    proc = run_tool('tools/train.py', cfg, '--work-dir', work, '--cfg-options',
                    'train_cfg.max_iters=2',
                    'model.semi_train_cfg.confidence=probability')
    assert 'pseudo-labels updated' in proc.stdout + proc.stderr
    ckpt2 = torch.load(osp.join(work, 'iter_2.pth'), weights_only=True)
    table = ckpt2['pseudo_labels']
    assert table.shape == (2 * (4 - 2), 24)  # 2 categories x 2 unlabeled
    assert (table >= 0).all()  # threshold 0 accepts every view
    assert set(ckpt2['optimizer']) >= {'reconstructor', 'siamvp'}

    proc = run_tool('tools/train.py', cfg, '--work-dir', work, '--resume')
    out = proc.stdout + proc.stderr
    assert 'Advance dataloader 2 steps' in out
    ckpt4 = torch.load(osp.join(work, 'iter_4.pth'), weights_only=True)
    assert ckpt4['meta']['iter'] == 4
    assert 'loss_silhouette_pseudo' in out  # pseudo pairs were trained on
    assert 'shapenet/mIoU' in out


SSR_REFINE_MODEL = SSR_MODEL.replace(
    'threshold=0.0)',
    'threshold=0.0, refine=dict(rounds=2, mesh="object", '
    'min_improvement=0.0))')  # any better fit moves the camera


def refine_config(tmp_path, off_grid_root):
    """Tiny SSR with refined cameras on the tiny data seen from anywhere."""
    return write_config(
        tmp_path,
        'configs/ssr/ssr_synthetic_n2_anywhere.py',
        SSR_REFINE_MODEL,
        off_grid_root,
        'ssr_refine_tiny',
        train_extra=', sampler=dict(num_unlabeled=2)',
        synthetic=dict(TINY_SYNTHETIC, unlabeled_views='anywhere'))


def test_continuous_pseudo_labels_survive_a_resume(tmp_path,
                                                   tiny_off_grid_root):
    cfg = refine_config(tmp_path, tiny_off_grid_root)
    work = str(tmp_path / 'work')
    run_tool('tools/train.py', cfg, '--work-dir', work, '--cfg-options',
             'train_cfg.max_iters=2')
    ckpt2 = torch.load(osp.join(work, 'iter_2.pth'), weights_only=True)
    table, cameras = ckpt2['pseudo_labels'], ckpt2['pseudo_cameras']
    assert table.shape == (2 * 2 * 24, )  # images of the views files
    assert cameras.shape == (2 * 2 * 24, 3)
    assert (table >= 0).all() and torch.isfinite(cameras).all()
    assert (cameras[:, 1] != 30).any()  # refined off the grid
    # iteration 3 makes no new pass (interval 2): the table it saves is the
    # one restored from iteration 2, exactly
    run_tool('tools/train.py', cfg, '--work-dir', work, '--resume',
             '--cfg-options', 'train_cfg.max_iters=3')
    ckpt3 = torch.load(osp.join(work, 'iter_3.pth'), weights_only=True)
    assert torch.equal(ckpt3['pseudo_labels'], table)
    assert torch.equal(ckpt3['pseudo_cameras'], cameras)


def test_analyze_pseudo_cameras_compares_snapped_and_refined(
        tmp_path, tiny_off_grid_root):
    cfg = refine_config(tmp_path, tiny_off_grid_root)
    work = str(tmp_path / 'work')
    run_tool('tools/train.py', cfg, '--work-dir', work, '--cfg-options',
             'train_cfg.max_iters=1', 'default_hooks.checkpoint.interval=1')
    out = str(tmp_path / 'cameras.json')
    proc = run_tool('tools/analysis_tools/analyze_pseudo_cameras.py', cfg,
                    osp.join(work, 'iter_1.pth'), '--max-objects', '1',
                    '--out', out)
    with open(out) as f:
        found = json.load(f)
    assert found['images'] == 2 * 24  # one unlabeled object per category
    snapped, refined = found['snapped'], found['refined']
    assert snapped['count'] == refined['count'] > 0  # threshold 0
    # the images were taken at elevations 10-50: snapping to 30 is off
    assert snapped['elevation'] > 1.0
    assert snapped['elevation_median'] <= snapped['elevation'] * 2
    assert f"| refined | {refined['count']} |" in proc.stdout
    # every refined camera falls in one band of silhouette IoU
    bands = found['refined_by_silhouette_iou']
    assert [b['low'] for b in bands] == [0.0, 0.6, 0.7, 0.8, 0.9]
    assert sum(b['count'] for b in bands) == refined['count']
    for band in bands:
        if band['count']:
            assert 0 <= band['azimuth_over_135'] <= band['azimuth_over_45']
            assert band['azimuth_over_45'] <= 1
    assert 'refined cameras by silhouette IoU' in proc.stdout
    # from SiamVP's two best views: the grid view row stays its first answer
    run_tool('tools/analysis_tools/analyze_pseudo_cameras.py', cfg,
             osp.join(work, 'iter_1.pth'), '--max-objects', '1', '--out', out,
             '--cfg-options', 'model.semi_train_cfg.refine.hypotheses=2')
    with open(out) as f:
        two = json.load(f)
    assert 'hypotheses=2' in two['refine']
    assert two['snapped'] == snapped
    assert two['refined']['count'] == refined['count']


def test_missing_data_stops_with_a_clear_error(tmp_path):
    proc = run_tool(
        'tools/train.py',
        'configs/ssr/ssr_shapenet_n2.py',
        '--work-dir',
        str(tmp_path / 'work'),
        '--cfg-options',
        f'train_dataloader.dataset.data_root={tmp_path}/none',
        check=False)
    assert proc.returncode == 2
    assert 'ShapeNet data not found' in proc.stderr
    assert 'ssr_synthetic_n2.py' in proc.stderr
    assert 'Traceback' not in proc.stderr
