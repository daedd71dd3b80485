"""Fuzzing the image reader: a result or one clean error, bounded memory.

Seeded cases from good PNG (RGB, RGBA, 16-bit gray), JPEG (with EXIF), BMP,
TIFF and WebP files: random bytes, truncations, flipped bytes and header
edits (huge or zero sizes in PNG's IHDR, JPEG's SOF, BMP's and TIFF's
headers). Each case must give an image or a ``UserError`` within 1 GiB of
memory over the reader's start-up and without hanging.
"""
import io
import struct
import zlib

import numpy as np

from ..fuzzing import fuzz, mutations

CASES = 240


def _seeds() -> dict:
    from PIL import Image
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)
    rgba = np.dstack([rgb, np.full((24, 32), 200, np.uint8)])
    files = {}

    def save(name, array, fmt, **kwargs):
        buf = io.BytesIO()
        Image.fromarray(array).save(buf, fmt, **kwargs)
        files[name] = buf.getvalue()

    exif = Image.Exif()
    exif[0x0112] = 6
    save('rgb.png', rgb, 'PNG')
    save('rgba.png', rgba, 'PNG')
    save('gray16.png', (rgb[..., 0].astype(np.uint16) * 257), 'PNG')
    save('photo.jpg', rgb, 'JPEG', exif=exif)
    save('plain.bmp', rgb, 'BMP')
    save('plain.tif', rgb, 'TIFF')
    save('plain.webp', rgb, 'WEBP')
    return files


def _png_size(data, rng):
    if not data.startswith(b'\x89PNG'):
        return data
    w, h = (int(x) for x in rng.choice([0, 1, 30000, 65535, 2**31 - 1], 2))
    ihdr = data[16:29]
    body = struct.pack('>II', w, h) + ihdr[8:]
    crc = struct.pack('>I', zlib.crc32(b'IHDR' + body) & 0xffffffff)
    return data[:16] + body + crc + data[33:]


def _jpeg_size(data, rng):
    at = data.find(b'\xff\xc0')
    if at < 0:
        return data
    h, w = (int(x) for x in rng.choice([0, 1, 20000, 65535], 2))
    return data[:at + 5] + struct.pack('>HH', h, w) + data[at + 9:]


def _bmp_size(data, rng):
    if not data.startswith(b'BM'):
        return data
    w, h = (int(x) for x in rng.choice([0, -1, 30000, 2**31 - 1], 2))
    return data[:18] + struct.pack('<ii', w, h) + data[26:]


def _tiff_size(data, rng):
    if data[:2] not in (b'II', b'MM'):
        return data
    # ImageWidth (256) / ImageLength (257) entries: their value field
    buf = bytearray(data)
    for tag in (256, 257):
        at = bytes(buf).find(struct.pack('<H', tag))
        if at > 0:
            buf[at + 8:at + 12] = struct.pack(
                '<I', int(rng.choice([0, 40000, 2**31])))
    return bytes(buf)


def test_image_reader_fuzz(tmp_path):
    cases = list(
        mutations(
            _seeds(),
            CASES,
            seed=0,
            header_edits=(_png_size, _jpeg_size, _bmp_size, _tiff_size)))
    done = fuzz('mmssr.datasets.transforms.framing:read_image', cases,
                str(tmp_path))
    outcomes = {r['outcome'] for r in done}
    assert outcomes == {'result', 'clean error'}, outcomes
