"""SSRReconstructor owns the pseudo-labelling rule (semi_train_cfg)."""
import numpy as np
import pytest
import torch
from torch import nn

from mmssr.models.reconstructors.semi_train_cfg import SemiTrainConfig
from mmssr.registry import MODELS
from mmssr.structures import NUM_VIEWS
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

    def predict_viewpoints(self, images, refs, batch_size=256):
        self.calls.append((tuple(images.shape), tuple(refs.shape)))
        n = images.shape[0]
        views = torch.arange(n) % NUM_VIEWS
        if self.wrong_when_rotated and len(self.calls) % 2 == 0:
            views = (views + 1) % NUM_VIEWS
        probs = torch.full((n, NUM_VIEWS), 0.1)
        probs[torch.arange(n), views] = 0.9
        rival = torch.arange(n)[views % 2 == 0]
        probs[rival, (views[rival] + 5) % NUM_VIEWS] = 0.85
        return views, probs.max(1).values, probs


def queries_and_refs(num_objects=2, size=32):
    queries = torch.randint(0, 256, (num_objects * NUM_VIEWS, 4, size, size),
                            dtype=torch.uint8)
    refs = np.random.randint(0, 256, (2, NUM_VIEWS, 4, size, size),
                             dtype=np.uint8)
    return queries, refs


def test_probability_and_margin_confidence():
    model = make_ssr(1.0, threshold=0.5)
    model.siamvp = TwoPeakSiamVP()
    queries, refs = queries_and_refs()
    views, conf = model.pseudo_label(queries, refs)
    assert torch.allclose(conf, torch.tensor(0.9))
    assert torch.equal(views, torch.arange(len(views)) % NUM_VIEWS)

    model = make_ssr(1.0, threshold=0.5, confidence='margin')
    model.siamvp = TwoPeakSiamVP()
    views, conf = model.pseudo_label(queries, refs)
    even = torch.arange(len(views)) % 2 == 0
    assert torch.allclose(conf[even], torch.tensor(0.05))
    assert torch.allclose(conf[~even], torch.tensor(0.8))
    assert (views[even] == -1).all()  # the close runner-up is refused
    assert torch.equal(views[~even], (torch.arange(len(views)) %
                                      NUM_VIEWS)[~even])
    # before the threshold every view has an answer
    raw, raw_conf = model.viewpoint_confidence(queries, refs)
    assert (raw >= 0).all() and torch.equal(raw_conf, conf)


def test_reference_first_or_all_and_input_scaling():
    queries, refs = queries_and_refs(size=64)  # stored size, model is 32
    for reference, num_refs in (('first', 1), ('all', 2)):
        model = make_ssr(1.0, reference=reference)
        model.siamvp = TwoPeakSiamVP()
        model.pseudo_label(queries, refs)
        (query_shape, ref_shape), = model.siamvp.calls
        assert query_shape == (2 * NUM_VIEWS, 4, 32, 32)
        assert ref_shape == (num_refs, NUM_VIEWS, 4, 32, 32)


def test_rotation_check_refuses_disagreeing_views():
    model = make_ssr(1.0, threshold=0.0, rotation_check=True)
    model.siamvp = TwoPeakSiamVP(wrong_when_rotated=True)
    views, conf = model.pseudo_label(*queries_and_refs())
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


def test_old_siamvp_arguments_name_their_new_home():
    with pytest.raises(ValueError, match='RandomChannelGain'):
        MODELS.build(dict(
            type='SSRReconstructor',
            reconstructor=dict(
                type='SoftRasReconstructor', image_size=32,
                encoder=dict(type='SoftRasEncoder'),
                decoder=dict(type='TemplateMeshDecoder', subdivisions=1),
                renderer=dict(type='SoftRasterizer')),
            siamvp=dict(type='SiamVPHead', color_jitter=0.4)))
