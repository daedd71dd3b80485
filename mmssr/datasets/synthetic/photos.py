"""Photo-like test images made from dataset views.

A view is scaled, composited with its alpha on a plain, gradient or
textured background with noise, at a chosen place: the inputs of the
silhouette and framing benchmarks and tests, with the true silhouette
known (``tools/misc/make_photo.py`` is the command line).
"""
from typing import Optional

import numpy as np

from mmssr.errors import UserError

BACKGROUND_PATTERNS = ('plain', 'gradient', 'texture')


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
    raise UserError(f'pattern {pattern!r}: expected one of '
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
        raise UserError(f'centre {centre}: the object falls outside the '
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
