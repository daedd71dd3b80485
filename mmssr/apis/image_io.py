"""Photos of any kind -> RGBA model inputs framed like the training renders.

An input image may be RGBA, RGB, grayscale (with or without alpha), 8- or
16-bit, PNG, JPEG, BMP, TIFF or WebP, up to ``max_pixels`` pixels (see
:mod:`.image_files`: checked from the header, EXIF orientation applied,
truncated files refused). An image whose longer side exceeds
:data:`MAX_WORKING_SIDE` is first shrunk to it with uint8 area averaging,
so no full-size float copy of a large photo is made. Its silhouette comes
from (``background=``):

- ``'alpha'``: the alpha channel;
- ``'mask'``: a mask image of the same size (non-zero = object);
- ``'grabcut'``: :func:`mmssr.apis.foreground.grabcut_silhouette` (for
  textured or gradient backgrounds);
- ``'auto'``: the mask if one is given, else the alpha channel if it is not
  fully opaque, else :func:`estimate_silhouette` (a plain background).

The object is then cropped to its silhouette's bounding box, centred and
padded square so that the longer side of the box covers
:data:`FRAMING_RATIO` of the square (the mean framing of the training
renders), and resized with area interpolation to the model's input size.
Pixels outside the silhouette become transparent black, as in the renders.
"""
import os.path as osp
from dataclasses import dataclass
from typing import Optional, Tuple, Union

import numpy as np

from mmssr.utils.errors import DataError, UserError
from .image_files import check_pixel_count, decode_image

# Mean over the 3744 val + test views of the synthetic dataset (data/
# synthetic, 64x64, 13 categories) of (longer side of the silhouette's
# bounding box) / (image side): 0.654 (median 0.672, std 0.108; height alone
# 0.572, width alone 0.497). Measured with ``measure_framing``.
FRAMING_RATIO = 0.65

BACKGROUND_MODES = ('auto', 'alpha', 'mask', 'grabcut')
# Longer side of the image the silhouette and the framing are computed on:
# the model sees 64x64 and vertex colours sample the framed crop, so more
# pixels only cost memory.
MAX_WORKING_SIDE = 2048
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


def to_uint8(image: np.ndarray, where: str) -> np.ndarray:
    """8-bit copy of a uint8 / uint16 / float ([0, 1]) image."""
    if image.dtype == np.uint8:
        return image
    if image.dtype == np.uint16:
        # round(x / 257) in 16-bit integers (no float copy of a large image)
        return ((image - (image >> 8) + 128) >> 8).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        return (np.clip(image, 0, 1) * 255).round().astype(np.uint8)
    raise DataError(f'{where}: unsupported pixel type {image.dtype} '
                    '(expected 8- or 16-bit integers or floats in [0, 1])')


def read_image(path: str, max_pixels: Optional[int] = None) -> np.ndarray:
    """An image file as (H, W, 3) RGB or (H, W, 4) RGBA uint8, upright.

    Raises :class:`DataError` naming the file when it is not an image, has
    more than ``max_pixels`` pixels (default
    :data:`~.image_files.DEFAULT_MAX_PIXELS`) or is truncated or corrupt.
    """
    image = to_uint8(decode_image(path, max_pixels), path)
    if image.ndim == 2 or image.shape[2] == 1:
        gray = image.reshape(image.shape[:2])
        return np.dstack([gray, gray, gray])
    if image.shape[2] == 2:  # gray + alpha
        gray, alpha = image[..., 0], image[..., 1]
        return np.dstack([gray, gray, gray, alpha])
    if image.shape[2] in (3, 4):
        return np.ascontiguousarray(image)
    raise DataError(f'{path}: expected 1 to 4 channels, got '
                    f'{image.shape[2]}')


def array_to_image(array: np.ndarray,
                   where: str,
                   max_pixels: Optional[int] = None) -> np.ndarray:
    """An array (H, W), (H, W, 1|3|4) or channel-first (1|3|4, H, W), RGB(A)
    order, as (H, W, 3|4) uint8; empty or too large arrays are refused."""
    image = np.asarray(array)
    if image.ndim == 3 and image.shape[0] in (1, 3, 4) and \
            image.shape[-1] not in (1, 3, 4):
        image = image.transpose(1, 2, 0)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        image = np.dstack([image] * 3)
    if image.ndim != 3 or image.shape[-1] not in (3, 4):
        raise DataError(f'{where}: expected an image array (H, W), '
                        f'(H, W, 3|4) or (3|4, H, W), got {image.shape}')
    check_pixel_count(image.shape[1], image.shape[0], where, max_pixels)
    return np.ascontiguousarray(to_uint8(image, where))


def read_mask(path: str, max_pixels: Optional[int] = None) -> np.ndarray:
    """A mask file as (H, W) bool: non-zero (any channel; the alpha channel
    when there is one) is the object."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'mask not found: {path}')
    mask = decode_image(path, max_pixels)
    if mask.ndim == 3:
        mask = mask[..., -1] if mask.shape[2] in (2, 4) else mask.max(axis=2)
    return mask > 0


def shrink_to_working_size(image: np.ndarray, mask: Optional[np.ndarray],
                           side: int = MAX_WORKING_SIDE):
    """``(image, mask, scale)``: a uint8 image (and its bool mask) shrunk
    so that the longer side is at most ``side``, by area averaging in
    OpenCV's uint8 arithmetic (nearest neighbour for the mask)."""
    import cv2
    h, w = image.shape[:2]
    if max(h, w) <= side:
        return image, mask, 1.0
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if mask is not None:
        mask = cv2.resize(
            mask.astype(np.uint8), size,
            interpolation=cv2.INTER_NEAREST).astype(bool)
    return image, mask, scale


def estimate_silhouette(rgb: np.ndarray,
                        threshold: Optional[float] = None,
                        border: Optional[int] = None) -> np.ndarray:
    """Object mask (H, W) bool of an object on a plain background.

    The background colour is the per-channel median of the image border
    (a frame of ``border`` pixels, default 2 % of the shorter side, at least
    1). A pixel is foreground when its Euclidean RGB distance to that colour
    exceeds ``threshold`` (default: the larger of 30 and twice the 95th
    percentile of the border's own distances, which adapts to noise or JPEG
    artefacts). The mask is opened with a 3x3 kernel against speckles; the
    largest connected component is kept and its holes are filled.

    Fails (wrong or empty masks) on textured or gradient backgrounds,
    strong shadows (they become part of the object), objects that touch or
    cross the image border (the median colour is then partly the object's)
    and objects of nearly the background colour (parts of them vanish).
    """
    import cv2
    full = np.asarray(rgb)
    if max(full.shape[:2]) > MAX_WORKING_SIDE:  # no full-size float copy
        small = shrink_to_working_size(
            np.ascontiguousarray(to_uint8(full[..., :3], '<image>')),
            None)[0]
        mask = estimate_silhouette(small, threshold, border).astype(np.uint8)
        return cv2.resize(
            mask, (full.shape[1], full.shape[0]),
            interpolation=cv2.INTER_NEAREST).astype(bool)
    rgb = full.astype(np.float32)[..., :3]
    h, w = rgb.shape[:2]
    b = border or max(1, int(round(0.02 * min(h, w))))
    frame = np.concatenate([
        rgb[:b].reshape(-1, 3), rgb[-b:].reshape(-1, 3),
        rgb[:, :b].reshape(-1, 3), rgb[:, -b:].reshape(-1, 3)
    ])
    background = np.median(frame, axis=0)
    if threshold is None:
        noise = np.percentile(np.linalg.norm(frame - background, axis=1), 95)
        threshold = max(30.0, 2.0 * float(noise))
    distance = np.linalg.norm(rgb - background, axis=2)
    mask = (distance > threshold).astype(np.uint8)
    if min(h, w) >= 16:
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3),
                                                              np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, 8)
    if count <= 1:
        return np.zeros((h, w), bool)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return fill_holes(labels == largest)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` with every region not connected to the border filled."""
    import cv2
    h, w = mask.shape
    padded = np.zeros((h + 2, w + 2), np.uint8)
    padded[1:-1, 1:-1] = mask
    flood = padded.copy()
    cv2.floodFill(flood, np.zeros((h + 4, w + 4), np.uint8), (0, 0), 1)
    holes = flood[1:-1, 1:-1] == 0
    return mask | holes


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
