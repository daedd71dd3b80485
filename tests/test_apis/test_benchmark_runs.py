"""mmssr/apis/benchmark_runs.py: running the benchmark tools' plans."""
import os.path as osp

from mmssr.apis.benchmark_runs import report_failures, run_plan
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
