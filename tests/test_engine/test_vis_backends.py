"""TensorBoard is a documented ``vis_backends`` option of the runtime."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from ..conftest import REPO_ROOT


def test_runtime_documents_the_tensorboard_backend():
    path = osp.join(REPO_ROOT, 'configs', '_base_', 'default_runtime.py')
    with open(path) as f:
        assert "dict(type='TensorboardVisBackend')" in f.read()
    cfg = Config.fromfile(path)
    assert cfg.visualizer.vis_backends == [dict(type='LocalVisBackend')]


def test_tensorboard_backend_writes_events(tmp_path):
    pytest.importorskip('tensorboard')
    from mmengine.visualization import Visualizer
    visualizer = Visualizer(
        name='tb_test',
        save_dir=str(tmp_path),
        vis_backends=[dict(type='TensorboardVisBackend')])
    visualizer.add_scalars({'train/pseudo_coverage': 0.5}, step=1)
    visualizer.close()
    assert glob.glob(
        str(tmp_path / '**' / 'events.out.tfevents.*'), recursive=True)
