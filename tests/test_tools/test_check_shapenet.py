"""tools/dataset_converters/check_shapenet.py on good and broken folders."""
import os
import os.path as osp
import shutil
import sys

import numpy as np
import pytest

from mmssr.datasets.synthetic import generate_synthetic_dataset
from ..conftest import REPO_ROOT, load_tool

TOOL = osp.join(REPO_ROOT, 'tools/dataset_converters/check_shapenet.py')
CATS = ['chair', 'airplane']


@pytest.fixture(scope='module')
def good(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('check'))
    generate_synthetic_dataset(
        root, CATS, num_train=3, num_val=1, num_test=1, image_size=64,
        progress=False)
    return root


class Result:

    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def run(root, capsys, monkeypatch):
    """The tool's main in this process (as `python TOOL root ...`)."""
    tool = load_tool(TOOL)
    monkeypatch.setattr(sys, 'argv', [TOOL, root, '--categories', *CATS])
    with pytest.raises(SystemExit) as exit_:
        tool.main()
    out = capsys.readouterr()
    return Result(exit_.value.code, out.out, out.err)


def broken(good, tmp_path, name):
    root = str(tmp_path / name)
    shutil.copytree(good, root)
    for f in os.listdir(root):
        os.chmod(osp.join(root, f), 0o644)
    return root


def rewrite(path, fn):
    array = np.load(path)['arr_0']
    np.savez_compressed(path, fn(array))


def test_a_good_folder_passes(good, capsys, monkeypatch):
    res = run(good, capsys, monkeypatch)
    assert res.returncode == 0, res.stderr
    assert 'no problem found' in res.stdout
    assert '| chair | 3 | 1 | 1 |' in res.stdout


@pytest.mark.parametrize('case', ['missing', 'flipped', 'transposed',
                                  'dtype', 'views', 'true_colour'])
def test_each_problem_is_one_line_and_exit_2(good, tmp_path, case, capsys,
                                             monkeypatch):
    root = broken(good, tmp_path, case)
    chair = osp.join(root, '03001627_train')
    if case == 'missing':
        os.remove(osp.join(root, '02691156_val_voxels.npz'))
        expected = '02691156_val_voxels.npz: missing'
    elif case == 'flipped':
        rewrite(chair + '_voxels.npz', lambda v: np.flip(v, 3))
        expected = 'flip axis 2'
    elif case == 'transposed':
        rewrite(chair + '_voxels.npz', lambda v: v.transpose(0, 2, 1, 3))
        expected = 'do not match their silhouettes'
    elif case == 'dtype':
        rewrite(chair + '_images.npz', lambda v: v.astype(np.float32))
        expected = 'images must be uint8'
    elif case == 'views':
        rewrite(chair + '_images.npz', lambda v: v[:, :12])
        expected = 'must have shape (N, 24, 4, S, S)'
    else:  # true colour in a folder without a record: read as NMR
        os.remove(osp.join(root, 'synthetic_meta.json'))
        rewrite(chair + '_images.npz', lambda v: np.concatenate(
            [np.where(v[:, :, 3:] > 0, 255 - v[:, :, :3], 0), v[:, :, 3:]],
            2).astype(np.uint8))
        expected = 'look like true colour'
    res = run(root, capsys, monkeypatch)
    assert res.returncode == 2
    errors = [line for line in res.stderr.splitlines()
              if line.startswith('error:')]
    assert len(errors) == 1, res.stderr
    assert expected in errors[0]
    assert 'Traceback' not in res.stderr
