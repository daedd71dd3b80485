"""One memory-mapped copy of the dataset images per machine (cache_dir)."""
import os
import threading
import time

import numpy as np
import pytest

from mmssr.datasets import ShapeNetDataset
from mmssr.datasets import shapenet_dataset as shapenet_module
from mmssr.datasets.array_cache import cache_key, cached_array
from ..conftest import TINY_CATEGORIES


def build(root, cache_dir=None, **kwargs):
    return ShapeNetDataset(
        data_root=root,
        categories=TINY_CATEGORIES,
        split='test',
        mode='view',
        cache_dir=cache_dir,
        **kwargs)


def test_cached_views_equal_the_loaded_ones_and_are_mapped_read_only(
        tiny_synthetic_root, tmp_path, monkeypatch):
    cache = str(tmp_path / 'cache')
    plain = build(tiny_synthetic_root, image_size=16)
    first = build(tiny_synthetic_root, cache, image_size=16)
    np.testing.assert_array_equal(first.images, plain.images)
    assert first.data_list == plain.data_list
    np.testing.assert_array_equal(first.voxels, plain.voxels)
    item, ref = first.get_data_info(3), plain.get_data_info(3)
    np.testing.assert_array_equal(item['images'], ref['images'])
    np.testing.assert_array_equal(item['gt_voxels'], ref['gt_voxels'])

    # a second process of the run maps the entry: nothing is decompressed
    def refuse(path, *args):
        raise AssertionError(f'{path} read again')

    monkeypatch.setattr(shapenet_module, 'load_images', refuse)
    second = build(tiny_synthetic_root, cache, image_size=16)
    assert isinstance(second.images, np.memmap)
    assert not second.images.flags.writeable
    np.testing.assert_array_equal(second.images, plain.images)
    assert second.data_list == plain.data_list
    # another size is another entry
    with pytest.raises(AssertionError, match='read again'):
        build(tiny_synthetic_root, cache, image_size=8)


def test_a_changed_source_file_makes_a_new_entry(tiny_synthetic_root, tmp_path,
                                                 monkeypatch):
    cache = str(tmp_path / 'cache')
    build(tiny_synthetic_root, cache)
    entries = {n for n in os.listdir(cache) if n.endswith('.npy')}
    name = sorted(
        n for n in os.listdir(tiny_synthetic_root)
        if n.endswith('_test_images.npz'))[0]
    path = os.path.join(tiny_synthetic_root, name)
    stat = os.stat(path)
    reads = []
    original = shapenet_module.load_images
    monkeypatch.setattr(shapenet_module, 'load_images',
                        lambda p, *a: reads.append(p) or original(p, *a))
    try:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
        build(tiny_synthetic_root, cache)
    finally:
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert len(reads) == len(TINY_CATEGORIES)
    assert len({n
                for n in os.listdir(cache) if n.endswith('.npy')}) == \
        len(entries) + 1


def test_processes_arriving_together_build_once(tmp_path):
    built = []

    def slow_build():
        built.append(1)
        time.sleep(0.3)  # the others arrive meanwhile and wait
        return np.arange(12, dtype=np.uint8).reshape(3, 4), dict(n=3)

    results = []

    def worker():
        # each call opens the lock file anew, as separate processes do
        results.append(
            cached_array(str(tmp_path), cache_key(name='x'), slow_build))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(built) == 1
    for array, meta in results:
        np.testing.assert_array_equal(array, np.arange(12).reshape(3, 4))
        assert meta == dict(n=3)
    assert not [n for n in os.listdir(tmp_path) if '.tmp-' in n]


def test_several_local_copies_are_named(monkeypatch):
    import torch.distributed as torch_dist

    from mmssr.datasets.data_warnings import warn_if_shared_copies
    images = np.zeros((2, 24, 4, 8, 8), np.uint8)
    assert warn_if_shared_copies(images, min_bytes=1) is None  # one process
    monkeypatch.setattr(torch_dist, 'is_initialized', lambda: True)
    monkeypatch.setenv('LOCAL_WORLD_SIZE', '8')
    monkeypatch.setenv('WORLD_SIZE', '16')
    with pytest.warns(UserWarning, match='each of the 8 processes') as rec:
        warn_if_shared_copies(images, min_bytes=1)
    assert 'cache_dir' in str(rec[0].message)
    assert warn_if_shared_copies(images) is None  # small: not worth a word
