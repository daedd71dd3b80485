"""SSR's gain against the amount of unlabeled data (the paper's figure).

    python tools/analysis_tools/unlabeled_sweep.py --counts 0 8 15 30 60 120 \
        --seeds 0 [--out resources/unlabeled_sweep.png] [--jobs 2]

Trains and tests SSR at N = 2 (``configs/ssr/ssr_synthetic_n2.py``) with
``count`` unlabeled objects per category, the same iterations and the same
test split; ``count = 0`` is SoftRas on the labeled objects alone
(``configs/softras/softras_synthetic_n2.py``). Counts above the 30 of the
default dataset use a larger synthetic training split generated with the
same families and seed (its val and test objects are the default ones, so
the test split is shared). ``--reference-full`` adds SoftRas with all
viewpoints of the default split as a reference line. Prints a table and
writes a plot; runs already done are reused.
"""
import argparse
import os.path as osp
from typing import Dict, List, Tuple

import numpy as np

from mmssr.apis.benchmark_runs import collect, report_failures, run_plan
from mmssr.cli import add_debug_argument, cli_main

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

SSR = 'configs/ssr/ssr_synthetic_n2.py'
SOFTRAS = 'configs/softras/softras_synthetic_n2.py'
SOFTRAS_FULL = 'configs/softras/softras_synthetic_full.py'


def run_options(count: int,
                data_root: str = 'data/synthetic/',
                num_train: int = 32,
                num_labeled: int = 2) -> List[str]:
    """``--cfg-options`` of a run with ``count`` unlabeled objects.

    ``data_root`` holds ``num_train`` training objects per category; more
    unlabeled objects than it has come from a larger split generated next
    to it (``<data_root>_train<K>``), same seed, same val and test objects.
    """
    if count + num_labeled <= num_train:
        return ([f'train_dataloader.dataset.max_unlabeled={count}']
                if count else [])
    num_train = num_labeled + count
    root = f'{data_root.rstrip("/")}_train{num_train}/'
    return [f'train_dataloader.dataset.max_unlabeled={count}'] + [
        f'{loader}.dataset.{key}'
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader')
        for key in (f'data_root={root}',
                    f'synthetic_cfg.num_train={num_train}')
    ]


def sweep(counts: List[int],
          seeds: List[int],
          work_dir: str,
          extra: List[str],
          reference_full: bool,
          data_root: str = 'data/synthetic/',
          num_train: int = 32,
          jobs: int = 1) -> Tuple[Dict[str, dict], List[str]]:
    """Per run name and seed, the test metrics (``{}`` where missing), and
    the runs that failed."""
    runs = [(f'unlabeled{c}', SOFTRAS if c == 0 else SSR,
             run_options(c, data_root, num_train)) for c in counts]
    if reference_full:
        runs.append(('softras_full', SOFTRAS_FULL, []))
    tasks = [(config, osp.join(work_dir,
                               f'{name}_seed{seed}'), seed, options + extra)
             for name, config, options in runs for seed in seeds]
    failures = run_plan([t for t in tasks if not collect(t[1])], ROOT, jobs)
    return {
        name: {
            seed: collect(osp.join(work_dir, f'{name}_seed{seed}'))
            for seed in seeds
        }
        for name, _, _ in runs
    }, failures


def miou_per_seed(runs: Dict[int, dict]) -> Dict[int, float]:
    """Test mIoU of each seed that has one (failed runs have none)."""
    return {
        seed: run['metrics']['shapenet/mIoU']
        for seed, run in runs.items() if run
    }


def table(results: Dict[str, dict], counts: List[int]) -> str:
    lines = [
        '| unlabeled objects per category | method | test mIoU | '
        'gain over SoftRas | seeds |', '|---|---|---|---|---|'
    ]
    base = miou_per_seed(results.get('unlabeled0', {}))
    for count in counts:
        method = 'SoftRas' if count == 0 else 'SSR'
        per_seed = miou_per_seed(results[f'unlabeled{count}'])
        if not per_seed:
            lines.append(f'| {count} | {method} | – (no run finished) | – | |')
            continue
        gain = [per_seed[s] - base[s] for s in per_seed if s in base]
        lines.append(f'| {count} | {method} | '
                     f'{np.mean(list(per_seed.values())):.3f} | ' +
                     (f'{np.mean(gain):+.3f}' if count and gain else '–') +
                     f' | {", ".join(map(str, sorted(per_seed)))} |')
    full = miou_per_seed(results.get('softras_full', {}))
    if full:
        lines.append(f'| all viewpoints known | SoftRas | '
                     f'{np.mean(list(full.values())):.3f} | – | '
                     f'{", ".join(map(str, sorted(full)))} |')
    return '\n'.join(lines)


def plot(results: Dict[str, dict], counts: List[int], out: str) -> None:
    """The mean over seeds against the count, each seed as a faint dot."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    per_count = {c: miou_per_seed(results[f'unlabeled{c}']) for c in counts}
    done = [c for c in counts if per_count[c]]
    means = [np.mean(list(per_count[c].values())) for c in done]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(done, means, 'o-', label='SSR, N = 2 (mean of seeds)')
    if any(len(per_count[c]) > 1 for c in done):
        ax.plot([c for c in done for _ in per_count[c]],
                [v for c in done for v in per_count[c].values()],
                '.',
                color='C0',
                alpha=0.4,
                label='each seed')
    if per_count.get(0):
        ax.axhline(
            np.mean(list(per_count[0].values())),
            color='gray',
            ls='--',
            label='SoftRas, N = 2')
    full = miou_per_seed(results.get('softras_full', {}))
    if full:
        ax.axhline(
            np.mean(list(full.values())),
            color='k',
            ls=':',
            label='all viewpoints known')
    ax.set_xlabel('unlabeled objects per category')
    ax.set_ylabel('test mIoU')
    ax.legend(loc='center right', bbox_to_anchor=(1.0, 0.35), fontsize='small')
    fig.tight_layout()
    fig.savefig(out, dpi=120)


@cli_main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--counts', type=int, nargs='+', default=[0, 8, 15, 30, 60, 120])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0])
    parser.add_argument('--work-dir', default='work_dirs/unlabeled_sweep')
    parser.add_argument('--reference-full', action='store_true')
    parser.add_argument('--out', help='write the plot (PNG) here')
    parser.add_argument(
        '--data-root',
        default='data/synthetic/',
        help='the dataset of the configs (its size: '
        '--num-train)')
    parser.add_argument(
        '--num-train',
        type=int,
        default=32,
        help='training objects per category in --data-root')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        default=[],
        help='given to every run (e.g. a shorter schedule)')
    parser.add_argument(
        '--jobs',
        type=int,
        default=1,
        help='runs trained at once, each on cpu_count // jobs threads')
    add_debug_argument(parser)
    args = parser.parse_args()
    counts = sorted(set(args.counts))
    results, failures = sweep(
        counts, args.seeds,
        osp.join(ROOT, args.work_dir)
        if not osp.isabs(args.work_dir) else args.work_dir, args.cfg_options,
        args.reference_full, args.data_root, args.num_train, args.jobs)
    print(table(results, counts))
    if args.out:
        plot(results, counts, args.out)
        print(f'plot: {args.out}')
    return report_failures(failures)


if __name__ == '__main__':
    main()
