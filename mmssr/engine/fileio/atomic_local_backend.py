"""A local file backend whose writes are atomic (temporary file + rename)."""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

TEMP_PREFIX = '.tmp_'


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
    """The mode ``open(path, 'w')`` would give: ``0o666 & ~umask``.

    ``tempfile.mkstemp`` creates files with mode 0600; writers that rename
    a temporary file into place chmod it to this first.
    """
    return 0o666 & ~current_umask()


class AtomicLocalBackend(LocalBackend):
    """:class:`LocalBackend` that never leaves a half-written file.

    Bytes go to a temporary file in the destination folder, are flushed to
    disk, and the file is renamed over the destination (``os.replace`` is
    atomic on POSIX). A crash or SIGKILL during a checkpoint save therefore
    leaves the previous checkpoint of that name, or none, never a truncated
    one. Select it with ``backend_args=dict(backend='local_atomic')``.
    The file gets the mode the umask gives (``0o666 & ~umask``), as with a
    plain write. Temporary files are named ``.tmp_*``; ``tools/train.py``
    removes those of dead writers from the work dir at start.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=folder)
        try:
            os.fchmod(fd, default_file_mode())
            with os.fdopen(fd, 'wb') as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, filepath)
        finally:
            if osp.exists(tmp):
                os.remove(tmp)

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        self.put(obj.encode(encoding), filepath)


register_backend('local_atomic', AtomicLocalBackend, force=True)
