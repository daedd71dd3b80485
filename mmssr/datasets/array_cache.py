"""One copy of a dataset's images per machine, however many processes.

A distributed run starts one process per GPU, and each used to decompress
the training images into its own memory: 8 copies on an 8-GPU node. With a
cache folder the processes of a node share one copy instead: the first to
arrive writes the array as an uncompressed ``.npy`` file (under a file
lock, through a temporary file and a rename), and every process maps that
file read-only (``np.load(mmap_mode='r')``). Mapped pages live once in the
operating system's page cache, whatever the number of processes mapping
them, and later runs skip the decompression.

The cache is keyed by the source files (path, size, modification time) and
by everything that shapes the array; a changed source makes a new entry.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Callable, Dict, Tuple

import numpy as np

try:  # POSIX; elsewhere every process builds its own entry (still correct)
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

CACHE_VERSION = 1


def source_stamp(paths) -> list:
    """(absolute path, size, mtime_ns) of each file, for cache keys."""
    stamps = []
    for path in paths:
        stat = os.stat(path)
        stamps.append([osp.abspath(path), stat.st_size, stat.st_mtime_ns])
    return stamps


def cache_key(**parts) -> str:
    """A short stable digest of JSON-able ``parts``."""
    text = json.dumps(dict(parts, version=CACHE_VERSION), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _write_atomic(path: str, write: Callable[[str], None]) -> None:
    tmp = f'{path}.tmp-{os.getpid()}'
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def _save_npy(path: str, array: np.ndarray) -> None:
    with open(path, 'wb') as f:
        np.save(f, np.ascontiguousarray(array), allow_pickle=False)
        f.flush()
        os.fsync(f.fileno())


def _save_json(path: str, meta: dict) -> None:
    with open(path, 'w') as f:
        json.dump(meta, f)
        f.flush()
        os.fsync(f.fileno())


def cached_array(
        cache_dir: str, key: str,
        build: Callable[[], Tuple[np.ndarray,
                                  Dict]]) -> Tuple[np.ndarray, Dict]:
    """The array and metadata ``build()`` returns, stored once in
    ``cache_dir`` under ``key`` and memory-mapped read-only.

    ``build`` runs only when the entry is missing, in one process of the
    machine at a time: the others wait on the lock and then map the entry
    it wrote. The metadata (a JSON-able dict) is stored beside the array.
    """
    os.makedirs(cache_dir, exist_ok=True)
    path = osp.join(cache_dir, f'{key}.npy')
    meta_path = osp.join(cache_dir, f'{key}.json')
    with open(osp.join(cache_dir, f'{key}.lock'), 'a') as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (osp.isfile(path) and osp.isfile(meta_path)):
                array, meta = build()
                _write_atomic(path, lambda tmp: _save_npy(tmp, array))
                # the metadata last: its presence marks a complete entry
                _write_atomic(meta_path, lambda tmp: _save_json(tmp, meta))
                del array
        finally:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_UN)
    with open(meta_path) as f:
        meta = json.load(f)
    return np.load(path, mmap_mode='r', allow_pickle=False), meta
