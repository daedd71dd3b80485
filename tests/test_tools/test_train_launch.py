"""tools/train.py under GPU options and launchers, on a CPU: --amp, the
total batch of a multi-process run, and two srun-started processes."""
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

from ..conftest import REPO_ROOT
from .test_train_test_resume import SOFTRAS_MODEL, run_tool, write_config


def test_amp_on_a_cpu_is_a_clean_error_naming_what_to_do(tmp_path):
    if torch.cuda.is_available():
        pytest.skip('--amp works where CUDA is')
    proc = run_tool('tools/train.py', 'configs/softras/softras_synthetic_n2.py',
                    '--amp', '--work-dir', str(tmp_path / 'w'), check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith('error: --amp: mixed precision')
    assert 'model.encoder.compute_dtype=bfloat16' in lines[-1]
    assert not osp.exists(tmp_path / 'w')  # refused before anything ran


def test_eight_processes_at_the_paper_batch_each_are_refused(tmp_path):
    """srun -n 8 ... --launcher slurm: every process checks before the
    process group starts."""
    env = dict(os.environ, PYTHONPATH=REPO_ROOT, SLURM_PROCID='0',
               SLURM_NTASKS='8', SLURM_LOCALID='0', SLURM_NODELIST='node1')
    proc = subprocess.run([
        sys.executable, 'tools/train.py', 'configs/ssr/ssr_shapenet_n2.py',
        '--launcher', 'slurm', '--work-dir',
        str(tmp_path / 'w')
    ],
                          cwd=REPO_ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith(
        'error: train_dataloader.batch_size: 64 per process x 8 processes')


def test_two_srun_processes_train_with_one_lock(tmp_path, tiny_synthetic_root):
    """mmengine's slurm launcher path on a CPU (gloo), as tools/slurm_train.sh
    starts it: SLURM_* variables only, no RANK. Every process used to take
    the work-dir lock as rank 0, and all but one stopped."""
    cfg = write_config(
        tmp_path, 'configs/softras/softras_synthetic_n2.py', SOFTRAS_MODEL +
        'train_cfg = dict(max_iters=1, val_interval=100)\n'
        'val_dataloader = None\nval_cfg = None\nval_evaluator = None\n'
        'auto_scale_lr = dict(base_batch_size=8)\n', tiny_synthetic_root,
        'srun_cfg')
    work = str(tmp_path / 'work')
    procs = []
    for rank in range(2):
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR')
        }
        env.update(
            PYTHONPATH=REPO_ROOT,
            OMP_NUM_THREADS='1',
            SLURM_PROCID=str(rank),
            SLURM_LOCALID=str(rank),
            SLURM_NTASKS='2',
            SLURM_NODELIST='localhost',
            MASTER_PORT='29547')
        procs.append(
            subprocess.Popen([
                sys.executable, 'tools/train.py', cfg, '--launcher', 'slurm',
                '--work-dir', work
            ],
                             cwd=REPO_ROOT,
                             env=env,
                             stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE,
                             text=True))
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err[-3000:]
    assert osp.isfile(osp.join(work, 'iter_1.pth'))
    assert not osp.exists(osp.join(work, '.lock'))  # released by rank 0
    logs = [
        osp.join(root, name) for root, _, names in os.walk(work)
        for name in names if name.endswith('.log')
    ]
    text = open(logs[0]).read()
    assert 'Distributed launcher: slurm' in text
    assert 'GPU number: 2' in text  # mmengine's word for the world size
