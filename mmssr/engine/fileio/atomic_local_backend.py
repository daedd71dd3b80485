"""A local file backend whose writes are atomic (temporary file + rename)."""
import os
import os.path as osp
import tempfile
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend


class AtomicLocalBackend(LocalBackend):
    """:class:`LocalBackend` that never leaves a half-written file.

    Bytes go to a temporary file in the destination folder, are flushed to
    disk, and the file is renamed over the destination (``os.replace`` is
    atomic on POSIX). A crash or SIGKILL during a checkpoint save therefore
    leaves the previous checkpoint of that name, or none, never a truncated
    one. Select it with ``backend_args=dict(backend='local_atomic')``.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        filepath = str(filepath)
        folder = osp.dirname(osp.abspath(filepath))
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix='.tmp_', dir=folder)
        try:
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
