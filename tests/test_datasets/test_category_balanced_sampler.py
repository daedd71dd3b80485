"""CategoryBalancedPairSampler draws categories uniformly, as SoftRas."""
import itertools

import numpy as np
import pytest

from mmssr.datasets import ShapeNetDataset
from mmssr.datasets.samplers import CategoryBalancedPairSampler
from mmssr.structures import decode_pair
from .test_shapenet_dataset import SYNSETS, write_split


def test_categories_are_equally_likely_whatever_their_size(tmp_path):
    write_split(tmp_path, SYNSETS['chair'], 'train', 9)
    write_split(tmp_path, SYNSETS['car'], 'train', 1)
    dataset = ShapeNetDataset(
        str(tmp_path), categories=['chair', 'car'], split='train')
    sampler = CategoryBalancedPairSampler(dataset, seed=0)
    first = list(itertools.islice(iter(sampler), 20000))
    obj, view_a, view_b = decode_pair(np.asarray(first))
    # object 9 (the car) is one object of ten, yet half of the pairs
    assert (obj == 9).mean() == pytest.approx(0.5, abs=0.02)
    assert np.bincount(obj[obj < 9], minlength=9).min() > 0
    assert set(view_a) == set(range(24)) and (view_a != view_b).mean() > 0.9
    # the same seed gives the same stream (a resumed run replays it)
    again = list(itertools.islice(
        iter(CategoryBalancedPairSampler(dataset, seed=0)), 20000))
    assert again == first


def test_needs_a_pair_dataset(tmp_path):
    write_split(tmp_path, SYNSETS['chair'], 'test', 2)
    views = ShapeNetDataset(str(tmp_path), categories=['chair'],
                            split='test', mode='view')
    with pytest.raises(TypeError, match="'pair'-mode"):
        CategoryBalancedPairSampler(views, seed=0)
