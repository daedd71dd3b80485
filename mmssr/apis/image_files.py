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

from mmssr.utils.errors import DataError
from mmssr.utils.fileio import write_bytes_atomic

# 100 megapixels: more than any phone or camera photo at its default
# resolution (12-50 MP); a 100 MP RGBA image decodes to 400 MB.
DEFAULT_MAX_PIXELS = 100_000_000
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
