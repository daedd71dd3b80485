"""mmssr/apis/benchmark_runs.py: running the benchmark tools' plans."""
import json
import os
import os.path as osp
import socket
import subprocess
import sys
import time

from mmssr.apis.benchmark_runs import (RUN_LOCK, busy_with, report_failures,
                                       run_plan)
from mmssr.utils.work_dir_lock import LOCK_NAME, WorkDirLock
from ..conftest import REPO_ROOT


def test_a_failed_run_is_reported_and_does_not_stop_the_others(tmp_path):
    works = [str(tmp_path / name) for name in ('a', 'b')]
    tasks = [('configs/no_such_config.py', work, 0, ()) for work in works]
    failures = run_plan(tasks, REPO_ROOT, jobs=2)
    assert len(failures) == 2
    for work, failure in zip(works, failures):
        assert 'tools/train.py configs/no_such_config.py' in failure
        assert f'see {work}/train.log' in failure
        # each run got as far as its own log
        assert 'no_such_config.py' in open(osp.join(work, 'train.log')).read()
    assert report_failures(failures) == 1
    assert report_failures([]) == 0


def _plan_one(tmp_path, capsys):
    """run_plan of one run of a config that does not exist: a run that
    starts fails at once and leaves train.log; a skipped one leaves none."""
    work = str(tmp_path / 'run')
    failures = run_plan([('configs/no_such_config.py', work, 0, ())],
                        REPO_ROOT)
    return work, failures, capsys.readouterr().out


def test_a_run_another_tool_runs_is_skipped(tmp_path, capsys):
    holder = WorkDirLock(str(tmp_path / 'run'), name=RUN_LOCK).acquire()
    try:
        work, failures, out = _plan_one(tmp_path, capsys)
        assert failures == []
        assert f'skipping {work}: another benchmark tool runs it' in out
        assert not osp.exists(osp.join(work, 'train.log'))
        assert osp.isfile(osp.join(work, RUN_LOCK))  # still the holder's
    finally:
        holder.release()
    # once free, the run starts (and fails: there is no such config)
    work, failures, out = _plan_one(tmp_path, capsys)
    assert len(failures) == 1 and f'training {work}' in out
    assert not osp.exists(osp.join(work, RUN_LOCK))  # released after it


def test_a_run_whose_work_dir_is_training_is_skipped(tmp_path, capsys):
    # a training started by hand, alive: its lock names a live process
    sleeper = subprocess.Popen([sys.executable, '-c',
                                'import time; time.sleep(60)'])
    try:
        work = tmp_path / 'run'
        work.mkdir()
        (work / LOCK_NAME).write_text(
            json.dumps(
                dict(pid=sleeper.pid, host=socket.gethostname(),
                     command='tools/train.py ...', token='x')))
        work, failures, out = _plan_one(tmp_path, capsys)
        assert failures == []
        assert (f'skipping {work}: another training is using it '
                f'(pid {sleeper.pid} on host {socket.gethostname()}') in out
        assert not osp.exists(osp.join(work, 'train.log'))
    finally:
        sleeper.kill()
        sleeper.wait()
    # the same lock of a dead process is stale: the run goes ahead
    work, failures, out = _plan_one(tmp_path, capsys)
    assert len(failures) == 1 and f'training {work}' in out


def test_a_run_finished_after_the_plan_is_not_run_again(tmp_path):
    work = tmp_path / 'run'
    work.mkdir()
    planned_at = time.time()
    assert busy_with(str(work), planned_at) is None
    (work / 'test_metrics.json').write_text('{}')
    assert busy_with(str(work), planned_at) == (
        'another run finished it after this plan was made')
    # a result older than the plan is the --retrain case: run it again
    os.utime(work / 'test_metrics.json', (planned_at - 60, planned_at - 60))
    assert busy_with(str(work), planned_at) is None
