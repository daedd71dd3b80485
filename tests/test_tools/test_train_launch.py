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
    proc = run_tool(
        'tools/train.py',
        'configs/softras/softras_synthetic_n2.py',
        '--amp',
        '--work-dir',
        str(tmp_path / 'w'),
        check=False)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert 'Traceback' not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith('error: --amp: mixed precision')
    assert 'model.encoder.compute_dtype=bfloat16' in lines[-1]
    assert not osp.exists(tmp_path / 'w')  # refused before anything ran


def test_eight_processes_at_the_paper_batch_each_are_refused(tmp_path):
    """srun -n 8 ... --launcher slurm: every process checks before the
    process group starts."""
    env = dict(
        os.environ,
        PYTHONPATH=REPO_ROOT,
        SLURM_PROCID='0',
        SLURM_NTASKS='8',
        SLURM_LOCALID='0',
        SLURM_NODELIST='node1')
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


FAKE_SRUN = """#!/usr/bin/env bash
# a stand-in for srun on one machine: --ntasks copies of the command, each
# with the SLURM_* variables srun sets (and no RANK)
n=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --ntasks=*) n=${1#*=} ;;
        -p) shift ;;
        -*) ;;
        *) break ;;
    esac
    shift
done
pids=()
for ((i = 0; i < n; i++)); do
    SLURM_PROCID=$i SLURM_LOCALID=$i SLURM_NTASKS=$n SLURM_NODELIST=localhost \
        "$@" &
    pids+=($!)
done
rc=0
for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
exit $rc
"""


def test_slurm_train_sh_runs_two_tasks_with_one_lock(tmp_path,
                                                     tiny_synthetic_root):
    """tools/slurm_train.sh under srun (a stand-in here), on a CPU: the
    tasks know their rank only from SLURM_PROCID. Every task used to take
    the work-dir lock as rank 0, and all but one stopped; mmengine's slurm
    path needs a GPU (gloo is started here instead)."""
    cfg = write_config(
        tmp_path, 'configs/softras/softras_synthetic_n2.py',
        SOFTRAS_MODEL + 'train_cfg = dict(max_iters=1, val_interval=100)\n'
        'val_dataloader = None\nval_cfg = None\nval_evaluator = None\n'
        'auto_scale_lr = dict(base_batch_size=8)\n', tiny_synthetic_root,
        'srun_cfg')
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'srun').write_text(FAKE_SRUN)
    (bin_dir / 'srun').chmod(0o755)
    work = str(tmp_path / 'work')
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR')
    }
    env.update(
        PATH=f'{bin_dir}{os.pathsep}{env.get("PATH", "")}',
        PYTHONPATH=REPO_ROOT,
        OMP_NUM_THREADS='1',
        MASTER_PORT='29547',
        GPUS='2',
        GPUS_PER_NODE='2',
        CPUS_PER_TASK='1')
    proc = subprocess.run(
        ['bash', 'tools/slurm_train.sh', 'dev', 'mmssr', cfg, work],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert osp.isfile(osp.join(work, 'iter_1.pth'))
    assert not osp.exists(osp.join(work, '.lock'))  # released by rank 0
    logs = [
        osp.join(root, name) for root, _, names in os.walk(work)
        for name in names if name.endswith('.log')
    ]
    text = open(logs[0]).read()
    assert 'Distributed launcher: slurm' in text
    assert 'GPU number: 2' in text  # mmengine's word for the world size
