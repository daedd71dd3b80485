"""Atomic file writes: a temporary file in the target folder, then a rename.

One home for what every writer of mmssr needs (checkpoints, datasets,
metrics, meta files): nothing half-written is ever seen under the final
name, and the file gets the mode a plain ``open(path, 'w')`` would give
(``0o666 & ~umask``; ``mkstemp`` alone makes 0600).
"""
import hashlib
import os
import os.path as osp
import tempfile
from contextlib import contextmanager
from typing import Iterator


def current_umask() -> int:
    """The process umask, read without changing it where possible."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # no way to read it without setting it
    os.umask(mask)
    return mask


def default_file_mode() -> int:
    """The mode ``open(path, 'w')`` would give: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


@contextmanager
def atomic_write(path: str,
                 suffix: str = '.tmp',
                 prefix: str = 'tmp',
                 fsync: bool = False) -> Iterator[str]:
    """Yield a temporary path next to ``path``; on success it becomes
    ``path`` (umask mode), on any error it is removed.

    Usage: ``with atomic_write(out, '.npz.tmp') as tmp: np.savez(tmp, a)``.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=suffix, prefix=prefix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, default_file_mode())
        if fsync:
            with open(tmp, 'rb') as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def sha256_file(path: str) -> str:
    """The sha256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()
