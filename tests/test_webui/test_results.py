import os
import os.path as osp
import time

import pytest

from mmssr.webui.results import ResultStore


def test_results_are_swept_after_keep_seconds(tmp_path):
    store = ResultStore(keep_seconds=60, parent=str(tmp_path))
    try:
        first = store.new()
        open(store.path(first, 'mesh.glb'), 'w').close()
        assert store.exists(first, 'mesh.glb')
        assert store.sweep() == 0
        second = store.new()
        assert second != first
        # a minute later both are gone
        assert store.sweep(now=time.time() + 61) == 2
        assert not store.exists(first, 'mesh.glb')
        assert os.listdir(store.root) == []
    finally:
        store.close()
    assert not osp.exists(store.root)


def test_the_background_sweep_runs_by_itself(tmp_path):
    store = ResultStore(
        keep_seconds=0.2, sweep_seconds=0.1, parent=str(tmp_path))
    try:
        result = store.new()
        deadline = time.time() + 10
        while osp.exists(store.path(result)) and time.time() < deadline:
            time.sleep(0.05)
        assert not osp.exists(store.path(result))
    finally:
        store.close()


@pytest.mark.parametrize('bad', ['..', '../../etc', 'short', 'a/b' * 10])
def test_ids_cannot_leave_the_root(tmp_path, bad):
    store = ResultStore(parent=str(tmp_path))
    try:
        assert not store.exists(bad, 'passwd')
        with pytest.raises(KeyError):
            store.path(bad)
    finally:
        store.close()
