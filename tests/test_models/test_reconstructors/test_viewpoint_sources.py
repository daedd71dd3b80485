import pytest
import torch

from mmssr.errors import ConfigError
from mmssr.models.reconstructors.viewpoint_sources import (
    VIEWPOINT_SOURCES, FreeViewpoints, OracleViewpoints, RandomViewpoints,
    ViewpointSource, build_viewpoint_source)
from .test_ssr_pseudo_label import TwoPeakSiamVP, make_ssr, queries_and_refs


def gen():
    return torch.Generator().manual_seed(0)


def test_names_build_their_sources_and_flags():
    assert type(build_viewpoint_source('pseudo')) is ViewpointSource
    assert isinstance(build_viewpoint_source('oracle'), OracleViewpoints)
    assert isinstance(build_viewpoint_source('random'), RandomViewpoints)
    free = build_viewpoint_source('free')
    assert isinstance(free, FreeViewpoints) and free.viewpoint_free
    # only SiamVP's own answers get refined cameras
    assert [n for n, c in VIEWPOINT_SOURCES.items() if c.refines] == ['pseudo']


def test_unknown_name_is_a_config_error_with_a_suggestion():
    with pytest.raises(ConfigError, match="did you mean 'oracle'"):
        build_viewpoint_source('orcle')
    with pytest.raises(ConfigError, match='semi_train_cfg.viewpoints'):
        make_ssr(1.0, viewpoints='siamvp')


def test_choices():
    views = torch.tensor([3, 5, 7])
    conf = torch.tensor([0.2, 0.9, 0.4])
    same = build_viewpoint_source('pseudo').choose(views, conf, None, 24, gen)
    assert torch.equal(same[0], views) and torch.equal(same[1], conf)
    stored = torch.tensor([1, 2, 3])
    oracle = OracleViewpoints().choose(views, conf, stored, 24, gen)
    assert torch.equal(oracle[0], stored)
    assert torch.equal(oracle[1], torch.ones(3))
    with pytest.raises(ConfigError, match='stored view ids'):
        OracleViewpoints().choose(views, conf, None, 24, gen)
    drawn, ones = RandomViewpoints().choose(
        torch.zeros(500, dtype=torch.long), torch.zeros(500), None, 24, gen)
    assert drawn.min() >= 0 and drawn.max() < 24 and len(drawn.unique()) > 20
    assert torch.equal(
        drawn,
        RandomViewpoints().choose(
            torch.zeros(500, dtype=torch.long), torch.zeros(500), None, 24,
            gen)[0])  # the model's generator makes the draw repeatable
    assert torch.equal(ones, torch.ones(500))


def test_a_subclass_is_a_new_choice_of_the_config():

    class FirstView(ViewpointSource):
        name = 'first_view_test'
        refines = False

        def choose(self, views, confidence, stored_views, num_views,
                   generator):
            return torch.zeros_like(views), torch.ones(len(views))

    try:
        model = make_ssr(1.0, viewpoints='first_view_test', threshold=0.5)
        model.siamvp = TwoPeakSiamVP()
        queries, refs = queries_and_refs()
        found = model.pseudo_label(queries, refs)
        assert (found.views == 0).all()
    finally:
        VIEWPOINT_SOURCES.pop('first_view_test')
