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
import os.path as osp
from typing import Dict

import numpy as np

from mmssr.apis.benchmark_runs import (METHOD_NAMES, SHORT_NAMES, collect,
                                       parse_run, report_failures, row_label,
                                       run_plan, split_setting)
from mmssr.cli import add_debug_argument, cli_main
from mmssr.datasets.categories import SHAPENET_CATEGORIES

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


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
    plan = [(name, *parse_run(name, ROOT)) for name in args.runs]

    def work_of(method, setting, seed):
        return osp.join(args.work_dir,
                        f'{method}_synthetic_{setting}_seed{seed}')

    failures = []
    if not args.summarize_only:
        failures = run_plan(
            [(config, work_of(method, setting, seed), seed, ())
             for name, method, setting, config in plan for seed in args.seeds
             if args.retrain or not collect(work_of(method, setting, seed))],
            ROOT, args.jobs)
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
