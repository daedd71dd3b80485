"""Train-and-test runs of the synthetic benchmark, as the benchmark tools
share them.

A run is ``<method>_<setting>`` (e.g. ``ssr_n2``): it trains
``configs/<method>/<method>_synthetic_<setting>.py`` through
``tools/train.py`` of the project at ``root`` with
``randomness.seed=<seed>``, then tests its last checkpoint with
``tools/test.py --out``; its work dir keeps the logs, ``test_metrics.json``
and ``wall_time.json``. ``tools/analysis_tools/synthetic_benchmark.py``,
``unlabeled_sweep.py`` and ``unlabeled_views_benchmark.py`` plan runs and
print their tables from :func:`collect`.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import List, Optional, Sequence

from mmengine.fileio import dump

from mmssr.errors import UserError
from mmssr.utils.work_dir_lock import WorkDirLock, WorkDirLockedError

METHOD_NAMES = dict(softras='SoftRas', ssr='SSR')
SHORT_NAMES = dict(
    airplane='plane',
    loudspeaker='speaker',
    telephone='phone',
    watercraft='vessel')


def thread_env(threads: Optional[int]) -> Optional[dict]:
    """The environment of a run limited to ``threads`` CPU threads (torch,
    MKL and numba); None: this process's own."""
    if not threads:
        return None
    env = dict(os.environ)
    for key in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'NUMBA_NUM_THREADS'):
        env[key] = str(threads)
    return env


class RunFailed(RuntimeError):
    """A training or test command of one run exited non-zero."""


def run(cmd: List[str],
        log: str,
        root: str,
        threads: Optional[int] = None) -> float:
    """Run ``cmd`` in ``root`` with its output in ``log``; its seconds."""
    start = time.time()
    with open(log, 'w') as f:
        code = subprocess.call(
            cmd,
            cwd=root,
            stdout=f,
            stderr=subprocess.STDOUT,
            env=thread_env(threads))
    if code:
        raise RunFailed(f'{" ".join(cmd)} exited with {code}, see {log}')
    return time.time() - start


def write_json(path: str, data: dict) -> None:
    tmp = path + '.tmp'
    dump(data, tmp, file_format='json', indent=1)
    os.replace(tmp, path)


def last_scalars(work_dir: str) -> dict:
    """The last logged training values (vis_data/scalars.json)."""
    found = {}
    for path in sorted(
            glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json'))):
        with open(path) as f:
            for line in f:
                found.update(json.loads(line))
    return found


def parse_run(name: str, root: str):
    """(method, setting, config) of run ``name`` of the project at ``root``."""
    method, _, setting = name.partition('_')
    if method not in METHOD_NAMES or not setting:
        raise UserError(f'run "{name}" must be <method>_<setting> with '
                        f'method in {sorted(METHOD_NAMES)}, e.g. ssr_n2')
    config = f'configs/{method}/{method}_synthetic_{setting}.py'
    if not osp.isfile(osp.join(root, config)):
        raise FileNotFoundError(f'run "{name}": no config {config}')
    return method, setting, config


def split_setting(setting: str):
    """'n2_paper-pl' -> ('n2', 'paper-pl'): the labels, then the variant."""
    labels, _, variant = setting.partition('_')
    return labels, variant


def row_label(method: str, setting: str) -> str:
    """'SoftRas (N = 2, labeled only)', 'SSR (N = 2, paper-pl)', ..."""
    setting, variant = split_setting(setting)
    if setting == 'full':
        words = ['all viewpoints']
    else:
        words = [f'N = {setting.lstrip("n")}']
        if method == 'softras':
            words.append('labeled only')
    if variant:
        words.append(variant)
    return f'{METHOD_NAMES[method]} ({", ".join(words)})'


def train_and_test(config: str,
                   work: str,
                   seed: int,
                   root: str,
                   options: Sequence[str] = (),
                   threads: Optional[int] = None) -> None:
    """Train ``config`` with ``--cfg-options options``, then test it."""
    os.makedirs(work, exist_ok=True)
    t_train = run([
        sys.executable, 'tools/train.py', config, '--work-dir', work,
        '--cfg-options', f'randomness.seed={seed}', *options
    ], osp.join(work, 'train.log'), root, threads)
    with open(osp.join(work, 'last_checkpoint')) as f:
        ckpt = f.read().strip()
    test_options = [
        o for o in options
        if not o.startswith(('train_dataloader', 'train_cfg'))
    ]
    t_test = run([
        sys.executable, 'tools/test.py', config, ckpt, '--work-dir',
        osp.join(work, 'test'), '--out',
        osp.join(work, 'test_metrics.json')
    ] + (['--cfg-options', *test_options] if test_options else []),
                 osp.join(work, 'test.log'), root, threads)
    write_json(
        osp.join(work, 'wall_time.json'),
        dict(train_s=t_train, test_s=t_test, threads=threads))


def say(line: str) -> None:
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


RUN_LOCK = '.benchmark_run.lock'


def busy_with(work: str, planned_at: float) -> Optional[str]:
    """Why a planned run of ``work`` must not start now, or ``None``:
    another process trains in it (its training lock), or a run has
    finished in it since ``planned_at`` (a ``time.time()``)."""
    lock = WorkDirLock(work, wait_unreadable=0.5)
    holder = lock.live_holder()
    if holder is not None:
        return f'another training is using it ({lock.describe(holder)})'
    metrics = osp.join(work, 'test_metrics.json')
    if osp.isfile(metrics) and osp.getmtime(metrics) >= planned_at:
        return 'another run finished it after this plan was made'
    return None


def run_plan(tasks: Sequence[tuple], root: str,
             jobs: int = 1) -> List[str]:
    """Train and test ``tasks`` (config, work dir, seed, options), ``jobs``
    at a time, each then on ``cpu_count // jobs`` threads: on few cores,
    two one-thread runs side by side finish sooner than one after the other
    (their wall times are then those of a shared machine).

    Each run holds its work dir's run lock (``RUN_LOCK``) from training to
    the end of its test, so that two tools planning the same run (say the
    synthetic and the unlabeled-views benchmarks sharing a work dir) run it
    once: a run whose work dir another tool runs, another training uses,
    or another run has finished since the plan (:func:`busy_with`) is
    skipped with a message.
    A failed run does not stop the others; returns what failed, one line
    per run.
    """
    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else None
    planned_at = time.time()

    def one(task) -> Optional[str]:
        config, work, seed, options = task
        lock = WorkDirLock(work, name=RUN_LOCK)
        try:
            lock.acquire()
        except WorkDirLockedError:
            reason = 'another benchmark tool runs it'
        else:
            reason = busy_with(work, planned_at)
        if reason is not None:
            lock.release()
            say(f'skipping {work}: {reason}')
            return None
        # one write per line: runs in threads print at the same time
        say(f'training {work}' +
            (f' ({threads} thread(s))' if threads else ''))
        try:
            train_and_test(config, work, seed, root, options, threads)
        except RunFailed as err:
            say(f'failed: {err}')
            return str(err)
        finally:
            lock.release()
        return None

    if jobs <= 1:
        outcomes = [one(task) for task in tasks]
    else:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            outcomes = list(pool.map(one, tasks))
    return [failure for failure in outcomes if failure]


def report_failures(failures: Sequence[str]) -> int:
    """Print failed runs to stderr; the tool's exit status."""
    for failure in failures:
        print(f'error: run failed: {failure}', file=sys.stderr)
    return 1 if failures else 0


def collect(work: str) -> dict:
    """A finished run's test metrics, wall times and last logged values;
    ``{}`` if it has not finished."""
    metrics_file = osp.join(work, 'test_metrics.json')
    if not osp.isfile(metrics_file):
        return {}
    with open(metrics_file) as f:
        metrics = json.load(f)
    times_file = osp.join(work, 'wall_time.json')
    times = {}
    if osp.isfile(times_file):
        with open(times_file) as f:
            times = json.load(f)
    return dict(metrics=metrics, times=times, scalars=last_scalars(work))
