from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MessageHub, MMLogger
from torch import nn

from mmssr.datasets import SemiSupervisedShapeNetDataset
from mmssr.engine.hooks import SemiSupervisedViewpointHook
from ...conftest import TINY_CATEGORIES, TINY_SYNTHETIC


class OracleSiamVP(nn.Module):
    """Answers with the stored view order (the truth), with a confidence."""

    def __init__(self, confidence=0.9, wrong_when_rotated=False):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.confidence = confidence
        self.wrong_when_rotated = wrong_when_rotated
        self.calls = 0

    def predict_viewpoints(self, images, refs, batch_size=256):
        self.calls += 1
        n = images.shape[0]
        views = torch.arange(n) % 24  # hook sends objects x 24 views
        if self.wrong_when_rotated and self.calls % 2 == 0:
            views = (views + 1) % 24
        conf = torch.full((n, ), self.confidence)
        return views, conf, torch.zeros(n, 24)


def make_runner(root, siamvp, accuracy):
    dataset = SemiSupervisedShapeNetDataset(
        dataset_type='ShapeNetDataset', data_root=root,
        categories=TINY_CATEGORIES, num_labeled=2)
    model = nn.Module()
    model.siamvp = siamvp
    model.register_buffer('siamvp_accuracy', torch.tensor(accuracy))
    return SimpleNamespace(
        model=model,
        train_dataloader=SimpleNamespace(dataset=dataset),
        logger=MMLogger.get_instance('test_hook'),
        message_hub=MessageHub.get_instance('test_hook'),
        iter=0)


def test_gate_keeps_the_table_empty(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, OracleSiamVP(), 0.5)
    hook = SemiSupervisedViewpointHook(accuracy_gate=0.99)
    assert hook.update(runner) is None
    assert (runner.train_dataloader.dataset.unlabeled.pseudo_labels ==
            -1).all()


def test_update_fills_the_table_and_logs_stats(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, OracleSiamVP(0.9), 1.0)
    hook = SemiSupervisedViewpointHook(accuracy_gate=0.99,
                                       confidence_threshold=0.8)
    table = hook.update(runner)
    unlabeled = runner.train_dataloader.dataset.unlabeled
    assert table.shape == (unlabeled.num_objects, 24)
    assert torch.equal(unlabeled.pseudo_labels, table)
    assert torch.equal(table, torch.arange(24).expand_as(table))
    stats = hook.table_stats(unlabeled)
    assert stats['coverage'] == 1.0 and stats['accuracy'] == 1.0
    assert stats['eligible_objects'] == unlabeled.num_objects
    hook._log_table(runner, unlabeled)
    assert runner.message_hub.get_scalar(
        'train/pseudo_coverage').current() == 1.0


def test_confidence_threshold_and_rotation_check(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, OracleSiamVP(0.7), 1.0)
    hook = SemiSupervisedViewpointHook(accuracy_gate=0.0,
                                       confidence_threshold=0.8)
    assert (hook.update(runner) == -1).all()
    runner = make_runner(tiny_synthetic_root,
                         OracleSiamVP(0.9, wrong_when_rotated=True), 1.0)
    hook = SemiSupervisedViewpointHook(accuracy_gate=0.0,
                                       rotation_check=True)
    assert (hook.update(runner) == -1).all()  # rotated copy disagrees


def test_interval_checkpoint_round_trip(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, OracleSiamVP(0.9), 1.0)
    hook = SemiSupervisedViewpointHook(interval=3, accuracy_gate=0.5)
    for it in range(2):
        runner.iter = it
        hook.after_train_iter(runner, it)
    unlabeled = runner.train_dataloader.dataset.unlabeled
    assert (unlabeled.pseudo_labels == -1).all()  # not yet at interval
    runner.iter = 2
    hook.after_train_iter(runner, 2)
    assert (unlabeled.pseudo_labels >= 0).all()
    checkpoint = {}
    hook.before_save_checkpoint(runner, checkpoint)
    saved = checkpoint['pseudo_labels']

    fresh = make_runner(tiny_synthetic_root, OracleSiamVP(0.9), 0.0)
    hook2 = SemiSupervisedViewpointHook()
    hook2.after_load_checkpoint(fresh, checkpoint)
    hook2.before_train(fresh)
    assert torch.equal(
        fresh.train_dataloader.dataset.unlabeled.pseudo_labels, saved)


def test_reference_views_first_or_all(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, OracleSiamVP(), 1.0)
    labeled = runner.train_dataloader.dataset.labeled
    first = SemiSupervisedViewpointHook(reference='first')._references(
        labeled, 'car')
    every = SemiSupervisedViewpointHook(reference='all')._references(
        labeled, 'car')
    assert first.shape == (1, 24, 4, 32, 32)
    assert every.shape == (2, 24, 4, 32, 32)
    with pytest.raises(ValueError, match='reference'):
        SemiSupervisedViewpointHook(reference='best')


def test_needs_a_semi_supervised_dataset(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, OracleSiamVP(), 1.0)
    runner.train_dataloader.dataset = runner.train_dataloader.dataset.labeled
    with pytest.raises(TypeError, match='ConcatDataset'):
        SemiSupervisedViewpointHook().before_train(runner)


class TwoPeakSiamVP(OracleSiamVP):
    """Truth with probability 0.9; a rival view at 0.85 on even views."""

    def predict_viewpoints(self, images, refs, batch_size=256):
        n = images.shape[0]
        views = torch.arange(n) % 24
        probs = torch.full((n, 24), 0.1)
        probs[torch.arange(n), views] = 0.9
        rival = torch.arange(n)[views % 2 == 0]
        probs[rival, (views[rival] + 5) % 24] = 0.85
        return views, probs.max(1).values, probs


def test_margin_confidence_rejects_close_runner_ups(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, TwoPeakSiamVP(), 1.0)
    by_prob = SemiSupervisedViewpointHook(accuracy_gate=0.0,
                                          confidence_threshold=0.5)
    table = by_prob.update(runner)
    assert (table >= 0).all()  # every probability is 0.9
    by_margin = SemiSupervisedViewpointHook(accuracy_gate=0.0,
                                            confidence_threshold=0.5,
                                            confidence='margin')
    table = by_margin.update(runner)
    even = torch.arange(24) % 2 == 0
    assert (table[:, even] == -1).all()  # margin 0.05
    assert torch.equal(table[:, ~even],
                       torch.arange(24)[~even].expand(len(table), -1))
    views, conf = by_margin.predict_unlabeled(
        runner.model.siamvp, runner.train_dataloader.dataset.labeled,
        runner.train_dataloader.dataset.unlabeled)
    assert torch.allclose(conf[:, even], torch.tensor(0.05))
    assert torch.allclose(conf[:, ~even], torch.tensor(0.8))
    with pytest.raises(ValueError, match='confidence'):
        SemiSupervisedViewpointHook(confidence='entropy')
    with pytest.raises(ValueError, match='confidence_threshold'):
        SemiSupervisedViewpointHook(confidence_threshold=1.0)
