"""Photos of any kind -> RGBA model inputs framed like the training renders.

An input image may be RGBA, RGB, grayscale (with or without alpha), 8- or
16-bit, PNG, JPEG, BMP, TIFF or WebP, up to ``max_pixels`` pixels (see
:mod:`mmssr.io.image`: checked from the header, EXIF orientation applied,
truncated files refused). An image whose longer side exceeds
:data:`MAX_WORKING_SIDE` is first shrunk to it with uint8 area averaging,
so no full-size float copy of a large photo is made. Its silhouette comes
from (``background=``):

- ``'alpha'``: the alpha channel;
- ``'mask'``: a mask image of the same size (non-zero = object);
- ``'grabcut'``: :func:`.foreground.grabcut_silhouette` (for textured or
  gradient backgrounds);
- ``'auto'``: the mask if one is given, else the alpha channel if it is not
  fully opaque, else :func:`estimate_silhouette` (a plain background).

The object is then cropped to its silhouette's bounding box, centred and
padded square so that the longer side of the box covers
:data:`FRAMING_RATIO` of the square (the mean framing of the training
renders), and resized with area interpolation to the model's input size.
Pixels outside the silhouette become transparent black, as in the renders.
"""
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np

from mmssr.errors import DataError, UserError
from mmssr.io.image import (array_to_image, read_image, read_mask,
                            shrink_to_working_size)
from .foreground import estimate_silhouette

# Mean over the 3744 val + test views of the synthetic dataset (data/
# synthetic, 64x64, 13 categories) of (longer side of the silhouette's
# bounding box) / (image side): 0.654 (median 0.672, std 0.108; height alone
# 0.572, width alone 0.497). Measured with ``measure_framing``.
FRAMING_RATIO = 0.65

BACKGROUND_MODES = ('auto', 'alpha', 'mask', 'grabcut')
IMAGE_EXTENSIONS = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp')


@dataclass
class PreparedImage:
    """One input, ready for the model.

    Attributes:
        inputs: (4, S, S) uint8 RGBA at the model's input size.
        framed: (4, N, N) uint8 RGBA, the same framing at the crop's own
            resolution (for sampling vertex colours).
        mask: (H, W) bool silhouette in the original image.
        bbox: (x0, y0, x1, y1) of the silhouette in the original image
            (exclusive ends).
        source: the file name, or ``'<array i>'``.
        silhouette_from: ``'alpha'``, ``'mask'``, ``'estimated'``,
            ``'grabcut'`` or ``'as-is'`` (an RGBA render of the model's
            size, used unchanged).
        scale: size of the processed image over the original's (1.0, or
            less when the image was shrunk to :data:`MAX_WORKING_SIDE`);
            ``mask`` and ``bbox`` are in the processed image.
    """

    inputs: np.ndarray
    framed: np.ndarray
    mask: np.ndarray
    bbox: Tuple[int, int, int, int]
    source: str
    silhouette_from: str
    scale: float = 1.0


def bounding_box(mask: np.ndarray) -> Tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the true pixels, exclusive ends."""
    rows = np.flatnonzero(mask.any(1))
    cols = np.flatnonzero(mask.any(0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def frame_object(rgba: np.ndarray,
                 bbox: Tuple[int, int, int, int],
                 ratio: float = FRAMING_RATIO) -> np.ndarray:
    """Square (N, N, 4) crop with ``bbox`` centred, its longer side
    ``ratio`` of N; outside the image is transparent black."""
    x0, y0, x1, y1 = bbox
    side = max(x1 - x0, y1 - y0)
    size = max(1, int(np.ceil(side / ratio)))
    # top-left of the square in image coordinates, box centre at its centre
    left = int(np.floor((x0 + x1) / 2 - size / 2))
    top = int(np.floor((y0 + y1) / 2 - size / 2))
    out = np.zeros((size, size, 4), np.uint8)
    h, w = rgba.shape[:2]
    sx0, sy0 = max(left, 0), max(top, 0)
    sx1, sy1 = min(left + size, w), min(top + size, h)
    out[sy0 - top:sy1 - top, sx0 - left:sx1 - left] = rgba[sy0:sy1, sx0:sx1]
    return out


def check_framing_ratio(ratio: float) -> None:
    """Refuse a framing ratio outside (0, 1]."""
    if not 0 < ratio <= 1:
        raise UserError(f'--framing-ratio {ratio}: expected a fraction of '
                        'the image side in (0, 1]')


def resize_area(image: np.ndarray, size: int) -> np.ndarray:
    """(N, N, C) -> (size, size, C): area mean to shrink, linear to grow."""
    import cv2
    if image.shape[0] == size:
        return image
    interp = cv2.INTER_AREA if image.shape[0] > size else cv2.INTER_LINEAR
    return cv2.resize(image, (size, size), interpolation=interp)


def prepare_image(source: Union[str, np.ndarray],
                  image_size: int,
                  mask: Union[str, np.ndarray, None] = None,
                  background: str = 'auto',
                  ratio: float = FRAMING_RATIO,
                  name: Optional[str] = None,
                  max_pixels: Optional[int] = None) -> PreparedImage:
    """Read an image (file or array), find the object, frame it.

    An RGBA image of exactly ``image_size`` pixels whose alpha is not
    fully opaque is taken as a render in the training framing and used
    unchanged (``background`` 'auto' or 'alpha', no mask). Raises
    :class:`DataError` naming the image when it cannot be read (see
    :func:`read_image`; ``max_pixels`` applies to files and arrays), when
    no object is found, or when a mask's size differs from the image's.
    """
    if background not in BACKGROUND_MODES:
        raise UserError(f'--background {background}: expected one of '
                        f'{", ".join(BACKGROUND_MODES)}')
    check_framing_ratio(ratio)
    if isinstance(source, str):
        where = source
        image = read_image(source, max_pixels)
    else:
        where = name or '<array>'
        image = array_to_image(source, where, max_pixels)
    h, w = image.shape[:2]
    has_alpha = image.shape[2] == 4 and (image[..., 3] < 255).any()
    given = None
    if mask is not None:
        mask_where = mask if isinstance(mask, str) else '<mask array>'
        given = read_mask(mask, max_pixels) if isinstance(mask, str) else \
            np.asarray(mask).astype(bool)
        if given.shape != (h, w):
            raise DataError(
                f'{mask_where}: the mask is {given.shape[1]}x'
                f'{given.shape[0]} pixels but the image {where} is '
                f'{w}x{h}; they must be the same size')
    image, given, scale = shrink_to_working_size(image, given)
    if given is not None:
        silhouette, origin = given, 'mask'
    elif background == 'mask':
        raise UserError('--background mask needs --mask FILE')
    elif background == 'grabcut':
        from .foreground import grabcut_silhouette
        silhouette = grabcut_silhouette(image)
        origin = 'grabcut'
    elif background == 'alpha' or has_alpha:
        if image.shape[2] != 4:
            raise DataError(f'{where}: --background alpha needs an image '
                            'with an alpha channel (RGBA), got none')
        silhouette = image[..., 3] > 0
        origin = 'alpha'
    else:
        silhouette = estimate_silhouette(image)
        origin = 'estimated'
    if not silhouette.any() or silhouette.all():
        how = {
            'alpha': 'the alpha channel (the silhouette) is '
            f'{"empty" if not silhouette.any() else "fully opaque"}',
            'mask': 'the mask is '
            f'{"empty" if not silhouette.any() else "all object"}',
            'estimated': 'no object stands out from a plain background',
            'grabcut': 'GrabCut found no object inside the image border'
        }
        raise DataError(f'{where}: no separable object found: '
                        f'{how[origin]}')
    bbox = bounding_box(silhouette)
    if origin == 'alpha':
        rgba = image.copy()
    else:
        rgba = np.dstack([image[..., :3], silhouette.astype(np.uint8) * 255])
    rgba[..., :3][~silhouette] = 0
    if origin == 'alpha' and (h, w) == (image_size, image_size):
        framed, origin = rgba, 'as-is'
    else:
        framed = frame_object(rgba, bbox, ratio)
    inputs = resize_area(framed, image_size)
    return PreparedImage(
        inputs=np.ascontiguousarray(inputs.transpose(2, 0, 1)),
        framed=np.ascontiguousarray(framed.transpose(2, 0, 1)),
        mask=silhouette,
        bbox=bbox,
        source=where,
        silhouette_from=origin,
        scale=scale)


def measure_framing(images: np.ndarray) -> float:
    """Mean (longer bounding-box side of the alpha) / (image side) over
    views (..., 4, S, S) with a non-empty silhouette."""
    alpha = np.asarray(images)[..., 3, :, :].reshape(-1,
                                                     *images.shape[-2:]) > 0
    size = alpha.shape[-1]
    ratios = []
    for a in alpha:
        if a.any():
            x0, y0, x1, y1 = bounding_box(a)
            ratios.append(max(x1 - x0, y1 - y0) / size)
    return float(np.mean(ratios))
