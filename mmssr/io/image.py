"""Image files in and out, checked: size from the header, whole decodes,
EXIF orientation, verified writes.

Decoder: **Pillow** (already installed with matplotlib and mmcv; a declared
dependency of mmssr). ``Image.open`` reads only the header, so the pixel
count is known before any pixel is decoded; its decoders raise on a
truncated or corrupt file (``ImageFile.LOAD_TRUNCATED_IMAGES`` is False by
default), where OpenCV's ``imread`` fills the missing part with grey and
returns an image; and the EXIF orientation tag is applied with
``ImageOps.exif_transpose``. A hand-written PNG/JPEG header parser would
cover fewer formats and be one more thing to keep.

Limits: an image of more than ``max_pixels`` pixels (default
:data:`DEFAULT_MAX_PIXELS`) is refused before decoding; a decoded image
costs up to 4 bytes per pixel (8 for 16-bit images).
"""
import os.path as osp
import threading
import warnings
from typing import Optional

import numpy as np

from mmssr.errors import DataError
from mmssr.utils.fileio import write_bytes_atomic

# 100 megapixels: more than any phone or camera photo at its default
# resolution (12-50 MP); a 100 MP RGBA image decodes to 400 MB.
DEFAULT_MAX_PIXELS = 100_000_000
# Longer side of the image the silhouette and the framing are computed on:
# the model sees 64x64 and vertex colours sample the framed crop, so more
# pixels only cost memory.
MAX_WORKING_SIDE = 2048
_PIL_LIMIT_LOCK = threading.Lock()


def _megapixels(pixels: int) -> str:
    return f'{pixels / 1e6:.1f} megapixels'


def check_pixel_count(width: int, height: int, where: str,
                      max_pixels: Optional[int]) -> None:
    """A :class:`DataError` unless ``width x height`` is a usable size."""
    if width <= 0 or height <= 0:
        raise DataError(f'{where}: the image is empty ({width}x{height} '
                        'pixels)')
    limit = DEFAULT_MAX_PIXELS if max_pixels is None else int(max_pixels)
    if width * height > limit:
        raise DataError(
            f'{where}: {width}x{height} pixels ({_megapixels(width * height)})'
            f' is over the limit of {_megapixels(limit)}; if the image is '
            'genuine, raise the limit with --max-pixels N (tools/demo.py) or '
            'max_pixels=N (MeshInferencer)')


def _open(path: str, limit: int):
    """``Image.open`` (header only) with Pillow's own bomb guard set to at
    least ``limit``, so that our limit decides."""
    from PIL import Image
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', Image.DecompressionBombWarning)
        try:
            return Image.open(path)
        except Image.DecompressionBombError:
            with _PIL_LIMIT_LOCK:
                saved = Image.MAX_IMAGE_PIXELS
                Image.MAX_IMAGE_PIXELS = None  # checked by the caller
                try:
                    return Image.open(path)
                finally:
                    Image.MAX_IMAGE_PIXELS = saved


def _to_array(image) -> np.ndarray:
    """A decoded Pillow image as (H, W), (H, W, 2|3|4) uint8/uint16/float."""
    mode = image.mode
    if mode in ('RGB', 'RGBA', 'L', 'LA'):
        pass
    elif mode == '1':
        image = image.convert('L')
    elif mode in ('P', 'PA'):
        has_alpha = mode == 'PA' or 'transparency' in image.info
        image = image.convert('RGBA' if has_alpha else 'RGB')
    elif mode in ('RGBa', 'La'):  # premultiplied alpha
        image = image.convert(mode[0:-1] + 'A')
    elif mode.startswith('I;16'):
        return np.asarray(image).astype(np.uint16, copy=False)
    elif mode == 'I':  # 32-bit integers: 16-bit PNGs decode to these
        array = np.asarray(image)
        if array.min(initial=0) < 0 or array.max(initial=0) > 65535:
            raise ValueError('32-bit integer pixels out of the 16-bit range')
        return array.astype(np.uint16)
    elif mode == 'F':
        return np.asarray(image, np.float32)
    else:  # CMYK, YCbCr, LAB, HSV, ...
        image = image.convert('RGB')
    return np.asarray(image)


def decode_image(path: str, max_pixels: Optional[int] = None) -> np.ndarray:
    """The pixels of an image file, upright (EXIF orientation applied).

    Returns (H, W) or (H, W, 2|3|4) in the file's channel order (gray, gray
    + alpha, RGB, RGBA), uint8, uint16 or float32. Raises
    :class:`DataError` naming the file when it is not an image, is larger
    than ``max_pixels`` (checked from the header, before decoding), or is
    truncated or corrupt.
    """
    from PIL import ImageOps, UnidentifiedImageError
    if not osp.isfile(path):
        raise FileNotFoundError(f'image not found: {path}')
    limit = DEFAULT_MAX_PIXELS if max_pixels is None else int(max_pixels)
    try:
        image = _open(path, limit)
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as err:
        raise DataError(
            f'{path}: not a readable image file ({_why(err)})') from None
    with image:
        check_pixel_count(image.width, image.height, path, limit)
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
            return _to_array(upright)
        except Exception as err:  # noqa: BLE001 - any decoder failure
            if isinstance(err, MemoryError):
                raise DataError(
                    f'{path}: not enough memory to decode '
                    f'{image.width}x{image.height} pixels') from None
            raise DataError(f'{path}: truncated or corrupt image file '
                            f'({_why(err)})') from None


def _why(err: BaseException) -> str:
    text = str(err).strip().splitlines()[0][:160] if str(err).strip() else ''
    return f'{type(err).__name__}: {text}' if text else type(err).__name__


def write_image(path: str, rgb: np.ndarray) -> None:
    """Write an RGB(A) uint8 image (format from the extension), whole or
    not at all: encoded in memory, written by a Python file object (which
    raises on a full disk), then renamed into place."""
    import cv2
    array = np.ascontiguousarray(rgb)
    if array.ndim == 3 and array.shape[2] in (3, 4):
        code = cv2.COLOR_RGB2BGR if array.shape[2] == 3 else \
            cv2.COLOR_RGBA2BGRA
        array = cv2.cvtColor(array, code)
    ext = osp.splitext(path)[1] or '.png'
    ok, encoded = cv2.imencode(ext, array)
    if not ok:
        raise DataError(f'{path}: OpenCV cannot encode an image as {ext}')
    write_bytes_atomic(path, encoded.tobytes())


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
