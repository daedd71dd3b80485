"""Atomic file writes: a temporary file in the target folder, then a rename.

One home for what every writer of mmssr needs (checkpoints, datasets,
metrics, meta files): nothing half-written is ever seen under the final
name, and the file gets the mode a plain ``open(path, 'w')`` would give
(``0o666 & ~umask``; ``mkstemp`` alone makes 0600).

A failure of the file system (full disk, quota, read-only folder, no
permission) is an :class:`OutputError` naming the destination: the user can
fix it, so tools print it as one line. Writers that cannot report a short
write themselves (C++ writers such as open3d's) must check what they wrote
before the rename; bytes go through :func:`write_bytes_atomic`, whose
Python file object raises on any failed write.
"""
import errno
import hashlib
import os
import os.path as osp
import tempfile
from contextlib import contextmanager
from typing import Iterator

from mmssr.errors import OutputError

# errno values of a file system that cannot take the file: the user's to fix
_STORAGE_ERRORS = {
    errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EACCES,
    errno.EPERM, errno.EIO, errno.ENOTDIR, errno.EISDIR
}


def output_error(path: str, err: OSError) -> OutputError:
    """An :class:`OutputError` naming ``path`` and the system's reason."""
    reason = err.strerror or str(err)
    if err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        reason += ': the file system (or the file size limit) is full'
    error = OutputError(err.errno, f'{path}: cannot write this file '
                        f'({reason}); nothing was written under this name')
    error.reason = err.strerror or str(err)  # the system's words alone
    return error


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
    A storage failure (see :data:`_STORAGE_ERRORS`), in the block or here,
    becomes an :class:`OutputError` naming ``path``.
    """
    folder = osp.dirname(osp.abspath(path))
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(suffix=suffix, prefix=prefix, dir=folder)
        os.close(fd)
    except OSError as err:  # the destination cannot take a file
        raise output_error(path, err) from None
    try:
        yield tmp
        os.chmod(tmp, default_file_mode())
        if fsync:
            with open(tmp, 'rb') as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as err:
        raise _as_output_error(path, err) from None
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def _as_output_error(path: str, err: OSError) -> OSError:
    if isinstance(err, OutputError) or err.errno not in _STORAGE_ERRORS:
        return err
    return output_error(path, err)


def write_bytes_atomic(path: str, data: bytes, fsync: bool = False) -> None:
    """``data`` as the file ``path``, whole or not at all.

    Python's file object raises on a short or failed write (a full disk),
    so nothing half-written is renamed into place.
    """
    with atomic_write(path, suffix='.tmp', fsync=fsync) as tmp:
        with open(tmp, 'wb') as f:
            f.write(data)


def sha256_file(path: str) -> str:
    """The sha256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()
