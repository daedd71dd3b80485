"""Synthetic datasets are written whole or not at all, and checked on load."""
import json
import os
import os.path as osp
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from mmssr.datasets import ShapeNetDataset
from mmssr.datasets.synthetic import generator
from mmssr.datasets.synthetic.generator import (META_FILE,
                                                generate_synthetic_dataset)
from mmssr.datasets.synthetic_dataset import SyntheticShapeNetDataset
from ...conftest import REPO_ROOT, load_tool

TOOL = osp.join(REPO_ROOT, 'tools', 'dataset_converters',
                'create_synthetic.py')
TINY = dict(num_train=2, num_val=1, num_test=1, seed=0, image_size=32)
CATS = ['car', 'chair']
SYNSETS = ['02958343', '03001627']
TOOL_ARGS = [
    '--categories', *CATS, '--num-train', '2', '--num-val', '1', '--num-test',
    '1', '--image-size', '32', '--no-progress'
]


def is_ok(root, synsets, settings):
    """Meta, sizes and hashes agree with ``synsets`` and ``settings``."""
    from mmssr.datasets.synthetic.generator import inspect_synthetic_dataset
    return inspect_synthetic_dataset(root, synsets, settings).status == 'ok'


def snapshot(root):
    return {
        n: open(osp.join(root, n), 'rb').read()
        for n in sorted(os.listdir(root))
    }


def meta_of(root):
    with open(osp.join(root, META_FILE)) as f:
        return json.load(f)


def leftovers(out):
    parent = osp.dirname(out)
    return [
        n for n in os.listdir(parent)
        if n.startswith(osp.basename(out) + '.') and not n.endswith('.lock')
    ]


def run_tool(monkeypatch, capsys, *args):
    """The tool's main in this process: (exit code, stdout, stderr)."""
    tool = load_tool(TOOL)
    monkeypatch.setattr(sys, 'argv', [TOOL, *args])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exc:
        tool.main()
    out, err = capsys.readouterr()
    return exc.value.code, out, err


@pytest.fixture
def dataset(tmp_path):
    out = str(tmp_path / 'synthetic')
    generate_synthetic_dataset(out, CATS, progress=False, **TINY)
    return out


def test_meta_records_settings_and_hashes(dataset):
    meta = meta_of(dataset)
    assert meta['categories'] == SYNSETS
    assert {k: meta[k] for k in TINY} == TINY
    assert meta['version'] == 2
    assert meta['color_convention'] == 'nmr'
    assert sorted(meta['files']) == sorted(
        n for n in os.listdir(dataset) if n.endswith('.npz'))
    assert len(meta['content_sha256']) == 64
    assert is_ok(dataset, SYNSETS, TINY)


def test_failed_generation_leaves_the_old_dataset(dataset, monkeypatch):
    before = snapshot(dataset)
    make_object = generator.make_object

    def dies_at_the_second_category(category, rng, yaw=None):
        if category == CATS[1]:
            raise RuntimeError('killed')
        return make_object(category, rng, yaw)

    monkeypatch.setattr(generator, 'make_object', dies_at_the_second_category)
    with pytest.raises(RuntimeError, match='killed'):
        generate_synthetic_dataset(
            dataset, CATS, progress=False, **dict(TINY, seed=1))
    assert snapshot(dataset) == before
    assert meta_of(dataset)['seed'] == 0
    assert not leftovers(dataset)
    data = ShapeNetDataset(dataset, categories=CATS, split='train')
    assert data.num_objects == 4


def test_killed_tool_leaves_the_old_dataset_and_leftovers_go(
        dataset, monkeypatch, capsys):
    before = snapshot(dataset)
    proc = subprocess.Popen([
        sys.executable, TOOL, '--out', dataset, '--seed', '1', '--force',
        *TOOL_ARGS[:-1], '--num-train', '12', '--no-progress'
    ],
                            cwd=REPO_ROOT,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL,
                            env=dict(os.environ, OMP_NUM_THREADS='1'))
    car = osp.join(dataset, '02958343_train_images.npz')
    mtime = os.stat(car).st_mtime_ns
    deadline = time.time() + 120
    try:
        while time.time() < deadline and proc.poll() is None:
            tmp = f'{dataset}.tmp-{proc.pid}'
            written = osp.isdir(tmp) and any(
                n.endswith('.npz') for n in os.listdir(tmp))
            # today's code writes straight into the dataset
            if written or not osp.exists(car) or \
                    os.stat(car).st_mtime_ns != mtime:
                break
            time.sleep(0.01)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert snapshot(dataset) == before
    assert meta_of(dataset)['seed'] == 0
    assert is_ok(dataset, SYNSETS, TINY)
    assert leftovers(dataset) == [f'synthetic.tmp-{proc.pid}']
    code, out, _ = run_tool(monkeypatch, capsys, '--out', dataset, *TOOL_ARGS)
    assert code == 0 and 'up to date, nothing to do' in out
    assert not leftovers(dataset)


def test_other_settings_need_force(dataset, monkeypatch, capsys):
    before = snapshot(dataset)
    code, out, err = run_tool(monkeypatch, capsys, '--out', dataset, '--seed',
                              '1', *TOOL_ARGS)
    assert code == 2
    assert err.startswith(f'error: {dataset}: ')
    assert 'seed: 0 in the folder, 1 asked' in err and '--force' in err
    assert 'Traceback' not in err
    assert snapshot(dataset) == before

    code, out, err = run_tool(monkeypatch, capsys, '--out', dataset, '--seed',
                              '1', '--force', *TOOL_ARGS)
    assert code == 0, err
    meta = meta_of(dataset)
    assert meta['seed'] == 1 and meta['categories'] == SYNSETS
    assert snapshot(dataset) != before
    assert is_ok(dataset, SYNSETS, dict(TINY, seed=1))
    assert not leftovers(dataset)


def test_same_settings_are_up_to_date(dataset, monkeypatch, capsys):
    stamps = {
        n: os.stat(osp.join(dataset, n)).st_mtime_ns
        for n in os.listdir(dataset)
    }
    code, out, _ = run_tool(monkeypatch, capsys, '--out', dataset, *TOOL_ARGS)
    assert code == 0
    assert f'{dataset}: up to date, nothing to do' in out
    assert stamps == {
        n: os.stat(osp.join(dataset, n)).st_mtime_ns
        for n in os.listdir(dataset)
    }
    code, out, _ = run_tool(monkeypatch, capsys, '--out', dataset, '--force',
                            *TOOL_ARGS)
    assert code == 0 and 'up to date' not in out
    assert stamps != {
        n: os.stat(osp.join(dataset, n)).st_mtime_ns
        for n in os.listdir(dataset)
    }


def test_refuses_to_replace_a_folder_with_other_files(tmp_path):
    (tmp_path / 'notes.txt').write_text('mine')
    with pytest.raises(ValueError, match='notes.txt'):
        generate_synthetic_dataset(
            str(tmp_path), ['car'], progress=False, **TINY)
    assert (tmp_path / 'notes.txt').read_text() == 'mine'


def test_meta_disagreeing_with_the_config_is_regenerated(dataset):
    with pytest.warns(UserWarning, match=r'seed: 0 in the folder, 1 asked'):
        data = SyntheticShapeNetDataset(
            dataset, dict(TINY, seed=1), categories=['car'], split='train')
    assert data.num_objects == 2
    meta = meta_of(dataset)
    assert meta['seed'] == 1 and meta['categories'] == ['02958343']


@pytest.mark.parametrize('damage', ['remove', 'rewrite'])
def test_incomplete_dataset_is_regenerated(dataset, damage):
    before = snapshot(dataset)
    name = '02958343_val_voxels.npz'
    path = osp.join(dataset, name)
    if damage == 'remove':
        os.remove(path)
    else:  # same size, other bytes
        data = bytearray(before[name])
        data[-1] ^= 0xFF
        open(path, 'wb').write(bytes(data))
    with pytest.warns(UserWarning, match=re.escape(name)):
        SyntheticShapeNetDataset(
            dataset, TINY, categories=CATS, split='val', mode='view')
    assert snapshot(dataset) == before
    assert is_ok(dataset, SYNSETS, TINY)


def test_concurrent_generators_serialise(tmp_path):
    out = str(tmp_path / 'synthetic')
    procs = [
        subprocess.Popen([sys.executable, TOOL, '--out', out, *TOOL_ARGS],
                         cwd=REPO_ROOT,
                         stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE,
                         text=True,
                         env=dict(os.environ, OMP_NUM_THREADS='1'))
        for _ in range(2)
    ]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    outputs = sorted(o for o, _ in results)
    assert sum('up to date, nothing to do' in o for o in outputs) == 1, \
        outputs
    assert sum(o.startswith(f'{out}: generating') for o in outputs) == 1
    assert is_ok(out, SYNSETS, TINY)
    assert not leftovers(out)


@pytest.mark.parametrize('umask,mode', [(0o022, 0o644), (0o077, 0o600),
                                        (0o002, 0o664)])
def test_file_modes_follow_the_umask(tmp_path, umask, mode):
    out = str(tmp_path / 'synthetic')
    old = os.umask(umask)
    try:
        generate_synthetic_dataset(out, ['car'], progress=False, **TINY)
    finally:
        os.umask(old)
    for name in os.listdir(out):
        assert os.stat(osp.join(out, name)).st_mode & 0o777 == mode, name
    assert os.stat(out).st_mode & 0o777 == 0o777 & ~umask


def test_all_empty_silhouettes_warn_once_naming_the_file(dataset):
    path = osp.join(dataset, '02958343_train_images.npz')
    with np.load(path) as npz:
        images = npz[npz.files[0]]
    images[:, :, 3] = 0
    np.savez_compressed(path, images)
    with pytest.warns(
            UserWarning,
            match=re.escape(path) +
            r'.*every silhouette \(alpha channel\) is empty'):
        ShapeNetDataset(dataset, categories=['car'], split='train')
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        ShapeNetDataset(dataset, categories=['car'], split='labeled')
