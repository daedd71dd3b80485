"""Train and test SoftRas and SSR on the synthetic benchmark, side by side.

    python tools/analysis_tools/synthetic_benchmark.py [--seeds 0 1] \
        [--num-labeled 2] [--methods softras ssr] [--work-dir DIR] \
        [--summarize-only]

For each method and seed: ``tools/train.py configs/<m>/<m>_synthetic_n<N>.py``
with ``randomness.seed=<seed>``, then ``tools/test.py`` on the last
checkpoint with ``--out metrics.json``. Prints a per-category voxel-IoU table
like the paper's Table 2 (mean over seeds), the SSR pseudo-label coverage and
accuracy at the end of training, and the wall time of every run.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time

import numpy as np

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, ROOT)
from mmssr.datasets.categories import SHAPENET_CATEGORIES  # noqa: E402


def run(cmd, log):
    start = time.time()
    with open(log, 'w') as f:
        code = subprocess.call(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    if code:
        raise RuntimeError(f'{" ".join(cmd)} failed, see {log}')
    return time.time() - start


def last_scalars(work_dir: str) -> dict:
    """The last logged training values (vis_data/scalars.json)."""
    found = {}
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            for line in f:
                found.update(json.loads(line))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    parser.add_argument('--num-labeled', default='2',
                        help="2, 5 or 'full' (softras only)")
    parser.add_argument('--methods', nargs='+', default=['softras', 'ssr'])
    parser.add_argument('--work-dir', default='work_dirs/synthetic_benchmark')
    parser.add_argument('--summarize-only', action='store_true')
    args = parser.parse_args()
    suffix = ('full' if args.num_labeled == 'full' else
              f'n{args.num_labeled}')
    rows = {}
    for method in args.methods:
        config = f'configs/{method}/{method}_synthetic_{suffix}.py'
        for seed in args.seeds:
            name = f'{method}_synthetic_{suffix}_seed{seed}'
            work = osp.join(args.work_dir, name)
            metrics_file = osp.join(work, 'test_metrics.json')
            times_file = osp.join(work, 'wall_time.json')
            if not args.summarize_only:
                os.makedirs(work, exist_ok=True)
                t_train = run([sys.executable, 'tools/train.py', config,
                               '--work-dir', work, '--cfg-options',
                               f'randomness.seed={seed}'],
                              osp.join(work, 'train.log'))
                ckpt = open(osp.join(work, 'last_checkpoint')).read().strip()
                t_test = run([sys.executable, 'tools/test.py', config, ckpt,
                              '--work-dir', osp.join(work, 'test'), '--out',
                              metrics_file], osp.join(work, 'test.log'))
                with open(times_file, 'w') as f:
                    json.dump(dict(train_s=t_train, test_s=t_test), f)
            if not osp.isfile(metrics_file):
                print(f'missing {metrics_file}; skipped')
                continue
            metrics = json.load(open(metrics_file))
            times = json.load(open(times_file)) if osp.isfile(
                times_file) else {}
            scalars = last_scalars(work)
            rows.setdefault(method, []).append(
                (seed, metrics, times, scalars))

    names = list(SHAPENET_CATEGORIES.values())
    short = [n[:7] for n in names]
    print(f'\nvoxel IoU on the synthetic test split, N = {args.num_labeled},'
          f' mean over seeds {args.seeds}')
    print('| method | ' + ' | '.join(short) + ' | mean |')
    print('|---' * (len(names) + 2) + '|')
    for method, runs in rows.items():
        cells = []
        for n in names:
            vals = [m.get(f'shapenet/iou/{n}') for _, m, _, _ in runs]
            vals = [v for v in vals if v is not None]
            cells.append(f'{np.mean(vals):.3f}' if vals else '-')
        means = [m['shapenet/mIoU'] for _, m, _, _ in runs]
        spread = f' ± {np.std(means):.3f}' if len(means) > 1 else ''
        print(f'| {method} | ' + ' | '.join(cells) +
              f' | {np.mean(means):.3f}{spread} |')
    print('\nper run:')
    for method, runs in rows.items():
        for seed, metrics, times, scalars in runs:
            extra = ''
            if 'pseudo_coverage' in scalars:
                extra = (f', pseudo-label coverage '
                         f'{scalars["pseudo_coverage"]:.3f}, accuracy '
                         f'{scalars["pseudo_accuracy"]:.3f}')
            timing = (f', train {times["train_s"] / 60:.1f} min, test '
                      f'{times["test_s"] / 60:.1f} min' if times else '')
            print(f'  {method} seed {seed}: mIoU '
                  f'{metrics["shapenet/mIoU"]:.3f}{timing}{extra}')


if __name__ == '__main__':
    main()
