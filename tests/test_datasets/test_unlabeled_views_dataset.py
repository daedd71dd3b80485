"""The unlabeled split from per-image views files, and its pseudo-labels."""
import os

import numpy as np
import pytest
import torch

from mmssr.datasets import (SemiSupervisedPairSampler,
                            SemiSupervisedShapeNetDataset,
                            UnlabeledViewsDataset, load_views, save_views)
from mmssr.errors import DataError
from mmssr.structures import NUM_VIEWS, view_ids_to_eyes
from mmssr.structures.view_cameras import (cameras_to_eyes, grid_cameras,
                                           nearest_grid_views)
from ..conftest import TINY_CATEGORIES


def build(root, unlabeled_views='file'):
    return SemiSupervisedShapeNetDataset(
        dataset_type='ShapeNetDataset',
        data_root=root,
        categories=TINY_CATEGORIES,
        num_labeled=2,
        unlabeled_views=unlabeled_views)


def test_unlabeled_objects_and_their_images(tiny_off_grid_root):
    semi = build(tiny_off_grid_root)
    unlabeled = semi.unlabeled
    assert isinstance(unlabeled, UnlabeledViewsDataset)
    # objects 2 and 3 of each category's train file, 24 images each
    assert [d['obj_index'] for d in unlabeled.data_list] == [2, 3, 2, 3]
    assert unlabeled.num_images == 4 * NUM_VIEWS
    assert unlabeled.pseudo_labels.shape == (4 * NUM_VIEWS, )
    views = load_views(
        os.path.join(tiny_off_grid_root, '03001627_train_views.npz'))
    np.testing.assert_array_equal(unlabeled.pseudo_table.true_cameras[:48],
                                  views.cameras[48:96])
    numbers, images = unlabeled.object_images([1, 2])
    assert numbers.tolist() == list(range(24, 72))
    assert images.shape == (48, 4, 32, 32)
    # the labeled split is the grid's
    assert semi.labeled.images.shape == (4, NUM_VIEWS, 4, 32, 32)
    with pytest.raises(DataError, match="'grid' or 'file'"):
        build(tiny_off_grid_root, unlabeled_views='files')


def test_pairs_are_seen_from_their_pseudo_label_cameras(tiny_off_grid_root):
    unlabeled = build(tiny_off_grid_root).unlabeled
    table = unlabeled.pseudo_table
    views = torch.as_tensor(nearest_grid_views(table.true_cameras))
    cameras = torch.full((unlabeled.num_images, 3), float('nan'))
    cameras[24:48] = torch.as_tensor(table.true_cameras[24:48])  # object 1
    unlabeled.set_pseudo_labels(views, cameras)
    item = unlabeled.get_data_info(unlabeled.pair_index(1, 3, 5))
    assert item['object_idx'] == 1 and item['source_view_ids'].tolist() == [
        3, 5
    ]
    np.testing.assert_array_equal(item['images'], unlabeled.images[[27, 29]])
    torch.testing.assert_close(
        torch.as_tensor(item['eyes']),
        cameras_to_eyes(table.true_cameras[[27, 29]]))
    # without a refined camera: the retrieved grid view's eye
    item = unlabeled.get_data_info(unlabeled.pair_index(0, 0, 1))
    torch.testing.assert_close(
        torch.as_tensor(item['eyes']), view_ids_to_eyes(views[[0, 1]]))
    with pytest.raises(IndexError, match='two objects'):
        unlabeled.get_data_info(0 * unlabeled.num_images + 30)
    stats = unlabeled.pseudo_label_stats()
    assert stats['coverage'] == 1.0 and stats['accuracy'] == 1.0
    # a quarter of the images are supervised from their true camera
    snapped = unlabeled.pseudo_table.supervision_cameras()
    np.testing.assert_array_equal(snapped[24:48], table.true_cameras[24:48])
    np.testing.assert_array_equal(snapped[:24], grid_cameras(views[:24]))
    assert 0 < stats['camera_elevation'] < 20


def test_sampler_draws_accepted_images_of_one_object(tiny_off_grid_root):
    semi = build(tiny_off_grid_root)
    unlabeled = semi.unlabeled
    views = torch.full((unlabeled.num_images, ), -1)
    views[[5, 9, 30, 31, 32]] = 3  # objects 0 (2 images) and 1 (3)
    views[50] = 4  # object 2: a single image cannot make a pair
    unlabeled.set_pseudo_labels(views)
    sampler = SemiSupervisedPairSampler(
        semi, batch_size=8, num_unlabeled=4, seed=0)
    offset = len(semi.labeled)
    pairs = set()
    for number in range(20):
        for index in sampler._batch(number)[-4:]:
            a, b = divmod(int(index) - offset, unlabeled.num_images)
            assert a != b
            pairs.add((a, b))
    assert {a for a, _ in pairs} | {b for _, b in pairs} == {5, 9, 30, 31, 32}
    assert all((a < 24) == (b < 24) for a, b in pairs)


def test_views_file_checks(tmp_path):
    path = str(tmp_path / '03001627_train_views.npz')
    images = np.zeros((3, 4, 8, 8), np.uint8)
    save_views(path, images, np.full((3, 3), np.nan), [2, 2, 5])
    assert load_views(path).objects.tolist() == [2, 2, 5]
    with pytest.raises(DataError, match='cameras must be floats'):
        save_views(path, images, np.zeros((2, 3)), [0, 0, 0])
    with pytest.raises(DataError, match='all three values'):
        save_views(path, images, [[1.0, np.nan, 2.0]] * 3, [0, 0, 0])
    np.savez(path, images=images)
    with pytest.raises(DataError, match=r"missing arrays \['cameras'"):
        load_views(path)
