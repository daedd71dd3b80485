"""SigmaScheduleHook: the renderer's sigma follows the iteration."""
from types import SimpleNamespace

import pytest

from mmssr.engine.hooks import SigmaScheduleHook
from mmssr.errors import ConfigError
from mmssr.registry import MODELS
from .test_semi_supervised_viewpoint_hook import TINY_SSR


def runner_at(model, iteration):
    return SimpleNamespace(model=model, iter=iteration)


def test_sigma_steps_at_the_milestones_and_survives_a_resume():
    model = MODELS.build(TINY_SSR)
    renderer = model.reconstructor.renderer
    sigma0 = renderer.sigma_val
    hook = SigmaScheduleHook(milestones=[150000], gamma=0.3)
    hook.before_train(runner_at(model, 0))
    for it, factor in ((0, 1.0), (149999, 1.0), (150000, 0.3), (200000, 0.3)):
        hook.before_train_iter(runner_at(model, it), 0)
        assert renderer.sigma_val == pytest.approx(sigma0 * factor)
    # a run resumed at 160000 builds its model from the config again
    resumed = MODELS.build(TINY_SSR)
    hook = SigmaScheduleHook(milestones=[150000], gamma=0.3)
    hook.before_train(runner_at(resumed, 160000))
    hook.before_train_iter(runner_at(resumed, 160000), 0)
    assert resumed.reconstructor.renderer.sigma_val == pytest.approx(sigma0 *
                                                                     0.3)


def test_bad_settings_are_config_errors():
    with pytest.raises(ConfigError, match='milestones'):
        SigmaScheduleHook(milestones=[10, 5])
    with pytest.raises(ConfigError, match='gamma'):
        SigmaScheduleHook(milestones=[5], gamma=0)
