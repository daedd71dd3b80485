"""SSR with unlabeled images off the 24-view grid, before and after refinement.

    python tools/analysis_tools/unlabeled_views_benchmark.py [--seeds 0 1] \
        [--views grid half anywhere] \
        [--methods before after top3 zoom offgrid oracle] \
        [--work-dir DIR] [--jobs 2] [--summarize-only | --retrain]

Trains and tests, on the synthetic benchmark (N = 2, the CPU budget of
``configs/ssr/ssr_synthetic_n2.py``), SoftRas on the labeled objects and
SSR with the unlabeled training images on the grid, within half a grid step
of it (``half``) or anywhere (``anywhere``): *before* snaps each unlabeled
image to SiamVP's grid view (``configs/ssr/ssr_synthetic_n2[_VIEWS].py``),
*after* refines its camera (``..._refine.py``, ``..._VIEWS-refine.py``),
*top3* (not run by default) refines SiamVP's three most probable views
and keeps the best fit (``..._refine-top3.py``,
``..._VIEWS-refine-top3.py``), *zoom* (not run by default) as *top3*
with SiamVP's training views zoomed at random (``..._zoom.py``,
``..._VIEWS-zoom.py``), *offgrid* (not run by default) as *zoom* with a
margin threshold of 0.1, the recipe for images off the grid
(``..._offgrid.py``, ``..._VIEWS-offgrid.py``),
*oracle* (not run by default) supervises it from its true camera, the upper
bound of any pseudo-labelling (``..._oracle.py``, ``..._VIEWS-oracle.py``).
Labeled, validation and test images are the same in every run. Prints the
test mIoU per seed, the gain over SoftRas (same seed), its share of the
on-grid gain of SSR before refinement, and the error of the pseudo-label
cameras against the true ones at the end of training (mean absolute
azimuth and elevation in degrees, mean relative distance). Runs are those
of ``synthetic_benchmark.py`` (same work-dir names; finished ones are
reused).
"""
import argparse
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from mmssr.apis.benchmark_runs import (collect, parse_run, report_failures,
                                       run_plan)
from mmssr.cli import add_debug_argument, cli_main

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

VIEWS = ('grid', 'half', 'anywhere')
VIEW_LABELS = dict(
    grid='on the grid', half='within half a grid step', anywhere='anywhere')
METHODS = dict(
    before=('', 'grid snapping'),
    after=('refine', 'refined'),
    top3=('refine-top3', "refined from SiamVP's 3 best views"),
    zoom=('zoom', '3 best views, SiamVP trained on zoomed views'),
    offgrid=('offgrid', '3 best views, zoomed SiamVP views, margin 0.1'),
    oracle=('oracle', 'true cameras (oracle)'))


def run_name(views: str, method: str) -> str:
    """The synthetic_benchmark run of SSR with ``views`` and ``method``:
    ssr_n2, ssr_n2_refine, ssr_n2_half, ssr_n2_half-refine, ..."""
    suffix = '' if views == 'grid' else f'_{views}'
    variant = METHODS[method][0]
    if variant:
        suffix += f'-{variant}' if suffix else f'_{variant}'
    return f'ssr_n2{suffix}'


def work_dir_of(root: str, name: str, seed: int) -> str:
    method, _, setting = name.partition('_')
    return osp.join(root, f'{method}_synthetic_{setting}_seed{seed}')


def miou(run: dict) -> Optional[float]:
    return run['metrics'].get('shapenet/mIoU') if run else None


def camera_error(runs: Dict[int, dict]) -> str:
    """'az / el / dist' of the last logged pseudo-label cameras, mean over
    the seeds, or '–'."""
    keys = ('pseudo_camera_azimuth', 'pseudo_camera_elevation',
            'pseudo_camera_distance')
    found = [[r['scalars'][k] for k in keys] for r in runs.values()
             if r and all(k in r['scalars'] for k in keys)]
    if not found:
        return '–'
    az, el, dist = np.mean(found, 0)
    return f'{az:.1f}° / {el:.1f}° / {100 * dist:.1f} %'


def format_table(results: Dict[str, Dict[int, dict]], views: List[str],
                 methods: List[str], seeds: List[int]) -> str:
    base = {s: miou(results['softras_n2'].get(s)) for s in seeds}
    grid = {s: miou(results[run_name('grid', 'before')].get(s)) for s in seeds}
    grid_gain = {
        s: grid[s] - base[s]
        for s in seeds if grid[s] is not None and base[s] is not None
    }
    seed_names = ' / '.join(str(s) for s in seeds)
    lines = [
        f'SoftRas (labeled objects only), test mIoU seed {seed_names}: ' +
        ' / '.join('–' if base[s] is None else f'{base[s]:.3f}'
                   for s in seeds), '',
        f'| unlabeled views | method | SSR test mIoU (seed {seed_names}) | '
        'mean gain over SoftRas | share of the on-grid gain | pseudo-label '
        'camera error (azimuth / elevation / distance) |',
        '|---|---|---|---|---|---|'
    ]
    for view in views:
        for method in methods:
            runs = results[run_name(view, method)]
            per_seed = {s: miou(runs.get(s)) for s in seeds}
            gains = [
                per_seed[s] - base[s] for s in seeds
                if per_seed[s] is not None and base[s] is not None
            ]
            shares = [(per_seed[s] - base[s]) / grid_gain[s] for s in seeds
                      if per_seed[s] is not None and s in grid_gain]
            label = METHODS[method][1]
            lines.append(
                f'| {VIEW_LABELS[view]} | {label} | ' +
                ' / '.join('–' if per_seed[s] is None else f'{per_seed[s]:.3f}'
                           for s in seeds) + ' | ' +
                (f'{np.mean(gains):+.3f}' if gains else '–') + ' | ' +
                (f'{100 * np.mean(shares):.0f} %' if shares else '–') +
                f' | {camera_error(runs)} |')
    lines += ['', 'per run (train / test minutes):']
    for name, runs in results.items():
        for seed, run in sorted(runs.items()):
            if run and run.get('times'):
                t = run['times']
                lines.append(f'  {name} seed {seed}: {t["train_s"] / 60:.1f}'
                             f' / {t["test_s"] / 60:.1f}' +
                             (f' ({t["threads"]} thread(s))' if t.
                              get('threads') else ''))
    return '\n'.join(lines)


@cli_main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument(
        '--views', nargs='+', choices=VIEWS, default=list(VIEWS))
    parser.add_argument(
        '--methods',
        nargs='+',
        choices=tuple(METHODS),
        default=['before', 'after'])
    parser.add_argument(
        '--work-dir', default='work_dirs/unlabeled_views_benchmark')
    parser.add_argument('--summarize-only', action='store_true')
    parser.add_argument('--retrain', action='store_true')
    parser.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='runs trained at once, each on cpu_count // jobs threads')
    add_debug_argument(parser)
    args = parser.parse_args()
    names = [run_name(v, m) for v in args.views
             for m in args.methods] + ['softras_n2']
    if run_name('grid', 'before') not in names:  # the 100 % of the shares
        names.append(run_name('grid', 'before'))
    configs = {name: parse_run(name, ROOT)[2] for name in names}
    failures = []
    if not args.summarize_only:
        tasks = [(configs[name], work_dir_of(args.work_dir, name,
                                             seed), seed, ())
                 for seed in args.seeds for name in names]
        failures = run_plan(
            [t for t in tasks if args.retrain or not collect(t[1])], ROOT,
            args.jobs)
    results = {
        name: {
            seed: collect(work_dir_of(args.work_dir, name, seed))
            for seed in args.seeds
        }
        for name in names
    }
    print('\n' + format_table(results, args.views, args.methods, args.seeds))
    return report_failures(failures)


if __name__ == '__main__':
    main()
