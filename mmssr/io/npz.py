"""What the arrays of an ``.npz`` file declare, read without their data.

An npz is a zip of ``.npy`` members; each member starts with a header
(shape, dtype), and the zip's directory records each member's size after
decompression. Both are read here without decompressing any array data, so
a file that would expand to more memory than a limit (a compression bomb)
or to another shape than expected is refused before it is read.
"""
import zipfile
from typing import List, NamedTuple, Tuple

import numpy as np

from mmssr.errors import DataError

# 4 GiB: above the largest file of the SoftRas renders (the table
# category's train images: 24 views of 4x64x64 bytes, 393 kB an object, for
# about 6000 objects: about 2.4 GB); raise it with the dataset's
# max_array_bytes.
DEFAULT_MAX_ARRAY_BYTES = 4 * 2**30


class ArrayHeader(NamedTuple):
    """What an npz member declares: its name, shape, dtype and data size."""
    name: str
    shape: Tuple[int, ...]
    dtype: np.dtype
    nbytes: int


def read_npz_headers(path: str) -> List[ArrayHeader]:
    """The npy headers of the members of an ``.npz`` file, read without
    decompressing their data; a member whose data size disagrees with its
    zip entry's declared size is a :class:`DataError`."""
    headers = []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if not info.filename.endswith('.npy'):
                raise DataError(f'{path}: {info.filename} is not an array '
                                '(.npy) member')
            with zf.open(info) as member:
                version = np.lib.format.read_magic(member)
                if version == (1, 0):
                    shape, _, dtype = \
                        np.lib.format.read_array_header_1_0(member)
                else:
                    shape, _, dtype = \
                        np.lib.format.read_array_header_2_0(member)
                start = member.tell()
            if dtype.hasobject:
                raise DataError(f'{path}: {info.filename} holds Python '
                                'objects; only plain number arrays are read')
            nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if info.file_size != start + nbytes:
                raise DataError(
                    f'{path}: {info.filename} declares {shape} {dtype} '
                    f'({nbytes} bytes) but its zip entry holds '
                    f'{info.file_size - start} bytes: a corrupted file')
            headers.append(
                ArrayHeader(info.filename[:-4], tuple(shape), dtype, nbytes))
    return headers
