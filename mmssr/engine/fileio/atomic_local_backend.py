"""A local file backend whose writes are atomic (temporary file + rename)."""
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

from mmssr.utils.fileio import atomic_write

TEMP_PREFIX = '.tmp_'


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
        with atomic_write(
                str(filepath), suffix='', prefix=TEMP_PREFIX,
                fsync=True) as tmp:
            with open(tmp, 'wb') as f:
                f.write(obj)

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        self.put(obj.encode(encoding), filepath)


register_backend('local_atomic', AtomicLocalBackend, force=True)
