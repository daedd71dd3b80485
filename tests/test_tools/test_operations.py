"""Operating the tools: wrong checkpoints, busy work dirs, nonsense values.

Each of these used to exit 0 (or with a traceback) and is now one
``error:`` line with exit status 2.
"""
import json
import os
import os.path as osp
import socket
import stat

import pytest
import torch

from mmssr.engine.fileio import AtomicLocalBackend
from mmssr.errors import ConfigError, UserError
from mmssr.utils.config_checks import check_train_cfg
from ..conftest import REPO_ROOT, load_tool
from .test_train_test_resume import (SOFTRAS_MODEL, SSR_MODEL, run_tool,
                                     write_config)


def one_error_line(proc):
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert 'Traceback' not in proc.stderr
    errors = [
        line for line in proc.stderr.splitlines() if line.startswith('error:')
    ]
    assert len(errors) == 1, proc.stderr[-3000:]
    return errors[0]


def test_wrong_checkpoints_are_refused_by_test_and_train(
        tmp_path, tiny_synthetic_root):
    soft_cfg = write_config(tmp_path,
                            'configs/softras/softras_synthetic_n2.py',
                            SOFTRAS_MODEL, tiny_synthetic_root, 'soft_tiny')
    ssr_cfg = write_config(
        tmp_path,
        'configs/ssr/ssr_synthetic_n2.py',
        SSR_MODEL,
        tiny_synthetic_root,
        'ssr_tiny',
        train_extra=', sampler=dict(num_unlabeled=2)')
    work = str(tmp_path / 'work')
    os.makedirs(work)
    with open(osp.join(work, '.tmp_dead'), 'wb') as f:  # a killed save
        f.write(b'half a checkpoint')
    proc = run_tool('tools/train.py', soft_cfg, '--work-dir', work,
                    '--cfg-options', 'train_cfg.max_iters=2', 'val_cfg=None',
                    'val_dataloader=None', 'val_evaluator=None')
    assert 'removed 1 stale temporary file(s)' in proc.stdout + proc.stderr
    assert not osp.exists(osp.join(work, '.tmp_dead'))
    soft_ckpt = osp.join(work, 'iter_2.pth')
    assert not osp.exists(osp.join(work, '.lock'))  # released

    # a SoftRas checkpoint into an SSR config: no IoU of random weights
    proc = run_tool(
        'tools/test.py',
        ssr_cfg,
        soft_ckpt,
        '--work-dir',
        str(tmp_path / 't1'),
        check=False)
    line = one_error_line(proc)
    assert line.startswith(f'error: {soft_ckpt}: does not fit the '
                           'SSRReconstructor')
    assert 'missing key(s): reconstructor.encoder' in line
    assert 'likely cause: the checkpoint is of a SoftRas model' in line
    assert 'mIoU' not in proc.stdout + proc.stderr

    # resuming SSR from it: checked before training, not a KeyError
    proc = run_tool(
        'tools/train.py',
        ssr_cfg,
        '--work-dir',
        str(tmp_path / 'w2'),
        '--resume',
        soft_ckpt,
        check=False)
    assert 'missing key(s)' in one_error_line(proc)
    # --resume with an empty last_checkpoint names the file
    with open(osp.join(work, 'last_checkpoint'), 'w'):
        pass
    proc = run_tool(
        'tools/train.py',
        soft_cfg,
        '--work-dir',
        work,
        '--resume',
        check=False)
    assert f'{work}/last_checkpoint: empty file' in one_error_line(proc)

    # the reconstructor of an SSR checkpoint with a SoftRas config
    from mmengine.config import Config

    from mmssr.registry import MODELS
    ssr = MODELS.build(Config.fromfile(ssr_cfg).model)
    ssr_ckpt = str(tmp_path / 'ssr.pth')
    torch.save(dict(state_dict=ssr.state_dict()), ssr_ckpt)
    proc = run_tool(
        'tools/test.py',
        soft_cfg,
        ssr_ckpt,
        '--work-dir',
        str(tmp_path / 't2'),
        check=False)
    assert '--checkpoint-prefix reconstructor.' in one_error_line(proc)
    out = tmp_path / 'metrics.json'
    proc = run_tool('tools/test.py', soft_cfg, ssr_ckpt, '--work-dir',
                    str(tmp_path / 't3'), '--checkpoint-prefix',
                    'reconstructor.', '--out', str(out))
    assert 'shapenet/mIoU' in proc.stdout + proc.stderr
    assert 'shapenet/mIoU' in json.loads(out.read_text())


def test_busy_work_dir_and_nonsense_values_stop_early(tmp_path):
    config = osp.join(REPO_ROOT, 'configs/softras/softras_synthetic_n2.py')
    work = tmp_path / 'work'
    work.mkdir()
    holder = dict(
        pid=os.getpid(),
        host=socket.gethostname(),
        start_time='2024-01-01T10:00:00+00:00',
        command='python tools/train.py other.py')
    (work / '.lock').write_text(json.dumps(holder))
    proc = run_tool(
        'tools/train.py', config, '--work-dir', str(work), check=False)
    line = one_error_line(proc)
    assert line == (
        f'error: {work}: another training is using this work dir (pid '
        f'{os.getpid()} on host {socket.gethostname()}, started '
        '2024-01-01T10:00:00+00:00, command: python tools/train.py '
        'other.py). Wait for it to finish or choose another --work-dir; if '
        f'that process is gone, delete {work}/.lock')
    assert sorted(os.listdir(work)) == ['.lock']  # no log of the refused run

    proc = run_tool(
        'tools/train.py',
        config,
        '--work-dir',
        str(tmp_path / 'w2'),
        '--cfg-options',
        'train_cfg.max_iters=-3',
        check=False)
    assert one_error_line(proc) == ('error: train_cfg.max_iters: expected a '
                                    'positive integer, got -3')

    proc = run_tool(
        'tools/test.py',
        config,
        'none.pth',
        '--out',
        str(tmp_path),
        check=False)
    assert one_error_line(proc) == (f'error: --out {tmp_path}: expected a '
                                    'JSON file path, got a directory')


def test_check_train_cfg():
    check_train_cfg(
        dict(
            train_cfg=dict(max_iters=4, val_interval=2),
            default_hooks=dict(checkpoint=dict(interval=-1))))
    for train_cfg, message in [
        (dict(max_iters=-3), 'train_cfg.max_iters: expected a positive '
         'integer, got -3'),
        (dict(max_iters=4, val_interval=-1), 'train_cfg.val_interval: '
         'expected a positive integer, got -1'),
        (dict(max_epochs=0), 'train_cfg.max_epochs'),
        (dict(max_iters=2.5), 'got 2.5'),
        (dict(max_iters=True), 'got True'),
    ]:
        with pytest.raises(ConfigError, match=message):
            check_train_cfg(dict(train_cfg=train_cfg))
    with pytest.raises(ConfigError, match='default_hooks.logger.interval'):
        check_train_cfg(dict(default_hooks=dict(logger=dict(interval=0))))
    with pytest.raises(ConfigError, match='default_hooks.checkpoint.interval'):
        check_train_cfg(dict(default_hooks=dict(checkpoint=dict(interval=-5))))


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield 0o640
    os.umask(old)


def test_checkpoints_honour_the_umask(tmp_path, umask_027):
    target = tmp_path / 'iter_2.pth'
    AtomicLocalBackend().put(b'weights', target)
    assert stat.S_IMODE(os.stat(target).st_mode) == umask_027


def load_test_tool():
    return load_tool(
        osp.join(REPO_ROOT, 'tools', 'test.py'), name='mmssr_tools_test')


def test_metrics_json_honours_the_umask_and_leaves_no_temp(
        tmp_path, umask_027, monkeypatch):
    tool = load_test_tool()
    out = tmp_path / 'm.json'
    tool.dump_json({'shapenet/mIoU': 0.5}, str(out))
    assert json.loads(out.read_text()) == {'shapenet/mIoU': 0.5}
    assert stat.S_IMODE(os.stat(out).st_mode) == umask_027
    # a failed write: a clear error and no tmp*.json.tmp left behind
    (tmp_path / 'taken').mkdir()
    (tmp_path / 'taken' / 'x').write_text('')
    with pytest.raises(UserError, match='taken: expected a JSON file path'):
        tool.dump_json({'a': 1.0}, str(tmp_path / 'taken'))

    def fail(*args):
        raise OSError(28, 'No space left on device')

    monkeypatch.setattr(os, 'replace', fail)
    with pytest.raises(
            UserError,
            match='other.json: cannot write the '
            'metrics .No space left on device.'):
        tool.dump_json({'a': 1.0}, str(tmp_path / 'other.json'))
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ['m.json', 'taken']
