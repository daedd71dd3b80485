"""Make a photo-like test image from a view of a ShapeNet-format dataset.

    python tools/misc/make_photo.py data/synthetic photo.jpg \\
        [--category chair] [--split test] [--obj 0] [--view 0] \\
        [--size 480 640] [--scale 0.35] [--centre 0.35 0.6] \\
        [--background 200 205 210] [--pattern plain|gradient|texture] \\
        [--noise 4] [--seed 0] [--mask-out mask.png]

The RGBA view is upscaled so that its longer side covers ``--scale`` of the
photo's height, composited with its alpha on a background with Gaussian
noise of ``--noise`` grey levels, at ``--centre`` (row, column as
fractions of the photo), and saved without alpha (JPEG or PNG, from the
file name). The background is ``--pattern``: ``plain`` (the colour
``--background``), ``gradient`` (from that colour at the top left to a
darker, warmer one at the bottom right) or ``texture`` (that colour
modulated by blotches and wood-like stripes). ``--mask-out`` writes the
object's true silhouette (alpha >= 128) as a 0/255 PNG.
"""
import argparse
import os
import os.path as osp

import numpy as np

from mmssr.cli import cli_main
from mmssr.datasets.categories import resolve_categories
from mmssr.datasets.loading import load_true_color_images
from mmssr.datasets.synthetic.photos import BACKGROUND_PATTERNS, make_photo
from mmssr.errors import UserError
from mmssr.io.image import write_image


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('data_root', help='folder of *_images.npz files')
    parser.add_argument('out', help='output image (.jpg, .jpeg or .png)')
    parser.add_argument('--category', default='chair')
    parser.add_argument('--split', default='test')
    parser.add_argument('--obj', type=int, default=0)
    parser.add_argument('--view', type=int, default=0)
    parser.add_argument(
        '--size',
        type=int,
        nargs=2,
        default=[480, 640],
        metavar=('HEIGHT', 'WIDTH'))
    parser.add_argument('--scale', type=float, default=0.35)
    parser.add_argument(
        '--centre',
        type=float,
        nargs=2,
        default=[0.4, 0.6],
        metavar=('ROW', 'COL'))
    parser.add_argument(
        '--background',
        type=int,
        nargs=3,
        default=[200, 205, 210],
        metavar=('R', 'G', 'B'))
    parser.add_argument(
        '--pattern', choices=BACKGROUND_PATTERNS, default='plain')
    parser.add_argument('--noise', type=float, default=4.0)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--mask-out', help='also write the true silhouette here (PNG)')
    return parser.parse_args()


@cli_main
def main() -> int:
    args = parse_args()
    if osp.splitext(args.out)[1].lower() not in ('.jpg', '.jpeg', '.png'):
        raise UserError(f'{args.out}: expected a .jpg, .jpeg or .png file')
    synset = resolve_categories([args.category])[0][0]
    path = osp.join(args.data_root, f'{synset}_{args.split}_images.npz')
    if not osp.isfile(path):
        raise FileNotFoundError(f'images file not found: {path}')
    images = load_true_color_images(path)
    if not 0 <= args.obj < len(images):
        raise UserError(f'--obj {args.obj}: {path} has {len(images)} '
                        'objects')
    if not 0 <= args.view < images.shape[1]:
        raise UserError(f'--view {args.view}: expected 0..'
                        f'{images.shape[1] - 1}')
    photo, mask = make_photo(images[args.obj, args.view], args.size,
                             args.scale, args.centre, args.background,
                             args.noise, args.seed, args.pattern, True)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    write_image(args.out, photo)  # whole or not at all
    if args.mask_out:
        write_image(args.mask_out, mask.astype(np.uint8) * 255)
    print(f'photo: {args.out} ({args.size[1]}x{args.size[0]}, '
          f'{args.category} object {args.obj}, view {args.view})')
    return 0


if __name__ == '__main__':
    main()
