"""Silhouettes of photo-like images: GrabCut against the plain-background
estimate, as IoU with the true mask.

    python tools/analysis_tools/benchmark_foreground.py DATA_ROOT \\
        [--patterns plain gradient texture] [--objects 2] [--split test] \\
        [--size 480 640] [--background 200 205 210] [--threads 1]

For each category of DATA_ROOT (a ShapeNet-format dataset, e.g. one made
by tools/dataset_converters/create_synthetic.py) and its first
``--objects`` objects, one view is composited by tools/misc/make_photo.py
on each background ``--pattern`` at a varying scale and place; the
silhouettes of :func:`mmssr.apis.estimate_silhouette` and
:func:`mmssr.datasets.transforms.foreground.grabcut_silhouette` are
compared with the view's alpha (>= 128). Prints, per pattern and method,
the mean, median and minimum IoU (an empty or failed silhouette counts
as 0) and the mean milliseconds per photo.
"""
import argparse
import glob
import os.path as osp
import time

import numpy as np

from mmssr.cli import cli_main
from mmssr.datasets.synthetic.photos import BACKGROUND_PATTERNS, make_photo
from mmssr.errors import UserError


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', help='folder of *_images.npz files')
    parser.add_argument(
        '--patterns',
        nargs='+',
        default=list(BACKGROUND_PATTERNS),
        choices=BACKGROUND_PATTERNS)
    parser.add_argument('--objects', type=int, default=2)
    parser.add_argument('--split', default='test')
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=[480, 640],
        metavar=('HEIGHT', 'WIDTH'))
    parser.add_argument(
        '--background',
        type=int,
        nargs=3,
        default=[200, 205, 210],
        metavar=('R', 'G', 'B'))
    parser.add_argument('--threads', type=int, default=1)
    return parser.parse_args()


def iou(a: np.ndarray, b: np.ndarray) -> float:
    union = (a | b).sum()
    return float((a & b).sum() / union) if union else 1.0


def photos(data_root: str, split: str, objects: int, pattern: str, size,
           background):
    """(photo, true mask) pairs: varied scale, place and view."""
    from mmssr.datasets.loading import load_true_color_images
    files = sorted(glob.glob(osp.join(data_root, f'*_{split}_images.npz')))
    if not files:
        raise UserError(f'{data_root}: no *_{split}_images.npz file')
    k = 0
    for path in files:
        images = load_true_color_images(path)
        for obj in range(min(objects, len(images))):
            view = images[obj, (5 * k) % images.shape[1]]
            yield make_photo(
                view,
                size,
                0.3 + 0.1 * (k % 3),
                (0.45 + 0.05 * (k % 2), 0.4 + 0.1 * (k % 3)),
                background,
                4.0,
                k,
                pattern,
                with_mask=True)
            k += 1


@cli_main
def main() -> int:
    args = parse_args()
    import cv2
    cv2.setNumThreads(args.threads)
    from mmssr.apis import estimate_silhouette
    from mmssr.datasets.transforms.foreground import grabcut_silhouette
    methods = {'estimate': estimate_silhouette, 'grabcut': grabcut_silhouette}
    print(f'{args.size[1]}x{args.size[0]} photos of {args.data_root} '
          f'({args.split}, {args.objects} object(s) per category), '
          f'{args.threads} OpenCV thread(s)')
    print('| background | method | photos | mean IoU | median | min '
          '| ms/photo |')
    print('| --- | --- | ---: | ---: | ---: | ---: | ---: |')
    for pattern in args.patterns:
        scores = {m: [] for m in methods}
        seconds = {m: 0.0 for m in methods}
        for photo, truth in photos(args.data_root, args.split, args.objects,
                                   pattern, args.size, args.background):
            for name, method in methods.items():
                start = time.perf_counter()
                mask = method(photo)
                seconds[name] += time.perf_counter() - start
                scores[name].append(iou(mask, truth))
        for name in methods:
            s = np.asarray(scores[name])
            print(f'| {pattern} | {name} | {len(s)} | {s.mean():.3f} | '
                  f'{np.median(s):.3f} | {s.min():.3f} | '
                  f'{1000 * seconds[name] / len(s):.0f} |')
    return 0


if __name__ == '__main__':
    main()
