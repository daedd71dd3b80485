"""SSRReconstructor owns the pseudo-labelling rule (semi_train_cfg)."""
import numpy as np
import pytest
import torch
from torch import nn

import mmssr.models.reconstructors.pseudo_labeller as labeller_module
from mmssr.models.reconstructors.camera_refinement import RefinedCameras
from mmssr.models.reconstructors.pseudo_labeling import SemiTrainConfig
from mmssr.structures import NUM_VIEWS
from mmssr.structures.view_cameras import grid_cameras, nearest_grid_views
from ...test_engine.test_hooks.test_semi_supervised_viewpoint_hook import \
    make_ssr


class TwoPeakSiamVP(nn.Module):
    """Truth 0.9 for query i (view i % V); a rival at 0.85 on even views.

    Also records the references and image sizes it was given, and answers
    one view off for rotated queries when ``wrong_when_rotated``.
    """

    def __init__(self, wrong_when_rotated=False):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.wrong_when_rotated = wrong_when_rotated
        self.calls = []

    def reference_probabilities(self, images, refs, batch_size=256):
        self.calls.append((tuple(images.shape), tuple(refs.shape)))
        n = images.shape[0]
        views = torch.arange(n) % NUM_VIEWS
        if self.wrong_when_rotated and len(self.calls) % 2 == 0:
            views = (views + 1) % NUM_VIEWS
        probs = torch.full((n, NUM_VIEWS), 0.1)
        probs[torch.arange(n), views] = 0.9
        rival = torch.arange(n)[views % 2 == 0]
        probs[rival, (views[rival] + 5) % NUM_VIEWS] = 0.85
        return probs[:, None].expand(n, refs.shape[0], NUM_VIEWS).clone()

    def predict_viewpoints(self, images, refs, batch_size=256):
        probs = self.reference_probabilities(images, refs).mean(1)
        return probs.argmax(1), probs.max(1).values, probs


def queries_and_refs(num_objects=2, size=32):
    queries = torch.randint(
        0, 256, (num_objects * NUM_VIEWS, 4, size, size), dtype=torch.uint8)
    refs = np.random.randint(
        0, 256, (2, NUM_VIEWS, 4, size, size), dtype=np.uint8)
    return queries, refs


def test_probability_and_margin_confidence():
    model = make_ssr(1.0, threshold=0.5)
    model.siamvp = TwoPeakSiamVP()
    queries, refs = queries_and_refs()
    views, conf, *_ = model.pseudo_label(queries, refs)
    assert torch.allclose(conf, torch.tensor(0.9))
    assert torch.equal(views, torch.arange(len(views)) % NUM_VIEWS)

    model = make_ssr(1.0, threshold=0.5, confidence='margin')
    model.siamvp = TwoPeakSiamVP()
    views, conf, *_ = model.pseudo_label(queries, refs)
    even = torch.arange(len(views)) % 2 == 0
    assert torch.allclose(conf[even], torch.tensor(0.05))
    assert torch.allclose(conf[~even], torch.tensor(0.8))
    assert (views[even] == -1).all()  # the close runner-up is refused
    assert torch.equal(views[~even],
                       (torch.arange(len(views)) % NUM_VIEWS)[~even])
    # before the threshold every view has an answer
    raw, raw_conf, _ = model.viewpoint_confidence(queries, refs)
    assert (raw >= 0).all() and torch.equal(raw_conf, conf)


def test_reference_first_or_all_and_input_scaling():
    queries, refs = queries_and_refs(size=64)  # stored size, model is 32
    for reference in ('first', 'all'):
        model = make_ssr(1.0, reference=reference)
        model.siamvp = TwoPeakSiamVP()
        model.pseudo_label(queries, refs)
        (query_shape, ref_shape), = model.siamvp.calls
        assert query_shape == (2 * NUM_VIEWS, 4, 32, 32)
        # every reference object is asked (for the agreement); the rule
        # then averages the first or all of them
        assert ref_shape == (2, NUM_VIEWS, 4, 32, 32)
        views, conf, *_ = model.pseudo_label(queries, refs)
        assert torch.allclose(conf, torch.tensor(0.9))


def test_rotation_check_refuses_disagreeing_views():
    model = make_ssr(1.0, threshold=0.0, rotation_check=True)
    model.siamvp = TwoPeakSiamVP(wrong_when_rotated=True)
    views, conf, *_ = model.pseudo_label(*queries_and_refs())
    assert len(model.siamvp.calls) == 2
    assert (views == -1).all() and (conf == 0).all()


def test_gate():
    assert not make_ssr(0.89, gate=0.9).pseudo_label_ready()
    assert make_ssr(0.91, gate=0.9).pseudo_label_ready()


def test_settings_are_checked_with_a_hint():
    with pytest.raises(ValueError, match="did you mean 'threshold'"):
        SemiTrainConfig.from_dict(dict(treshold=0.3))
    with pytest.raises(ValueError, match='semi_train_cfg.confidence'):
        SemiTrainConfig.from_dict(dict(confidence='entropy'))
    with pytest.raises(ValueError, match='semi_train_cfg.threshold'):
        SemiTrainConfig.from_dict(dict(threshold=1.0))
    with pytest.raises(ValueError, match='semi_train_cfg.reference'):
        SemiTrainConfig.from_dict(dict(reference='best'))
    assert SemiTrainConfig.from_dict(None) == SemiTrainConfig()


class DisagreeingSiamVP(TwoPeakSiamVP):
    """Reference object 1 answers one view off on every query."""

    def reference_probabilities(self, images, refs, batch_size=256):
        probs = super().reference_probabilities(images, refs, batch_size)
        probs[:, 1] = probs[:, 1].roll(1, dims=-1)
        return probs


def test_agreement_of_reference_objects_and_its_gate():
    queries, refs = queries_and_refs()
    model = make_ssr(1.0, threshold=0.0)
    model.siamvp = TwoPeakSiamVP()
    assert model.pseudo_label(queries, refs).agreement == 1.0
    model.siamvp = DisagreeingSiamVP()
    found = model.pseudo_label(queries, refs)
    assert found.agreement == 0.0  # viewpoints do not transfer
    assert (found.views >= 0).all()  # min_agreement 0: no gate
    model = make_ssr(1.0, threshold=0.0, min_agreement=0.5)
    model.siamvp = DisagreeingSiamVP()
    assert (model.pseudo_label(queries, refs).views == -1).all()
    model.siamvp = TwoPeakSiamVP()
    assert (model.pseudo_label(queries, refs).views >= 0).all()
    # one reference object: nothing to compare
    assert np.isnan(model.pseudo_label(queries, refs[:1]).agreement)


def test_oracle_needs_the_stored_views():
    model = make_ssr(1.0, viewpoints='oracle')
    model.siamvp = TwoPeakSiamVP()
    queries, refs = queries_and_refs()
    with pytest.raises(ValueError, match='stored view ids'):
        model.pseudo_label(queries, refs)
    stored = torch.arange(len(queries)) % NUM_VIEWS
    assert torch.equal(model.pseudo_label(queries, refs, stored).views, stored)


def test_oracle_gives_true_cameras_off_the_grid_only():
    model = make_ssr(1.0, viewpoints='oracle', refine=dict(rounds=1))
    model.siamvp = TwoPeakSiamVP()
    queries, refs = queries_and_refs()
    cameras = grid_cameras(np.arange(len(queries)) % NUM_VIEWS)
    off = np.arange(len(queries)) % 3 == 0
    cameras[off] += np.array([4.0, 7.0, 0.1], np.float32)
    cameras[1] = np.nan  # unknown: no camera and no view
    stored = torch.as_tensor(nearest_grid_views(cameras))
    found = model.pseudo_label(queries, refs, stored, stored_cameras=cameras)
    assert torch.equal(found.views, stored) and found.views[1] == -1
    refined = torch.isfinite(found.cameras).all(1).numpy()
    assert refined.tolist() == off.tolist()  # on the grid: the view id alone
    assert np.allclose(found.cameras[refined].numpy(), cameras[off])
    # without cameras (the grid format): view ids alone, as before
    assert model.pseudo_label(queries, refs, stored).cameras is None


def test_refined_cameras_of_accepted_views_only(monkeypatch):
    model = make_ssr(
        1.0,
        threshold=0.5,
        confidence='margin',
        refine=dict(rounds=1, hypotheses=1))
    model.siamvp = TwoPeakSiamVP()  # margin 0.05 on even views: rejected
    queries, refs = queries_and_refs()
    seen = {}

    def fake_refine(reconstructor, images, views, cfg, groups, batch_size):
        seen.update(num=len(images), views=views, groups=groups)
        cams = torch.stack([
            views.float(), 30 + views.float(),
            torch.full((len(views), ), 2.5)
        ], 1)
        return RefinedCameras(cams, torch.linspace(0, 1, len(views)))

    monkeypatch.setattr(labeller_module, 'refine_pseudo_cameras', fake_refine)
    objects = np.repeat([5, 9], NUM_VIEWS)
    found = model.pseudo_label(queries, refs, image_objects=objects)
    odd = torch.arange(len(queries)) % 2 == 1
    assert torch.equal(found.views >= 0, odd)
    assert seen['num'] == int(odd.sum())  # only accepted views are refined
    assert seen['groups'].tolist() == objects[odd.numpy()].tolist()
    assert torch.isnan(found.cameras[~odd]).all()
    assert torch.equal(found.cameras[odd, 1], 30 + found.views[odd].float())
    # each refined view's silhouette fit, in the order of the views
    assert torch.isnan(found.silhouette_iou[~odd]).all()
    assert torch.equal(found.silhouette_iou[odd],
                       torch.linspace(0, 1, int(odd.sum())))
    # min_iou drops the views whose refined silhouette fits worst
    model = make_ssr(
        1.0,
        threshold=0.5,
        confidence='margin',
        refine=dict(rounds=1, min_iou=0.5, hypotheses=1))
    model.siamvp = TwoPeakSiamVP()
    found = model.pseudo_label(queries, refs, image_objects=objects)
    assert 0 < int((found.views >= 0).sum()) < int(odd.sum())
    assert torch.equal(torch.isfinite(found.cameras).all(1), found.views >= 0)
    # the fit of the dropped ones is still reported
    assert torch.isfinite(found.silhouette_iou[odd]).all()
    # without refine: no cameras, no fit
    model = make_ssr(1.0, threshold=0.5)
    model.siamvp = TwoPeakSiamVP()
    found = model.pseudo_label(queries, refs)
    assert found.cameras is None and found.silhouette_iou is None


def test_refinement_hypotheses_are_siamvps_most_probable_views(monkeypatch):
    model = make_ssr(
        1.0, threshold=0.0, refine=dict(rounds=1, hypotheses=2))
    model.siamvp = TwoPeakSiamVP()  # even views: the rival is 5 views on
    queries, refs = queries_and_refs(num_objects=1)
    seen = {}

    def fake_refine(reconstructor, images, views, cfg, groups, batch_size):
        seen['starts'] = views
        # the second hypothesis wins on even views
        wins = (views[:, 0] % 2 == 0).long()
        cams = torch.as_tensor(grid_cameras(views.gather(1, wins[:, None])))
        cams = cams[:, 0]
        return RefinedCameras(cams, torch.ones(len(views)), wins)

    monkeypatch.setattr(labeller_module, 'refine_pseudo_cameras', fake_refine)
    found = model.pseudo_label(queries, refs)
    truth = torch.arange(NUM_VIEWS)
    assert seen['starts'].shape == (NUM_VIEWS, 2)
    assert torch.equal(seen['starts'][:, 0], truth)
    even = truth % 2 == 0
    assert torch.equal(seen['starts'][even, 1], (truth[even] + 5) % NUM_VIEWS)
    # the view id is that of the hypothesis whose camera won
    expected = torch.where(even, (truth + 5) % NUM_VIEWS, truth)
    assert torch.equal(found.views, expected)
    assert np.array_equal(
        nearest_grid_views(found.cameras.numpy()), expected.numpy())
    # by default SiamVP's three most probable views are refined
    model = make_ssr(1.0, threshold=0.0, refine=dict(rounds=1))
    model.siamvp = TwoPeakSiamVP()
    model.pseudo_label(queries, refs)
    assert seen['starts'].shape == (NUM_VIEWS, 3)


def test_keep_previous_merges_cameras_like_view_ids():
    keep = make_ssr(1.0, keep_previous=True)
    previous = torch.tensor([[1.0, 30, 2.7], [2.0, 31, 2.8]])
    new = torch.tensor([[5.0, 35, 2.6], [float('nan')] * 3])
    merged = keep.merge_pseudo_cameras(previous, new, torch.tensor([3, -1]))
    assert torch.equal(merged, torch.stack([new[0], previous[1]]))
    replace = make_ssr(1.0)
    out = replace.merge_pseudo_cameras(previous, new, torch.tensor([3, -1]))
    assert torch.equal(out[0], new[0]) and torch.isnan(out[1]).all()
