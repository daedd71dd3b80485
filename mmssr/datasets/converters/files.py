"""Deterministic, atomic files for the converter.

``np.savez_compressed`` stamps every zip member with the current time, so
two runs over the same input give different bytes. :func:`save_npz` writes
the same zip layout (one member ``arr_0.npy``, deflated) with a fixed
timestamp, into a temporary file that is renamed into place; the result
reads with ``np.load`` like any npz and is byte-identical for the same
array.
"""
import json
import zipfile

import numpy as np

from mmssr.utils.fileio import atomic_write

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def save_npz(path: str, array: np.ndarray, compress: bool = True) -> None:
    """Write ``array`` as the single member ``arr_0`` of an npz, atomically
    (temporary file + ``os.replace``; the mode honours the umask)."""
    with atomic_write(path, suffix='.npz.tmp') as tmp:
        with zipfile.ZipFile(tmp, 'w') as zf:
            info = zipfile.ZipInfo('arr_0.npy', date_time=_ZIP_TIME)
            info.compress_type = (
                zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED)
            info.external_attr = 0o600 << 16
            with zf.open(info, 'w', force_zip64=True) as member:
                np.lib.format.write_array(
                    member, np.ascontiguousarray(array), allow_pickle=False)


def save_json(path: str, obj: dict) -> None:
    """``json.dump`` to a temporary file, then rename (umask mode)."""
    with atomic_write(path, suffix='.json.tmp') as tmp:
        with open(tmp, 'w') as f:
            json.dump(obj, f, indent=2, sort_keys=False)
            f.write('\n')
