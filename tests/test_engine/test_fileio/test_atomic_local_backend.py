import os

import pytest

from mmssr.engine.fileio import AtomicLocalBackend


def test_put_replaces_atomically(tmp_path):
    backend = AtomicLocalBackend()
    target = tmp_path / 'sub' / 'ckpt.pth'
    backend.put(b'first', target)
    assert target.read_bytes() == b'first'
    backend.put_text('second', target)
    assert target.read_text() == 'second'
    assert sorted(os.listdir(tmp_path / 'sub')) == ['ckpt.pth']


def test_a_crash_mid_write_keeps_the_previous_file(tmp_path, monkeypatch):
    backend = AtomicLocalBackend()
    target = tmp_path / 'ckpt.pth'
    backend.put(b'good checkpoint', target)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt('killed while saving')

    monkeypatch.setattr(os, 'replace', crash)
    with pytest.raises(KeyboardInterrupt):
        backend.put(b'half', target)
    assert target.read_bytes() == b'good checkpoint'
    assert os.listdir(tmp_path) == ['ckpt.pth']  # no temporary leftovers
