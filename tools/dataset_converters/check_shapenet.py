"""Check a downloaded SoftRas ShapeNet dataset before a long run.

    python tools/dataset_converters/check_shapenet.py data/shapenet/

Files and categories present, array shapes and dtypes, 24 views, the voxel
frame (each voxel grid against its own silhouettes from the dataset
cameras), the colour convention and object counts per split. Prints one
line per problem and exits with 2 on any; else a table of object counts.
"""
import argparse
import sys

from mmssr.cli import add_debug_argument, cli_main
from mmssr.datasets.dataset_check import (SPLITS, check_shapenet_folder,
                                          format_counts)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check a folder of SoftRas ShapeNet renders')
    parser.add_argument('data_root', help='folder of the npz files')
    parser.add_argument(
        '--categories',
        nargs='+',
        default=None,
        help='names or synsets (default: the 13 of the benchmark)')
    parser.add_argument(
        '--splits', nargs='+', default=list(SPLITS), choices=SPLITS)
    parser.add_argument(
        '--sample',
        type=int,
        default=8,
        help='objects per file whose voxel frame and colours are checked')
    add_debug_argument(parser)
    return parser.parse_args()


@cli_main
def main() -> int:
    args = parse_args()
    report = check_shapenet_folder(args.data_root, args.categories,
                                   args.splits, args.sample)
    for problem in report.problems:
        print(f'error: {problem}', file=sys.stderr)
    print(format_counts(report.counts))
    print(f'colour convention: {report.color_convention}; voxel frame IoU '
          f'against the silhouettes: {report.frame_iou:.3f}')
    if report.problems:
        print(f'{len(report.problems)} problem(s) found', file=sys.stderr)
        return 2
    print('no problem found')
    return 0


if __name__ == '__main__':
    main()
