"""Make a photo-like test image from a view of a ShapeNet-format dataset.

    python tools/misc/make_photo.py data/synthetic photo.jpg \\
        [--category chair] [--split test] [--obj 0] [--view 0] \\
        [--size 480 640] [--scale 0.35] [--centre 0.35 0.6] \\
        [--background 200 205 210] [--noise 4] [--seed 0]

The RGBA view is upscaled so that its longer side covers ``--scale`` of the
photo's height, composited with its alpha on a plain background with
Gaussian noise of ``--noise`` grey levels, at ``--centre`` (row, column as
fractions of the photo), and saved without alpha (JPEG or PNG, from the
file name).
"""
import argparse
import os
import os.path as osp

import numpy as np

from mmssr.apis.image_files import write_image
from mmssr.datasets.categories import resolve_categories
from mmssr.datasets.loading import load_images
from mmssr.utils.errors import UserError, cli_main


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
    parser.add_argument('--noise', type=float, default=4.0)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args()


def make_photo(view: np.ndarray,
               size=(480, 640),
               scale: float = 0.35,
               centre=(0.4, 0.6),
               background=(200, 205, 210),
               noise: float = 4.0,
               seed: int = 0) -> np.ndarray:
    """(H, W, 3) uint8 RGB photo of an RGBA view (4, S, S)."""
    import cv2
    h, w = size
    rng = np.random.default_rng(seed)
    photo = np.empty((h, w, 3), np.float32)
    photo[:] = np.asarray(background, np.float32)
    photo += rng.normal(0, noise, photo.shape).astype(np.float32)
    side = max(2, int(round(scale * h)))
    rgba = cv2.resize(
        view.transpose(1, 2, 0), (side, side),
        interpolation=cv2.INTER_LINEAR).astype(np.float32)
    top = int(round(centre[0] * h - side / 2))
    left = int(round(centre[1] * w - side / 2))
    y0, x0 = max(top, 0), max(left, 0)
    y1, x1 = min(top + side, h), min(left + side, w)
    if y1 <= y0 or x1 <= x0:
        raise UserError(f'--centre {centre}: the object falls outside the '
                        f'{w}x{h} photo')
    patch = rgba[y0 - top:y1 - top, x0 - left:x1 - left]
    alpha = patch[..., 3:] / 255.0
    photo[y0:y1,
          x0:x1] = patch[..., :3] * alpha + photo[y0:y1, x0:x1] * (1 - alpha)
    return photo.clip(0, 255).round().astype(np.uint8)


@cli_main
def main() -> int:
    args = parse_args()
    if osp.splitext(args.out)[1].lower() not in ('.jpg', '.jpeg', '.png'):
        raise UserError(f'{args.out}: expected a .jpg, .jpeg or .png file')
    synset = resolve_categories([args.category])[0][0]
    path = osp.join(args.data_root, f'{synset}_{args.split}_images.npz')
    if not osp.isfile(path):
        raise FileNotFoundError(f'images file not found: {path}')
    images = load_images(path)
    if not 0 <= args.obj < len(images):
        raise UserError(f'--obj {args.obj}: {path} has {len(images)} '
                        'objects')
    if not 0 <= args.view < images.shape[1]:
        raise UserError(f'--view {args.view}: expected 0..'
                        f'{images.shape[1] - 1}')
    photo = make_photo(images[args.obj, args.view], args.size, args.scale,
                       args.centre, args.background, args.noise, args.seed)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    write_image(args.out, photo)  # whole or not at all
    print(f'photo: {args.out} ({args.size[1]}x{args.size[0]}, '
          f'{args.category} object {args.obj}, view {args.view})')
    return 0


if __name__ == '__main__':
    main()
