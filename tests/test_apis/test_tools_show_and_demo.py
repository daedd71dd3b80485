"""tools/test.py --show-dir and tools/demo.py on photos, as subprocesses."""
import os
import os.path as osp

import cv2
import numpy as np
import torch
from mmengine.config import Config

from mmssr.registry import MODELS
from ..test_tools.test_train_test_resume import (SOFTRAS_MODEL, run_tool,
                                                 write_config)


def make_checkpoint(cfg_path, path):
    """Weights of a freshly built model (no training needed here)."""
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(cfg_path).model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=0)), path)
    return str(path)


def test_show_dir_and_demo_on_photos(tmp_path, tiny_synthetic_root):
    cfg = write_config(tmp_path, 'configs/softras/softras_synthetic_n2.py',
                       SOFTRAS_MODEL, tiny_synthetic_root, 'softras_tiny')
    ckpt = make_checkpoint(cfg, tmp_path / 'weights.pth')

    show = tmp_path / 'show'
    proc = run_tool('tools/test.py', cfg, ckpt, '--work-dir',
                    str(tmp_path / 'test'), '--show-dir', str(show),
                    '--show-num', '3')
    assert 'shapenet/mIoU' in proc.stdout + proc.stderr
    files = sorted(os.listdir(show))
    meshes = [f for f in files if f.endswith('.ply')]
    pictures = [f for f in files if f.endswith('_show.png')]
    # 2 categories x 2 test objects x 2 views = 8 items; 3 are shown
    assert len(meshes) == 3 and len(pictures) == 3
    assert meshes[0].startswith('00000_chair_obj0_view0')
    grid = cv2.imread(str(show / pictures[0]))
    # input | 4 renders | 4 ground-truth silhouettes, 96 px each
    assert grid.shape[1] == 9 * (96 + 2) + 2

    # demo: a photo-like JPEG from tools/misc/make_photo.py
    photo = str(tmp_path / 'photos' / 'chair.jpg')
    run_tool('tools/misc/make_photo.py', tiny_synthetic_root, photo, '--size',
             '240', '320', '--centre', '0.45', '0.3')
    assert cv2.imread(photo).shape == (240, 320, 3)
    cv2.imwrite(
        str(tmp_path / 'photos' / 'car.png'),
        cv2.imread(photo)[:, ::-1])
    out = tmp_path / 'meshes'
    proc = run_tool('tools/demo.py', str(tmp_path / 'photos'), cfg, ckpt,
                    '--out', str(out))
    assert sorted(os.listdir(out)) == [
        'car.ply', 'car_views.png', 'chair.ply', 'chair_views.png'
    ]
    assert proc.stdout.count('silhouette from estimated') == 2
    mesh = str(tmp_path / 'one.glb')
    run_tool('tools/demo.py', photo, cfg, ckpt, '--out', mesh)
    assert osp.isfile(mesh) and osp.isfile(mesh[:-4] + '_views.png')

    # a mask of another size: one error line naming both sizes
    mask = str(tmp_path / 'mask.png')
    cv2.imwrite(mask, np.full((20, 30), 255, np.uint8))
    proc = run_tool(
        'tools/demo.py',
        photo,
        cfg,
        ckpt,
        '--out',
        mesh,
        '--mask',
        mask,
        '--overwrite',
        check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert '30x20' in proc.stderr and '320x240' in proc.stderr
    blank = str(tmp_path / 'blank.png')
    cv2.imwrite(blank, np.full((50, 50, 3), 77, np.uint8))
    proc = run_tool(
        'tools/demo.py', blank, cfg, ckpt, '--out', mesh, '--overwrite',
        check=False)
    assert proc.returncode == 2 and 'blank.png' in proc.stderr
