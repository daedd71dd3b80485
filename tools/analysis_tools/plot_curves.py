"""Plot training curves from mmengine logs (vis_data/scalars.json).

    python tools/analysis_tools/plot_curves.py WORK_DIR [WORK_DIR ...] \
        --labels softras ssr --out curves.png

Panels: validation mIoU against iterations for every run, and, for runs
that log them (SSR), pseudo-label coverage and accuracy against iterations.
"""
import argparse
import glob
import json
import os.path as osp

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402


def read_scalars(work_dir: str):
    train, val = [], []
    files = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(f'no */vis_data/scalars.json in {work_dir}')
    last_step = 0
    for path in files:
        with open(path) as f:
            for line in f:
                entry = json.loads(line)
                if any(k.startswith('shapenet/') for k in entry):
                    # logs written with LoggerHook(log_metric_by_epoch=True)
                    # give validations step 0: use the iteration before it
                    if not entry.get('step'):
                        entry['step'] = last_step
                    val.append(entry)
                else:
                    last_step = entry.get('step', last_step)
                    train.append(entry)
    return train, val


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dirs', nargs='+')
    parser.add_argument('--labels', nargs='+')
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    labels = args.labels or [
        osp.basename(w.rstrip('/')) for w in args.work_dirs
    ]
    fig, (ax_iou, ax_pl) = plt.subplots(1, 2, figsize=(11, 4))
    for i, (work_dir, label) in enumerate(zip(args.work_dirs, labels)):
        # one colour per run in both panels
        color = f'C{i}'
        train, val = read_scalars(work_dir)
        if val:
            ax_iou.plot([v['step'] for v in val],
                        [v['shapenet/mIoU'] for v in val],
                        'o-',
                        color=color,
                        label=label)
        logged = [t for t in train if 'pseudo_coverage' in t]
        if logged:
            steps = [t['step'] for t in logged]
            ax_pl.plot(
                steps, [t['pseudo_coverage'] for t in logged],
                color=color,
                label=f'{label} coverage')
            ax_pl.plot(
                steps, [t['pseudo_accuracy'] for t in logged],
                '--',
                color=color,
                label=f'{label} accuracy')
    ax_iou.set(xlabel='iteration', ylabel='validation mIoU', title='voxel IoU')
    ax_pl.set(
        xlabel='iteration',
        ylabel='fraction',
        title='pseudo-labels (unlabeled views)',
        ylim=(0, 1))
    for ax in (ax_iou, ax_pl):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.out, dpi=110)
    print(f'wrote {args.out}')


if __name__ == '__main__':
    main()
