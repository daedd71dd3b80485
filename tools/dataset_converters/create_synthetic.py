"""Generate the synthetic ShapeNet-like dataset in the SoftRas file format.

    python tools/dataset_converters/create_synthetic.py --out data/synthetic \
        [--categories airplane chair ...] [--num-train 32 --num-val 4 \
        --num-test 8] [--seed 0] [--image-size 64] \
        [--unlabeled-views grid|half|anywhere] [--force]

Writes {synset}_{split}_images.npz (uint8 (N, 24, 4, S, S)) and
{synset}_{split}_voxels.npz ((N, 32, 32, 32) 0/1) for train/val/test, plus
synthetic_meta.json (last) with the settings and the files' sha256;
with --unlabeled-views half or anywhere also {synset}_train_views.npz,
every training object seen from 24 cameras off the grid
(docs/user_guides/unlabeled_views.md). The
dataset is written whole or not at all: into OUT.tmp-<pid>, then renamed to
OUT; concurrent runs on one OUT wait for each other (lock file OUT.lock).
A dataset already in OUT with the same settings is left as it is ("up to
date"); one with other settings is replaced only with --force.
"""
import argparse
import time

from mmssr.cli import add_debug_argument, cli_main
from mmssr.datasets.synthetic.generator import ensure_synthetic_dataset


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--categories',
        nargs='+',
        default=None,
        help='names or synsets (default: all 13)')
    parser.add_argument('--num-train', type=int, default=32)
    parser.add_argument('--num-val', type=int, default=4)
    parser.add_argument('--num-test', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument(
        '--random-orientation',
        action='store_true',
        help='turn every object about the up axis by a '
        'random angle (no canonical orientation)')
    parser.add_argument(
        '--unlabeled-views',
        default='grid',
        choices=['grid', 'half', 'anywhere'],
        help='also render the training objects off the grid, for the '
        'unlabeled split')
    parser.add_argument(
        '--force',
        action='store_true',
        help='regenerate even if OUT is up to date, and '
        'replace a dataset made with other settings')
    parser.add_argument('--no-progress', action='store_true')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    start = time.time()
    state = ensure_synthetic_dataset(
        args.out,
        args.categories,
        force=args.force,
        replace_other=False,
        progress=not args.no_progress,
        info=print,
        warn=lambda msg: print(f'warning: {msg}'),
        num_train=args.num_train,
        num_val=args.num_val,
        num_test=args.num_test,
        seed=args.seed,
        image_size=args.image_size,
        random_orientation=args.random_orientation,
        unlabeled_views=args.unlabeled_views)
    if state.status == 'ok' and not args.force:
        print(f'{args.out}: up to date, nothing to do')
    else:
        print(f'wrote {args.out} in {time.time() - start:.1f} s')
    return 0


if __name__ == '__main__':
    main()
