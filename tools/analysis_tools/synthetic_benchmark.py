"""Train and test SoftRas and SSR on the synthetic benchmark, side by side.

    python tools/analysis_tools/synthetic_benchmark.py [--seeds 0 1] \
        [--runs softras_n2 ssr_n2 softras_n5 ssr_n5 softras_full] \
        [--work-dir DIR] [--summarize-only | --retrain] [--jobs 2]

Each run name is ``<method>_<setting>`` and trains
``configs/<method>/<method>_synthetic_<setting>.py`` (settings: ``n2``,
``n5``, ``n20``, ``full``) with ``randomness.seed=<seed>`` through
``tools/train.py``, then tests its last checkpoint with ``tools/test.py
--out``. Runs already finished in the work dir are not trained again
(``--retrain`` trains them anew). Prints
a per-category voxel-IoU table like the paper's Table 2 (mean over seeds),
SSR's gain over SoftRas at each N, SSR's pseudo-label coverage and accuracy
at the end of training, and the wall time of every run.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.fileio import dump

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
from mmssr.cli import add_debug_argument, cli_main
from mmssr.datasets.categories import SHAPENET_CATEGORIES  # noqa: E402
from mmssr.errors import UserError

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


def run(cmd: List[str], log: str, threads: Optional[int] = None) -> float:
    start = time.time()
    with open(log, 'w') as f:
        code = subprocess.call(
            cmd,
            cwd=ROOT,
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


def parse_run(name: str):
    method, _, setting = name.partition('_')
    if method not in METHOD_NAMES or not setting:
        raise UserError(f'run "{name}" must be <method>_<setting> with '
                        f'method in {sorted(METHOD_NAMES)}, e.g. ssr_n2')
    config = f'configs/{method}/{method}_synthetic_{setting}.py'
    if not osp.isfile(osp.join(ROOT, config)):
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
                   options: Sequence[str] = (),
                   threads: Optional[int] = None) -> None:
    """Train ``config`` with ``--cfg-options options``, then test it."""
    os.makedirs(work, exist_ok=True)
    t_train = run([
        sys.executable, 'tools/train.py', config, '--work-dir', work,
        '--cfg-options', f'randomness.seed={seed}', *options
    ], osp.join(work, 'train.log'), threads)
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
                 osp.join(work, 'test.log'), threads)
    write_json(
        osp.join(work, 'wall_time.json'),
        dict(train_s=t_train, test_s=t_test, threads=threads))


def say(line: str) -> None:
    sys.stdout.write(line + '\n')
    sys.stdout.flush()


def run_plan(tasks: Sequence[tuple], jobs: int = 1) -> List[str]:
    """Train and test ``tasks`` (config, work dir, seed, options), ``jobs``
    at a time, each then on ``cpu_count // jobs`` threads: on few cores,
    two one-thread runs side by side finish sooner than one after the other
    (their wall times are then those of a shared machine).

    A failed run does not stop the others; returns what failed, one line
    per run.
    """
    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 else None

    def one(task) -> Optional[str]:
        config, work, seed, options = task
        # one write per line: runs in threads print at the same time
        say(f'training {work}' +
            (f' ({threads} thread(s))' if threads else ''))
        try:
            train_and_test(config, work, seed, options, threads)
        except RunFailed as err:
            say(f'failed: {err}')
            return str(err)
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


def format_report(results: Dict[str, Dict[int, dict]], seeds) -> str:
    """The comparison table, SSR's gains, and the per-run details."""
    names = list(SHAPENET_CATEGORIES.values())
    lines = [
        'voxel IoU on the synthetic test split, mean over the seeds '
        'of each row', '',
        '| method | ' + ' | '.join(SHORT_NAMES.get(n, n)
                                   for n in names) + ' | mean | seeds |',
        '|---' * (len(names) + 3) + '|'
    ]
    means = {}
    for name, runs in results.items():
        if not runs:
            continue
        method, setting = name.split('_', 1)
        cells = []
        for n in names:
            vals = [
                r['metrics'].get(f'shapenet/iou/{n}') for r in runs.values()
            ]
            vals = [v for v in vals if v is not None]
            cells.append(f'{np.mean(vals):.3f}' if vals else '-')
        per_seed = {s: r['metrics']['shapenet/mIoU'] for s, r in runs.items()}
        means[name] = per_seed
        spread = (f' ± {np.std(list(per_seed.values())):.3f}'
                  if len(per_seed) > 1 else '')
        lines.append(f'| {row_label(method, setting)} | ' + ' | '.join(cells) +
                     f' | {np.mean(list(per_seed.values())):.3f}{spread} | ' +
                     ', '.join(str(s) for s in sorted(per_seed)) + ' |')
    gains = []
    for name in means:
        method, setting = name.split('_', 1)
        base = means.get(f'softras_{split_setting(setting)[0]}')
        if method == 'softras' or base is None:
            continue
        common = sorted(set(means[name]) & set(base))
        if not common:
            continue
        diffs = [means[name][s] - base[s] for s in common]
        each = ', '.join(f'seed {s}: {d:+.3f}' for s, d in zip(common, diffs))
        gains.append(f'  {METHOD_NAMES[method]} - SoftRas at {setting}: '
                     f'{np.mean(diffs):+.3f} mIoU ({each})')
    if gains:
        lines += ['', 'gain (same seeds, same schedule):'] + gains
    lines += ['', 'per run:']
    for name, runs in results.items():
        for seed, r in sorted(runs.items()):
            extra, s = '', r['scalars']
            if 'pseudo_coverage' in s:
                extra = (
                    f', pseudo-labels: coverage {s["pseudo_coverage"]:.3f}'
                    f', accuracy {s["pseudo_accuracy"]:.3f}')
            t = r['times']
            timing = (f', train {t["train_s"] / 60:.1f} min, test '
                      f'{t["test_s"] / 60:.1f} min' if t else '')
            if t.get('threads'):
                timing += f' ({t["threads"]} thread(s), runs side by side)'
            lines.append(f'  {name} seed {seed}: mIoU '
                         f'{r["metrics"]["shapenet/mIoU"]:.3f}{timing}{extra}')
    return '\n'.join(lines)


@cli_main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--runs', nargs='+', default=['softras_n2', 'ssr_n2'])
    parser.add_argument('--work-dir', default='work_dirs/synthetic_benchmark')
    parser.add_argument('--summarize-only', action='store_true')
    parser.add_argument('--retrain', action='store_true')
    parser.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='runs trained at once, each on cpu_count // jobs threads')
    add_debug_argument(parser)
    args = parser.parse_args()
    plan = [(name, *parse_run(name)) for name in args.runs]

    def work_of(method, setting, seed):
        return osp.join(args.work_dir,
                        f'{method}_synthetic_{setting}_seed{seed}')

    failures = []
    if not args.summarize_only:
        failures = run_plan(
            [(config, work_of(method, setting, seed), seed, ())
             for name, method, setting, config in plan for seed in args.seeds
             if args.retrain or not collect(work_of(method, setting, seed))],
            args.jobs)
    results: Dict[str, Dict[int, dict]] = {}
    for name, method, setting, config in plan:
        results[name] = {}
        for seed in args.seeds:
            found = collect(work_of(method, setting, seed))
            if found:
                results[name][seed] = found
            else:
                print(f'missing {work_of(method, setting, seed)}/'
                      'test_metrics.json; skipped')
    print('\n' + format_report(results, args.seeds))
    return report_failures(failures)


if __name__ == '__main__':
    main()
