"""One training per work dir."""
import json
import os
import socket
import subprocess
import sys

import pytest

from mmssr.errors import UserError
from mmssr.utils.work_dir_lock import (WorkDirLock, WorkDirLockedError,
                                       remove_stale_temp_files)


def dead_pid():
    proc = subprocess.Popen([sys.executable, '-c', 'pass'])
    proc.wait()
    return proc.pid


def test_held_lock_is_refused_with_the_holder_named(tmp_path):
    work = str(tmp_path / 'work')
    with WorkDirLock(work, command='train.py a.py') as first:
        assert first.held
        info = json.loads(open(os.path.join(work, '.lock')).read())
        assert info['pid'] == os.getpid()
        assert info['host'] == socket.gethostname()
        assert info['command'] == 'train.py a.py' and info['start_time']
        with pytest.raises(WorkDirLockedError) as err:
            WorkDirLock(work, command='train.py b.py').acquire()
        msg = str(err.value)
        assert msg.startswith(f'{work}: another training is using this '
                              'work dir')
        assert f'pid {os.getpid()} on host {socket.gethostname()}' in msg
        assert info['start_time'] in msg and 'train.py a.py' in msg
        assert issubclass(WorkDirLockedError, UserError)  # exit 2
        # the refused run did not disturb the holder's lock
        assert json.loads(open(os.path.join(work, '.lock')).read()) == info
    # released after
    assert not os.path.exists(os.path.join(work, '.lock'))
    with WorkDirLock(work) as again:
        assert again.held
    assert os.listdir(work) == []


def test_stale_lock_of_a_dead_pid_is_taken_over(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    pid = dead_pid()
    (work / '.lock').write_text(
        json.dumps(
            dict(
                pid=pid,
                host=socket.gethostname(),
                start_time='yesterday',
                command='train.py old.py')))
    with pytest.warns(UserWarning, match=f'stale lock of pid {pid}'):
        lock = WorkDirLock(str(work)).acquire()
    assert lock.held
    assert json.loads((work / '.lock').read_text())['pid'] == os.getpid()
    lock.release()
    assert not (work / '.lock').exists()


def test_lock_of_another_host_or_unreadable_is_not_taken_over(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    (work / '.lock').write_text(
        json.dumps(
            dict(
                pid=dead_pid(), host='elsewhere', start_time='t',
                command='c')))
    with pytest.raises(WorkDirLockedError, match='on host elsewhere'):
        WorkDirLock(str(work)).acquire()
    (work / '.lock').write_text('')
    with pytest.raises(WorkDirLockedError, match='unreadable'):
        WorkDirLock(str(work), wait_unreadable=0.1).acquire()


def test_only_rank_zero_takes_the_lock(tmp_path, monkeypatch):
    work = str(tmp_path / 'work')
    monkeypatch.setenv('RANK', '1')
    with WorkDirLock(work) as lock:
        assert not lock.held
        assert not os.path.exists(os.path.join(work, '.lock'))
    monkeypatch.setenv('RANK', '0')
    with WorkDirLock(work) as lock:
        assert lock.held


def test_released_at_exit_without_the_context_manager(tmp_path):
    work = str(tmp_path / 'work')
    code = ('import sys; from mmssr.utils.work_dir_lock import WorkDirLock; '
            f'WorkDirLock({work!r}).acquire(); sys.exit(3)')
    proc = subprocess.run([sys.executable, '-c', code])
    assert proc.returncode == 3
    assert not os.path.exists(os.path.join(work, '.lock'))


def test_remove_stale_temp_files(tmp_path):
    (tmp_path / '.tmp_abc').write_bytes(b'half a checkpoint')
    (tmp_path / 'iter_2.pth').write_bytes(b'ckpt')
    removed = remove_stale_temp_files(str(tmp_path))
    assert removed == [str(tmp_path / '.tmp_abc')]
    assert os.listdir(tmp_path) == ['iter_2.pth']
    assert remove_stale_temp_files(str(tmp_path)) == []
