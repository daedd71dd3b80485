"""Every config parses, and its model builds with a valid pseudo-label rule."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from mmssr.registry import MODELS
from ..conftest import REPO_ROOT

CONFIGS = sorted(
    osp.relpath(p, REPO_ROOT)
    for p in glob.glob(osp.join(REPO_ROOT, 'configs', '*', '*.py'))
    if '_base_' not in p)


def test_there_are_configs():
    assert len(CONFIGS) > 40


@pytest.mark.parametrize('config', [
    c for c in CONFIGS if 'n2_airplane' in c or 'synthetic' in c
    or 'custom' in c or c.endswith('n2.py')
])
def test_config_builds_its_model(config):
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    model = MODELS.build(cfg.model)
    assert model.data_preprocessor is not None
    if 'semi_train_cfg' in cfg.model:
        assert model.semi_train_cfg.threshold < 1.0
        assert cfg.train_dataloader.sampler.type == \
            'SemiSupervisedPairSampler'
        # the sampler takes its batch size from the dataloader
        assert 'batch_size' not in cfg.train_dataloader.sampler
    else:
        assert cfg.train_dataloader.sampler.type == 'InfiniteSampler'


@pytest.mark.parametrize('config', CONFIGS)
def test_config_parses(config):
    cfg = Config.fromfile(osp.join(REPO_ROOT, config))
    assert cfg.model.type in ('SoftRasReconstructor', 'SSRReconstructor')
