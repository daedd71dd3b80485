"""Deterministic, atomic files for the converter.

``np.savez_compressed`` stamps every zip member with the current time, so
two runs over the same input give different bytes. :func:`save_npz` writes
the same zip layout (one member ``arr_0.npy``, deflated) with a fixed
timestamp, into a temporary file that is renamed into place; the result
reads with ``np.load`` like any npz and is byte-identical for the same
array.
"""
import hashlib
import json
import os
import os.path as osp
import tempfile
import zipfile

import numpy as np

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: str, path: str) -> None:
    """Give ``tmp`` (``mkstemp`` makes 0600) the mode of a normal new file,
    then rename it to ``path``."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, path)


def save_npz(path: str, array: np.ndarray, compress: bool = True) -> None:
    """Write ``array`` as the single member ``arr_0`` of an npz, atomically
    (temporary file + ``os.replace``; the mode honours the umask)."""
    folder = osp.dirname(osp.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix='.npz.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f, zipfile.ZipFile(f, 'w') as zf:
            info = zipfile.ZipInfo('arr_0.npy', date_time=_ZIP_TIME)
            info.compress_type = (zipfile.ZIP_DEFLATED if compress else
                                  zipfile.ZIP_STORED)
            info.external_attr = 0o600 << 16
            with zf.open(info, 'w', force_zip64=True) as member:
                np.lib.format.write_array(member, np.ascontiguousarray(array),
                                          allow_pickle=False)
        _publish(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def save_json(path: str, obj: dict) -> None:
    """``json.dump`` to a temporary file, then rename (umask mode)."""
    folder = osp.dirname(osp.abspath(path))
    fd, tmp = tempfile.mkstemp(suffix='.json.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'w') as f:
            json.dump(obj, f, indent=2, sort_keys=False)
            f.write('\n')
        _publish(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()
