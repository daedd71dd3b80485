"""One training per work dir: a lock file held for the life of a run.

Two trainings started into the same ``--work-dir`` would share one log and
overwrite each other's checkpoints. :class:`WorkDirLock` creates
``WORK_DIR/.lock`` with ``O_CREAT | O_EXCL`` (atomic: one process wins)
holding JSON with the holder's pid, host, start time and command, and
removes it when the run ends (context manager, and ``atexit`` as a
fallback). A second run into a held work dir raises
:class:`WorkDirLockedError`, a user error naming the holder. A lock left by
a dead process on this host is taken over with a warning. In distributed
runs only the process of rank 0 takes the lock: ``tools/train.py`` reads
the rank from the launcher's own variables (``SLURM_PROCID`` under srun,
``OMPI_COMM_WORLD_RANK`` under mpirun, see :mod:`mmssr.utils.dist_env`),
since the lock is taken before the process group exists.
"""
import atexit
import datetime
import errno
import glob
import json
import os
import os.path as osp
import socket
import sys
import time
import uuid
import warnings
from typing import List, Optional

from mmssr.errors import UserError

LOCK_NAME = '.lock'


class WorkDirLockedError(UserError):
    """Another run holds the work dir."""


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` of this machine runs (this one does)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    except OSError as err:
        return err.errno != errno.ESRCH
    return True


def _rank() -> int:
    try:
        return int(os.environ.get('RANK', '0') or 0)
    except ValueError:
        return 0


class WorkDirLock:
    """Hold ``WORK_DIR/.lock`` while a training runs in ``WORK_DIR``.

    Args:
        work_dir: the work dir; created if needed.
        command: what the holder runs, for the message of a refused run
            (default: this process's command line).
        rank: the process rank; only rank 0 takes the lock (default: the
            ``RANK`` environment variable of torchrun, 0 without it; other
            launchers pass ``launcher_env(launcher).rank``).
        wait_unreadable: seconds to wait for a lock file that is still
            being written before calling it unreadable.
        name: the lock file's name in ``work_dir``; the training's is
            ``.lock``, a benchmark run around it (training and test) holds
            another.
    """

    def __init__(self,
                 work_dir: str,
                 command: Optional[str] = None,
                 rank: Optional[int] = None,
                 wait_unreadable: float = 2.0,
                 name: str = LOCK_NAME) -> None:
        self.work_dir = str(work_dir)
        self.path = osp.join(self.work_dir, name)
        self.command = command if command is not None else ' '.join(
            [osp.basename(sys.executable)] + sys.argv)
        self.rank = _rank() if rank is None else rank
        self.wait_unreadable = wait_unreadable
        self.held = False
        self._info: Optional[dict] = None

    # -- holder information -------------------------------------------------
    def read_holder(self) -> Optional[dict]:
        """The JSON of the current lock file, ``None`` if there is none.

        A file that stays empty or garbled for ``wait_unreadable`` seconds
        gives ``{}``.
        """
        deadline = time.monotonic() + self.wait_unreadable
        while True:
            try:
                with open(self.path) as f:
                    text = f.read()
            except FileNotFoundError:
                return None
            try:
                info = json.loads(text)
                if isinstance(info, dict):
                    return info
            except ValueError:
                pass
            if time.monotonic() >= deadline:
                return {}
            time.sleep(0.05)  # its writer may be between create and write

    def live_holder(self) -> Optional[dict]:
        """The holder's JSON while a live process (or an unreadable lock
        file, ``{}``) holds the lock; ``None`` when it is free or stale."""
        holder = self.read_holder()
        if holder is None or (holder and self._is_stale(holder)):
            return None
        return holder

    def _is_stale(self, info: dict) -> bool:
        pid, host = info.get('pid'), info.get('host')
        return (isinstance(pid, int) and host == socket.gethostname()
                and pid != os.getpid() and not pid_alive(pid))

    def describe(self, info: dict) -> str:
        """The holder ``info`` (from :meth:`read_holder`) in words."""
        if not info:
            return (f'{self.path} exists but is unreadable; delete it if no '
                    'training is running in this work dir')
        command = str(info.get('command', '?'))
        if len(command) > 200:
            command = command[:197] + '...'
        return (f'pid {info.get("pid", "?")} on host '
                f'{info.get("host", "?")}, started '
                f'{info.get("start_time", "?")}, command: {command}')

    # -- acquire / release --------------------------------------------------
    def acquire(self) -> 'WorkDirLock':
        if self.held or self.rank != 0:
            return self
        os.makedirs(self.work_dir, exist_ok=True)
        info = dict(
            pid=os.getpid(),
            host=socket.gethostname(),
            start_time=datetime.datetime.now().astimezone().isoformat(
                timespec='seconds'),
            command=self.command,
            token=uuid.uuid4().hex)
        for _ in range(5):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY,
                             0o666)
            except FileExistsError:
                holder = self.read_holder()
                if holder is None:
                    continue  # released meanwhile: try again
                if holder and self._is_stale(holder):
                    # re-read just before removing, so that a lock another
                    # run has just taken over is not removed
                    if self.read_holder() == holder:
                        warnings.warn(
                            f'{self.path}: taking over the stale lock of '
                            f'pid {holder.get("pid")} (no longer running '
                            f'on {holder.get("host")}, started '
                            f'{holder.get("start_time")})')
                        try:
                            os.remove(self.path)
                        except FileNotFoundError:
                            pass
                    continue
                raise WorkDirLockedError(
                    f'{self.work_dir}: another training is using this work '
                    f'dir ({self.describe(holder)}). Wait for it to '
                    'finish or choose another --work-dir; if that process '
                    f'is gone, delete {self.path}') from None
            with os.fdopen(fd, 'w') as f:
                json.dump(info, f, indent=2)
                f.flush()
                os.fsync(f.fileno())
            self.held = True
            self._info = info
            atexit.register(self.release)
            return self
        raise WorkDirLockedError(
            f'{self.work_dir}: could not take the lock {self.path}; other '
            'runs keep taking it')

    def release(self) -> None:
        """Remove the lock file if this process still holds it."""
        if not self.held or self._info is None:
            return
        if os.getpid() != self._info['pid']:  # a forked child
            return
        self.held = False
        try:
            atexit.unregister(self.release)
        except Exception:  # noqa: BLE001 - interpreter shutting down
            pass
        try:
            with open(self.path) as f:
                current = json.load(f)
        except (OSError, ValueError):
            return
        if isinstance(current, dict) and \
                current.get('token') == self._info['token']:
            try:
                os.remove(self.path)
            except FileNotFoundError:
                pass

    def __enter__(self) -> 'WorkDirLock':
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def remove_stale_temp_files(work_dir: str,
                            patterns=('.tmp_*', ),
                            logger=None) -> List[str]:
    """Remove temporary files that dead writers left in ``work_dir``.

    The atomic checkpoint backend writes ``.tmp_*`` files and renames them;
    a process killed mid-save leaves one behind. Call this with the work
    dir's lock held, when no writer of this work dir can be alive. Returns
    the removed paths and logs one line if any.
    """
    removed = []
    for pattern in patterns:
        for path in sorted(
                glob.glob(osp.join(glob.escape(str(work_dir)), pattern))):
            if not osp.isfile(path) or osp.islink(path):
                continue
            try:
                os.remove(path)
            except OSError:
                continue
            removed.append(path)
    if removed:
        from mmengine.logging import print_log
        names = ', '.join(osp.basename(p) for p in removed[:5])
        more = f', ... ({len(removed)} in all)' if len(removed) > 5 else ''
        print_log(
            f'removed {len(removed)} stale temporary file(s) left in '
            f'{work_dir} by an interrupted writer: {names}{more}',
            logger=logger or 'current',
            level=30)
    return removed
