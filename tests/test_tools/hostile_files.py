"""Files that hostile or unlucky users hand to the tools, made small."""
import struct
import zlib

import numpy as np


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack('>I', len(data)) + kind + data + struct.pack(
        '>I',
        zlib.crc32(kind + data) & 0xffffffff)


def png_bomb(path: str, width: int, height: int) -> None:
    """A PNG whose header declares ``width x height`` RGB pixels, with a
    few bytes of pixel data: decoders that trust the header allocate it
    all; the size is known from the header alone."""
    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    data = zlib.compress(b'\0' * (1 + 3 * min(width, 1000)))
    with open(path, 'wb') as f:
        f.write(b'\x89PNG\r\n\x1a\n' + _png_chunk(b'IHDR', header) +
                _png_chunk(b'IDAT', data) + _png_chunk(b'IEND', b''))


def npz_bomb(path: str, shape, dtype=np.uint8) -> None:
    """An npz whose one member declares (in its npy header and in the zip's
    zip64 sizes) an array of ``shape``: a few kB on disk, and np.load
    allocates the whole array before it finds the data short."""
    import io
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header,
        dict(
            descr=np.dtype(dtype).str, fortran_order=False,
            shape=tuple(shape)))
    header = header.getvalue()
    size = len(header) + int(np.prod(shape)) * np.dtype(dtype).itemsize
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    data = packer.compress(header + b'\0' * 4096) + packer.flush()
    name = b'arr_0.npy'
    local_extra = struct.pack('<HHQQ', 1, 16, size, len(data))
    local = struct.pack('<IHHHHHIIIHH', 0x04034b50, 45, 0, 8, 0,
                        0x21, 0, 0xffffffff, 0xffffffff, len(name),
                        len(local_extra)) + name + local_extra
    central_extra = struct.pack('<HHQQQ', 1, 24, size, len(data), 0)
    central = struct.pack('<IHHHHHHIIIHHHHHII', 0x02014b50, 45, 45, 0, 8, 0,
                          0x21, 0, 0xffffffff, 0xffffffff, len(name),
                          len(central_extra), 0, 0, 0, 0,
                          0xffffffff) + name + central_extra
    cd_offset = len(local) + len(data)
    end64 = struct.pack('<IQHHIIQQQQ', 0x06064b50, 44, 45, 45, 0, 0, 1, 1,
                        len(central), cd_offset)
    locator = struct.pack('<IIQI', 0x07064b50, 0, cd_offset + len(central), 1)
    end = struct.pack('<IHHHHIIH', 0x06054b50, 0, 0, 1, 1, len(central),
                      0xffffffff, 0)
    with open(path, 'wb') as f:
        f.write(local + data + central + end64 + locator + end)


def photo_on_background(rgba: np.ndarray,
                        size=(160, 120),
                        background=(200, 205, 210)) -> np.ndarray:
    """An RGBA render pasted, scaled up, on a plain background: RGB uint8
    (H, W, 3) of ``size`` (W, H), the object in the left half."""
    import cv2
    w, h = size
    side = h * 2 // 3
    view = cv2.resize(rgba, (side, side), interpolation=cv2.INTER_NEAREST)
    out = np.empty((h, w, 3), np.uint8)
    out[:] = background
    top, left = (h - side) // 2, w // 8
    alpha = view[..., 3:] / 255.0
    patch = out[top:top + side, left:left + side]
    patch[:] = (view[..., :3] * alpha + patch * (1 - alpha)).astype(np.uint8)
    return out
