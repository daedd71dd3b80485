"""The hook decides when, shards, and moves the table; the model labels."""
from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub, MMLogger
from torch import nn

from mmssr.datasets import SemiSupervisedShapeNetDataset
from mmssr.engine.hooks import SemiSupervisedViewpointHook
from mmssr.errors import ConfigError
from mmssr.registry import MODELS
from mmssr.structures import NUM_VIEWS
from mmssr.structures.view_cameras import nearest_grid_views
from ...conftest import TINY_CATEGORIES


class OracleSiamVP(nn.Module):
    """Answers with the stored view order (the truth), confidence 0.9."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.num_queries = 0
        self.num_references = 0

    def embed_references(self, refs, batch_size=256):
        self.num_references += refs.shape[0] * refs.shape[1]
        return torch.zeros(refs.shape[0], refs.shape[1], 1)

    def reference_probabilities(self, images, refs, batch_size=256):
        n = images.shape[0]
        self.num_queries += n
        views = torch.arange(n) % NUM_VIEWS  # objects x stored views
        probs = torch.zeros(n, refs.shape[0], NUM_VIEWS)
        probs[torch.arange(n), :, views] = 0.9
        return probs


# A small SSR model: 32x32 input, 42-vertex template.
TINY_SSR = dict(
    type='SSRReconstructor',
    reconstructor=dict(
        type='SoftRasReconstructor',
        image_size=32,
        encoder=dict(type='SoftRasEncoder'),
        decoder=dict(type='TemplateMeshDecoder', subdivisions=1),
        renderer=dict(type='SoftRasterizer')),
    siamvp=dict(type='SiamVP'))


def make_ssr(accuracy, **semi_train_cfg):
    model = MODELS.build(dict(TINY_SSR, semi_train_cfg=semi_train_cfg))
    model.siamvp = OracleSiamVP()
    model.siamvp_accuracy.fill_(accuracy)
    return model


def make_runner(root, model, **dataset_cfg):
    dataset = SemiSupervisedShapeNetDataset(
        dataset_type='ShapeNetDataset',
        data_root=root,
        categories=TINY_CATEGORIES,
        num_labeled=2,
        **dataset_cfg)
    return SimpleNamespace(
        model=model,
        train_dataloader=SimpleNamespace(dataset=dataset),
        logger=MMLogger.get_instance('test_hook'),
        message_hub=MessageHub.get_instance('test_hook'),
        iter=0)


def test_gate_keeps_the_table_empty(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, make_ssr(0.5, gate=0.99))
    hook = SemiSupervisedViewpointHook()
    assert hook.update(runner) is None
    assert runner.model.siamvp.num_queries == 0
    assert (
        runner.train_dataloader.dataset.unlabeled.pseudo_labels == -1).all()


def test_update_fills_the_table_and_logs_stats(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, make_ssr(1.0, threshold=0.8))
    hook = SemiSupervisedViewpointHook()
    table = hook.update(runner)
    unlabeled = runner.train_dataloader.dataset.unlabeled
    assert table.shape == (unlabeled.num_objects, NUM_VIEWS)
    assert torch.equal(unlabeled.pseudo_labels, table)
    assert torch.equal(table, torch.arange(NUM_VIEWS).expand_as(table))
    # every view of every unlabeled object was asked exactly once
    assert runner.model.siamvp.num_queries == table.numel()
    stats = unlabeled.pseudo_label_stats()
    assert stats['coverage'] == 1.0 and stats['accuracy'] == 1.0
    # both labeled objects name the same view everywhere
    assert hook.agreement == dict(chair=1.0, car=1.0)
    assert stats['eligible_objects'] == unlabeled.num_objects
    hook._log(runner, unlabeled)
    assert runner.message_hub.get_scalar(
        'train/pseudo_coverage').current() == 1.0
    assert runner.message_hub.get_scalar(
        'train/agreement/car').current() == 1.0


def test_the_models_threshold_applies(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, make_ssr(1.0, threshold=0.95))
    assert (SemiSupervisedViewpointHook().update(runner) == -1).all()


@pytest.mark.parametrize('viewpoints', ['oracle', 'random', 'free'])
def test_viewpoint_sources_of_the_ablations(tiny_synthetic_root, viewpoints):
    runner = make_runner(tiny_synthetic_root,
                         make_ssr(1.0, threshold=0.95, viewpoints=viewpoints))
    table = SemiSupervisedViewpointHook().update(runner)
    assert (table >= 0).all()  # both ignore SiamVP's confidence
    truth = torch.arange(NUM_VIEWS).expand_as(table)
    # on the grid no source gives cameras: the view ids are exact
    assert torch.isnan(
        runner.train_dataloader.dataset.unlabeled.pseudo_cameras).all()
    if viewpoints in ('oracle', 'free'):
        # 'free' keeps SiamVP's answers (here the truth) for every view
        assert torch.equal(table, truth)
    else:  # uniform: about 1 in 24 right, and not all the same view
        assert (table == truth).float().mean() < 0.2
        assert len(table.unique()) > NUM_VIEWS // 2


def test_the_oracle_supervises_off_grid_images_from_their_cameras(
        tiny_off_grid_root):
    runner = make_runner(
        tiny_off_grid_root,
        make_ssr(1.0, viewpoints='oracle'),
        unlabeled_views='file')
    table = SemiSupervisedViewpointHook().update(runner)
    unlabeled = runner.train_dataloader.dataset.unlabeled
    truth = unlabeled.pseudo_table.true_cameras
    assert torch.equal(table, torch.as_tensor(nearest_grid_views(truth)))
    np.testing.assert_allclose(unlabeled.pseudo_cameras.numpy(), truth)
    stats = unlabeled.pseudo_label_stats()
    assert stats['coverage'] == 1.0 and stats['camera_elevation'] < 1e-4


def test_a_refined_pass_logs_its_silhouette_fit(tiny_off_grid_root):
    runner = make_runner(
        tiny_off_grid_root,
        make_ssr(1.0, threshold=0.8, refine=dict(rounds=1)),
        unlabeled_views='file')
    hook = SemiSupervisedViewpointHook()
    hook.update(runner)
    fit = hook.silhouette_iou
    assert 0.0 < fit < 1.0
    hook._log(runner, runner.train_dataloader.dataset.unlabeled)
    assert runner.message_hub.get_scalar(
        'train/pseudo_silhouette_iou').current() == fit
    # the mean of the accepted views: keeping those above it raises it
    cfg = runner.model.semi_train_cfg
    runner.model.semi_train_cfg = replace(
        cfg, refine=replace(cfg.refine, min_iou=fit))
    hook.update(runner)
    assert hook.silhouette_iou > fit
    # without refinement there is no fit to report
    runner = make_runner(tiny_off_grid_root, make_ssr(1.0, threshold=0.8),
                         unlabeled_views='file')
    hook = SemiSupervisedViewpointHook()
    hook.update(runner)
    assert np.isnan(hook.silhouette_iou)


def test_interval_checkpoint_round_trip(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, make_ssr(1.0, gate=0.5))
    hook = SemiSupervisedViewpointHook(interval=3)
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

    fresh = make_runner(tiny_synthetic_root, make_ssr(0.0))
    hook2 = SemiSupervisedViewpointHook()
    hook2.after_load_checkpoint(fresh, checkpoint)
    hook2.before_train(fresh)
    assert torch.equal(fresh.train_dataloader.dataset.unlabeled.pseudo_labels,
                       saved)


def test_needs_a_semi_supervised_dataset(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, make_ssr(1.0))
    runner.train_dataloader.dataset = runner.train_dataloader.dataset.labeled
    with pytest.raises(ConfigError, match='SemiSupervisedShapeNetDataset'):
        SemiSupervisedViewpointHook().before_train(runner)


def test_needs_a_model_that_pseudo_labels(tiny_synthetic_root):
    runner = make_runner(tiny_synthetic_root, nn.Linear(2, 2))
    with pytest.raises(ConfigError, match='SSRReconstructor'):
        SemiSupervisedViewpointHook().update(runner)


def test_a_bad_interval_is_a_config_error():
    with pytest.raises(ConfigError, match='interval'):
        SemiSupervisedViewpointHook(interval=0)
    with pytest.raises(TypeError, match='accuracy_gate'):
        SemiSupervisedViewpointHook(accuracy_gate=0.5)  # the model's rule


def test_a_pass_embeds_references_once_and_keeps_the_groups(tmp_path):
    """40 unlabeled objects per category: the pass used to call SiamVP per
    16 objects and embed the reference views again each time."""
    import numpy as np

    from mmssr.datasets.categories import resolve_categories
    rng = np.random.default_rng(0)
    torch.manual_seed(0)  # the network's weights decide the agreements
    for synset, _ in resolve_categories(TINY_CATEGORIES):
        np.savez(tmp_path / f'{synset}_train_images.npz',
                 rng.integers(0, 256, (42, NUM_VIEWS, 4, 32, 32), np.uint8))
    model = MODELS.build(
        dict(
            TINY_SSR,
            siamvp=dict(type='SiamVP', channels=(4, 4, 4, 4), embed_dim=8),
            # random views and network: about 1 in 24 views agree; the gate
            # keeps some groups of 16 objects and refuses others
            semi_train_cfg=dict(
                gate=0.0, threshold=0.0, reference='all', min_agreement=0.03)))
    embedded = []
    embed_images = model.siamvp.embed_images

    def counting(images):
        embedded.append(len(images))
        return embed_images(images)

    model.siamvp.embed_images = counting
    runner = make_runner(str(tmp_path), model)
    table = SemiSupervisedViewpointHook().update(runner)
    dataset = runner.train_dataloader.dataset
    # 2 x 40 x 24 query views, and 2 x 2 x 24 reference views once each
    assert sum(embedded) == 2 * 40 * NUM_VIEWS + 2 * 2 * NUM_VIEWS
    from mmssr.models.reconstructors.pseudo_labeling import objects_per_call
    assert objects_per_call(model.semi_train_cfg) == 48  # one call each
    assert max(embedded) == 256  # full SiamVP batches

    # the same table as one call per agreement group of 16 objects
    expected = torch.full_like(table, -1)
    agreements = []
    for query in dataset.pseudo_label_queries(objects_per_call=16):
        found = model.pseudo_label(query.images, query.references)
        expected[query.objects] = found.views.view(-1, NUM_VIEWS)
        agreements.append(found.agreement)
    assert torch.equal(table, expected)
    assert min(agreements) < 0.03 <= max(agreements)  # the gate did both
