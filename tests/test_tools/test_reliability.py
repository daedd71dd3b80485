"""Distributed training, exact resume after SIGKILL, safe loading."""
import os
import os.path as osp
import signal
import subprocess
import sys
import time

import pytest
import torch

from ..conftest import REPO_ROOT
from .test_train_test_resume import SSR_MODEL, run_tool, write_config

SSR_EXTRA = ', sampler=dict(num_unlabeled=2)'


def ssr_config(tmp_path, root, name, extra=''):
    return write_config(
        tmp_path,
        'configs/ssr/ssr_synthetic_n2.py',
        SSR_MODEL + extra,
        root,
        name,
        train_extra=SSR_EXTRA)


def weights(path):
    return torch.load(path, weights_only=True)['state_dict']


def test_sigkill_then_resume_matches_an_uninterrupted_run(
        tmp_path, tiny_synthetic_root):
    extra = ('train_cfg = dict(max_iters=6, val_interval=100)\n'
             'default_hooks = dict(checkpoint=dict(interval=2))\n')
    if torch.cuda.is_available():
        # GPU kernels add in no fixed order (atomics): the same weights
        # after a resume are promised in deterministic mode only
        # (docs/advanced_guides/gpu.md, "Reproducibility")
        extra += 'randomness = dict(seed=0, deterministic=True)\n'
    cfg = ssr_config(tmp_path, tiny_synthetic_root, 'ssr_kill', extra)
    straight = str(tmp_path / 'straight')
    run_tool('tools/train.py', cfg, '--work-dir', straight)

    killed = str(tmp_path / 'killed')
    env = dict(os.environ, PYTHONPATH=REPO_ROOT)
    proc = subprocess.Popen(
        [sys.executable, 'tools/train.py', cfg, '--work-dir', killed],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    while not osp.isfile(osp.join(killed, 'iter_2.pth')):
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)  # somewhere after iteration 2
    proc.wait()
    for name in os.listdir(killed):  # no truncated checkpoint survives
        if name.endswith('.pth'):
            torch.load(osp.join(killed, name), weights_only=True)
    run_tool('tools/train.py', cfg, '--work-dir', killed, '--resume')

    a = weights(osp.join(straight, 'iter_6.pth'))
    b = weights(osp.join(killed, 'iter_6.pth'))
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(
            a[key], b[key], rtol=1e-5, atol=1e-6, msg=key)
    ta = torch.load(
        osp.join(straight, 'iter_6.pth'), weights_only=True)['pseudo_labels']
    tb = torch.load(
        osp.join(killed, 'iter_6.pth'), weights_only=True)['pseudo_labels']
    assert torch.equal(ta, tb)


def test_two_process_ddp_keeps_ranks_identical(tmp_path, tiny_synthetic_root):
    extra = (
        "custom_imports = dict(imports=["
        "'tests.test_tools.rank_dump_hook'])\n"
        "custom_hooks = [dict(type='SemiSupervisedViewpointHook', "
        "interval=2), "
        "dict(type='RankStateDumpHook')]\n"
        # 2 processes x batch 4: the learning rate is for that total
        'auto_scale_lr = dict(base_batch_size=8)\n')
    cfg = ssr_config(tmp_path, tiny_synthetic_root, 'ssr_ddp', extra)
    work = str(tmp_path / 'ddp')
    env = dict(
        os.environ, PYTHONPATH=REPO_ROOT, PORT='29533', OMP_NUM_THREADS='1')
    proc = subprocess.run(
        ['bash', 'tools/dist_train.sh', cfg, '2', '--work-dir', work],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r0 = torch.load(osp.join(work, 'rank0.pt'), weights_only=True)
    r1 = torch.load(osp.join(work, 'rank1.pt'), weights_only=True)
    assert r0['state'].keys() == r1['state'].keys()
    for key in r0['state']:
        if key.endswith(('rng_seed', 'siamvp_accuracy')):
            continue  # per-rank bookkeeping, not weights
        torch.testing.assert_close(r0['state'][key], r1['state'][key], msg=key)
    assert torch.equal(r0['table'], r1['table'])
    assert (r0['table'] >= 0).any()

    # distributed evaluation gives the single-process IoU
    ckpt = osp.join(work, 'iter_4.pth')
    # saved with the keys of the unwrapped model, not reconstructor.module.*
    saved = torch.load(ckpt, weights_only=True)['state_dict']
    assert not [k for k in saved if 'module.' in k]
    assert r0['state'].keys() == saved.keys()
    single = tmp_path / 'single.json'
    run_tool('tools/test.py', cfg, ckpt, '--work-dir', str(tmp_path / 't1'),
             '--out', str(single))
    dist_out = tmp_path / 'dist.json'
    proc = subprocess.run([
        'bash', 'tools/dist_test.sh', cfg, ckpt, '2', '--work-dir',
        str(tmp_path / 't2'), '--out',
        str(dist_out)
    ],
                          cwd=REPO_ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    import json
    a, b = json.loads(single.read_text()), json.loads(dist_out.read_text())
    assert a.keys() == b.keys()
    for key in a:
        assert a[key] == pytest.approx(b[key], abs=1e-6)


def test_crafted_checkpoint_is_refused_by_the_tools(tmp_path,
                                                    tiny_synthetic_root):

    class Evil:

        def __reduce__(self):
            return (os.system, (f'touch {tmp_path}/pwned', ))

    bad = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': Evil()}, bad)
    cfg = ssr_config(tmp_path, tiny_synthetic_root, 'ssr_evil')
    proc = run_tool(
        'tools/test.py',
        cfg,
        bad,
        '--work-dir',
        str(tmp_path / 'w'),
        check=False)
    assert proc.returncode != 0
    assert 'refusing to load' in proc.stderr
    assert not (tmp_path / 'pwned').exists()
    from mmssr.apis import init_model
    with pytest.raises(RuntimeError, match='refusing to load'):
        init_model(cfg, bad)
