"""Contact sheet of a ShapeNet-format dataset (real or synthetic).

    python tools/analysis_tools/browse_dataset.py DATA_ROOT --out sheet.png \
        [--split test] [--categories chair car] [--num-objects 3] \
        [--views 0 6 12 18]

Rows are (category, object), columns the chosen views; each row starts with
the category name. Reads the npz files directly.
"""
import argparse
import os.path as osp

import cv2
import numpy as np

from mmssr.datasets import resolve_categories
from mmssr.datasets.loading import load_true_color_images
from mmssr.io.image import write_image
from mmssr.visualization import image_grid, rgba_to_rgb


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root')
    parser.add_argument('--out', required=True, help='output PNG')
    parser.add_argument(
        '--split', default='test', choices=['train', 'val', 'test'])
    parser.add_argument('--categories', nargs='+', default=None)
    parser.add_argument('--num-objects', type=int, default=3)
    parser.add_argument(
        '--views', type=int, nargs='+', default=[0, 3, 6, 9, 12, 18])
    parser.add_argument(
        '--scale', type=int, default=2, help='pixel upscaling of each view')
    return parser.parse_args()


def label_tile(text: str, size: int) -> np.ndarray:
    tile = np.full((size, size * 2, 3), 255, dtype=np.uint8)
    cv2.putText(tile, text, (4, size // 2 + 5), cv2.FONT_HERSHEY_SIMPLEX,
                size / 160, (0, 0, 0), 1, cv2.LINE_AA)
    return tile


def main() -> None:
    args = parse_args()
    rows = []
    for synset, name in resolve_categories(args.categories):
        path = osp.join(args.data_root, f'{synset}_{args.split}_images.npz')
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path} not found')
        images = load_true_color_images(path)
        for obj in range(min(args.num_objects, len(images))):
            views = [rgba_to_rgb(images[obj, v]) for v in args.views]
            views = [
                np.kron(v, np.ones((args.scale, args.scale, 1),
                                   dtype=np.uint8)) for v in views
            ]
            size = views[0].shape[0]
            label = label_tile(f'{name} #{obj}', size)
            rows.append([label[:, :size], label[:, size:]] + views)
    sheet = image_grid(rows)
    write_image(args.out, sheet)  # whole or not at all
    print(f'wrote {args.out}: {len(rows)} objects x {len(args.views)} views')


if __name__ == '__main__':
    main()
