import itertools

import numpy as np
import pytest
import torch
from mmengine.runner import Runner

from mmssr.datasets import SemiSupervisedShapeNetDataset
from mmssr.datasets.samplers import SemiSupervisedPairSampler
from mmssr.errors import ConfigError
from .test_shapenet_dataset import data_root  # noqa: F401


@pytest.fixture
def semi(data_root):  # noqa: F811
    return SemiSupervisedShapeNetDataset(
        data_root=str(data_root),
        categories=['chair', 'car'],
        num_labeled=2,
        pipeline=[dict(type='PackMeshInputs')])


def take(sampler, n):
    return list(itertools.islice(iter(sampler), n))


def test_labeled_only_until_pseudo_labels_exist(semi):
    sampler = SemiSupervisedPairSampler(
        semi, batch_size=8, num_unlabeled=4, seed=0)
    indices = take(sampler, 32)
    assert all(i < len(semi.labeled) for i in indices)


def test_mixed_batches_use_only_accepted_views(semi):
    table = torch.full((6, 24), -1, dtype=torch.long)
    table[1, [3, 8, 15]] = torch.tensor([3, 9, 15])
    table[4, 0] = 0  # one view only: not eligible
    semi.unlabeled.set_pseudo_labels(table)
    sampler = SemiSupervisedPairSampler(
        semi, batch_size=8, num_unlabeled=3, seed=0)
    offset = len(semi.labeled)
    for batch in np.asarray(take(sampler, 8 * 10)).reshape(10, 8):
        assert (batch[:5] < offset).all() and (batch[5:] >= offset).all()
        for idx in batch[5:] - offset:
            obj, rest = divmod(int(idx), 576)
            a, b = divmod(rest, 24)
            assert obj == 1 and a != b and {a, b} <= {3, 8, 15}
            item = semi[offset + int(idx)]['data_samples']
            assert item.is_labeled is False
            assert (item.view_ids >= 0).all()


def test_deterministic_and_rank_dependent(semi, monkeypatch):
    a = take(SemiSupervisedPairSampler(semi, 8, 2, seed=3), 40)
    b = take(SemiSupervisedPairSampler(semi, 8, 2, seed=3), 40)
    assert a == b
    import mmssr.datasets.samplers.semi_supervised_sampler as mod
    monkeypatch.setattr(mod, 'get_dist_info', lambda: (1, 2))
    c = take(SemiSupervisedPairSampler(semi, 8, 2, seed=3), 40)
    assert a != c


def test_errors(semi):
    with pytest.raises(TypeError, match='ConcatDataset'):
        SemiSupervisedPairSampler(semi.labeled, 8, 2)
    with pytest.raises(ConfigError,
                       match=r'sampler.num_unlabeled: .*\[0, batch_size=8\]'):
        SemiSupervisedPairSampler(semi, 8, 9)
    with pytest.raises(ConfigError, match='sampler.batch_size'):
        SemiSupervisedPairSampler(semi, None, 2)


def test_builds_through_runner_dataloader(data_root):  # noqa: F811
    loader = Runner.build_dataloader(
        dict(
            batch_size=4,
            num_workers=0,
            sampler=dict(
                type='SemiSupervisedPairSampler',
                batch_size=4,
                num_unlabeled=2,
                seed=0),
            dataset=dict(
                type='SemiSupervisedShapeNetDataset',
                data_root=str(data_root),
                categories=['chair'],
                num_labeled=2,
                pipeline=[dict(type='PackMeshInputs')])))
    batch = next(iter(loader))
    assert len(batch['inputs']) == 4
    assert batch['inputs'][0].shape == (2, 4, 8, 8)


def test_labeled_pairs_come_in_same_view_twins(semi):
    sampler = SemiSupervisedPairSampler(
        semi, batch_size=8, num_unlabeled=0, seed=1)
    cats = semi.labeled.object_categories
    for first, second in np.asarray(take(sampler, 64)).reshape(-1, 2):
        (o1, r1), (o2, r2) = divmod(int(first), 576), divmod(int(second), 576)
        assert r1 == r2  # the same two viewpoints
        assert o1 != o2 and cats[o1] == cats[o2]  # two objects, one category
    plain = SemiSupervisedPairSampler(
        semi, batch_size=8, num_unlabeled=0, seed=1, twin_labeled=False)
    pairs = np.asarray(take(plain, 64)).reshape(-1, 2) % 576
    assert (pairs[:, 0] != pairs[:, 1]).any()


def test_batch_size_comes_from_the_dataloader():
    from mmssr.datasets.samplers import fill_sampler_batch_size
    cfg = dict(
        batch_size=8,
        sampler=dict(type='SemiSupervisedPairSampler', num_unlabeled=2))
    fill_sampler_batch_size(cfg)
    assert cfg['sampler']['batch_size'] == 8
    cfg['sampler']['batch_size'] = 4
    with pytest.raises(ValueError, match='differs'):
        fill_sampler_batch_size(cfg)
    other = dict(batch_size=8, sampler=dict(type='DefaultSampler'))
    fill_sampler_batch_size(other)
    assert 'batch_size' not in other['sampler']
