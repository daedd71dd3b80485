"""Whole-or-nothing replacement of a synthetic dataset folder.

A generation writes into ``<out>.tmp-<pid>`` under an exclusive lock and
swaps it in at the end (:func:`swap_in`); leftovers of killed runs are
removed (:func:`remove_leftovers`), and a folder that holds anything but a
synthetic dataset is never replaced (:func:`refuse_foreign`).
"""
import contextlib
import errno
import fcntl
import glob
import os
import os.path as osp
import re
import shutil
from typing import Callable, List, Optional

from mmssr.datasets.loading import SYNTHETIC_META_FILE as META_FILE
from mmssr.errors import DataError
from mmssr.utils.work_dir_lock import pid_alive
from .storage import DATA_FILE, read_meta

# <out>.tmp-<pid> (being written) and <out>.old-<pid> (being replaced)
_LEFTOVER = re.compile(r'\.(tmp|old)-(\d+)')


def _norm(out_dir: str) -> str:
    return osp.abspath(osp.expanduser(str(out_dir)))


@contextlib.contextmanager
def dataset_lock(out_dir: str,
                 on_wait: Optional[Callable[[str], None]] = None):
    """Hold an exclusive ``flock`` on ``<out_dir>.lock`` (blocks until free).

    Not re-entrant: a second lock of the same folder in one process waits
    forever.
    """
    out = _norm(out_dir)
    os.makedirs(osp.dirname(out), exist_ok=True)
    path = out + '.lock'
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if on_wait is not None:
                on_wait(f'{out}: another process is generating this dataset; '
                        f'waiting for it ({path})')
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield out
    finally:
        os.close(fd)  # releases the lock


def remove_leftovers(out_dir: str) -> List[str]:
    """Remove ``<out>.tmp-<pid>`` / ``<out>.old-<pid>`` folders of dead pids.

    Call with :func:`dataset_lock` held. A process killed between its two
    renames leaves no ``<out>``: its finished new folder (meta present) or
    else the old one is put back first. Returns the folders removed.
    """
    out = _norm(out_dir)
    dead = {}
    for path in glob.glob(glob.escape(out) + '.*-*'):
        match = _LEFTOVER.fullmatch(path[len(out):])
        if match and osp.isdir(path) and not pid_alive(int(match[2])):
            dead[path] = match[1]
    if not osp.lexists(out):
        done = [
            p for p, kind in dead.items() if kind == 'tmp' and read_meta(p)
        ]
        old = [p for p, kind in dead.items() if kind == 'old']
        for path in done[:1] or old[:1]:
            os.rename(path, out)
            del dead[path]
    for path in dead:
        shutil.rmtree(path, ignore_errors=True)
    return sorted(dead)


def refuse_foreign(out: str) -> None:
    """A :class:`DataError` if replacing ``out`` would delete other files."""
    if not osp.lexists(out):
        return
    if not osp.isdir(out):
        raise DataError(f'{out}: is not a folder; the synthetic dataset '
                        'needs a folder of its own')
    foreign = sorted(
        n for n in os.listdir(out) if not (
            DATA_FILE.fullmatch(n) or n == META_FILE or n.endswith('.tmp')))
    if foreign:
        raise DataError(
            f'{out}: holds files that are not part of a synthetic dataset '
            f"({', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''})"
            '; refusing to replace it: choose an empty or new folder')


def _replace_in_place(new: str, out: str) -> None:
    """Move the files of ``new`` into ``out`` (when ``out`` cannot be
    renamed, e.g. a mount point); the meta goes first out and last in, so
    an interrupted move reads as incomplete."""
    meta = osp.join(out, META_FILE)
    if osp.exists(meta):
        os.remove(meta)
    for name in os.listdir(out):
        if DATA_FILE.fullmatch(name) or name.endswith('.tmp'):
            os.remove(osp.join(out, name))
    for name in sorted(os.listdir(new), key=lambda n: n == META_FILE):
        tmp = osp.join(out, f'.{name}.tmp')
        shutil.copy2(osp.join(new, name), tmp)
        os.replace(tmp, osp.join(out, name))
    shutil.rmtree(new)


def swap_in(new: str, out: str) -> None:
    """Put the finished folder ``new`` at ``out``: rename the old one away,
    the new one in, then delete the old one."""
    if not osp.lexists(out):
        os.rename(new, out)
        return
    old = f'{out}.old-{os.getpid()}'
    if osp.lexists(old):
        shutil.rmtree(old)
    try:
        os.rename(out, old)
    except OSError as err:
        if err.errno not in (errno.EBUSY, errno.EXDEV, errno.EPERM,
                             errno.EACCES):
            raise
        _replace_in_place(new, out)
        return
    os.rename(new, out)
    shutil.rmtree(old, ignore_errors=True)
