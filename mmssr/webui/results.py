"""Per-request result folders that remove themselves after a while."""
import os
import os.path as osp
import re
import secrets
import shutil
import tempfile
import threading
import time
from typing import Optional

RESULT_ID = re.compile(r'^[A-Za-z0-9_-]{16,64}$')


class ResultStore:
    """One folder per request under a private temporary root.

    Each folder is named by a random, unguessable id, so that requests
    (one browser tab's or another's) never share files. Folders older than
    ``keep_seconds`` are removed by a background sweep every
    ``sweep_seconds``, and the whole root by :meth:`close`.
    """

    def __init__(self,
                 keep_seconds: float = 600.0,
                 sweep_seconds: Optional[float] = None,
                 parent: Optional[str] = None) -> None:
        self.keep_seconds = float(keep_seconds)
        self.root = tempfile.mkdtemp(prefix='mmssr-webui-', dir=parent)
        self._stop = threading.Event()
        interval = sweep_seconds or max(1.0, min(60.0, keep_seconds / 4))
        self._sweeper = threading.Thread(
            target=self._sweep_loop,
            args=(interval, ),
            daemon=True,
            name='mmssr-webui-sweeper')
        self._sweeper.start()

    def new(self) -> str:
        """A fresh result id; its folder is :meth:`path` (id)."""
        result_id = secrets.token_urlsafe(18)
        os.makedirs(self.path(result_id))
        return result_id

    def path(self, result_id: str, name: str = '') -> str:
        if not RESULT_ID.match(result_id):
            raise KeyError(result_id)
        return osp.join(self.root, result_id, name)

    def exists(self, result_id: str, name: str) -> bool:
        try:
            return osp.isfile(self.path(result_id, name))
        except KeyError:
            return False

    def remove(self, result_id: str) -> None:
        shutil.rmtree(self.path(result_id), ignore_errors=True)

    def sweep(self, now: Optional[float] = None) -> int:
        """Remove the folders older than ``keep_seconds``; their count."""
        now = time.time() if now is None else now
        removed = 0
        for entry in os.scandir(self.root):
            try:
                old = now - entry.stat().st_mtime > self.keep_seconds
            except FileNotFoundError:
                continue
            if old:
                shutil.rmtree(entry.path, ignore_errors=True)
                removed += 1
        return removed

    def _sweep_loop(self, interval: float) -> None:
        while not self._stop.wait(interval):
            if osp.isdir(self.root):
                self.sweep()

    def close(self) -> None:
        """Stop sweeping and remove every result."""
        self._stop.set()
        shutil.rmtree(self.root, ignore_errors=True)
