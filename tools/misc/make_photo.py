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
from typing import Optional

import numpy as np

from mmssr.cli import cli_main
from mmssr.datasets.categories import resolve_categories
from mmssr.datasets.loading import load_true_color_images
from mmssr.errors import UserError
from mmssr.io.image import write_image

BACKGROUND_PATTERNS = ('plain', 'gradient', 'texture')


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


def smooth_noise(rng: np.random.Generator, h: int, w: int,
                 cells: int) -> np.ndarray:
    """(H, W) float32 noise in about [-1, 1], ``cells`` blobs across."""
    import cv2
    grid = rng.uniform(-1, 1, (cells + 1, cells + 1)).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC)


def background_image(
        size=(480, 640),
        colour=(200, 205, 210),
        pattern: str = 'plain',
        rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """(H, W, 3) float32 RGB background without noise."""
    h, w = size
    rng = rng or np.random.default_rng(0)
    colour = np.asarray(colour, np.float32)
    if pattern == 'plain':
        return np.broadcast_to(colour, (h, w, 3)).copy()
    if pattern == 'gradient':
        t = (np.linspace(0, 1, h)[:, None] + np.linspace(0, 1, w)[None]) / 2
        far = colour * np.float32([0.55, 0.45, 0.35])  # darker, warmer
        return (colour + (far - colour) * t[..., None]).astype(np.float32)
    if pattern == 'texture':  # a grained, blotchy surface like wood
        blotches = 50 * smooth_noise(rng, h, w, 6) + \
            20 * smooth_noise(rng, h, w, 24)
        rows = np.arange(h, dtype=np.float32)[:, None]
        bend = 25 * smooth_noise(rng, h, w, 3)
        grain = 25 * np.sin(2 * np.pi * (rows + bend) / 23.0)
        tint = np.stack([smooth_noise(rng, h, w, 4) * a for a in (25, 8, -20)],
                        -1)
        return colour + (blotches + grain)[..., None] + tint
    raise UserError(f'--pattern {pattern}: expected one of '
                    f'{", ".join(BACKGROUND_PATTERNS)}')


def make_photo(view: np.ndarray,
               size=(480, 640),
               scale: float = 0.35,
               centre=(0.4, 0.6),
               background=(200, 205, 210),
               noise: float = 4.0,
               seed: int = 0,
               pattern: str = 'plain',
               with_mask: bool = False):
    """(H, W, 3) uint8 RGB photo of an RGBA view (4, S, S); with
    ``with_mask`` also its true silhouette (H, W) bool (alpha >= 128)."""
    import cv2
    h, w = size
    rng = np.random.default_rng(seed)
    photo = background_image(size, background, pattern, rng)
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
    photo = photo.clip(0, 255).round().astype(np.uint8)
    if not with_mask:
        return photo
    mask = np.zeros((h, w), bool)
    mask[y0:y1, x0:x1] = patch[..., 3] >= 128
    return photo, mask


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
