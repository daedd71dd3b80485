"""tools/analysis_tools/plot_curves.py: reading mmengine's scalar logs."""
import json
import os
import os.path as osp

import pytest

from ..conftest import REPO_ROOT, load_tool
from .test_train_test_resume import run_tool


def write_log(work_dir, entries):
    folder = osp.join(work_dir, '20260101_000000', 'vis_data')
    os.makedirs(folder)
    with open(osp.join(folder, 'scalars.json'), 'w') as f:
        for entry in entries:
            f.write(json.dumps(entry) + '\n')


@pytest.fixture(scope='module')
def tool():
    return load_tool(
        osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'plot_curves.py'))


def test_validations_get_their_iteration(tool, tmp_path):
    write_log(
        str(tmp_path),
        [
            dict(step=25, loss=0.5, pseudo_coverage=0.0, pseudo_accuracy=0.0),
            dict(step=50, loss=0.4, pseudo_coverage=0.3, pseudo_accuracy=0.8),
            # LoggerHook(log_metric_by_epoch=True) logs validations at step 0
            {
                'shapenet/mIoU': 0.3,
                'step': 0
            },
            dict(step=75, loss=0.3, pseudo_coverage=0.4, pseudo_accuracy=0.7),
            {
                'shapenet/mIoU': 0.4,
                'step': 100
            },
        ])
    train, val = tool.read_scalars(str(tmp_path))
    assert [t['step'] for t in train] == [25, 50, 75]
    assert [(v['step'], v['shapenet/mIoU']) for v in val] == [(50, 0.3),
                                                              (100, 0.4)]
    out = str(tmp_path / 'curves.png')
    run_tool('tools/analysis_tools/plot_curves.py', str(tmp_path), '--out',
             out)
    with open(out, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_missing_logs_are_named(tool, tmp_path):
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        tool.read_scalars(str(tmp_path))
