"""train_per_category: one training per category from one config."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmssr.engine.per_category import (check_per_category_resume, format_table,
                                       per_category_configs)
from mmssr.errors import ConfigError
from ..conftest import REPO_ROOT


def load(name):
    cfg = Config.fromfile(osp.join(REPO_ROOT, 'configs', name))
    cfg.work_dir = 'work_dirs/x'
    return cfg


def test_table_2_configs_split_into_one_training_per_category():
    parts = per_category_configs(load('ssr_shapenet_n2.py'))
    assert [c for c, _ in parts][:3] == ['airplane', 'bench', 'cabinet']
    assert len(parts) == 13
    for category, cfg in parts:
        for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            assert cfg[key].dataset.categories == [category]
        assert cfg.work_dir == osp.join('work_dirs/x', category)
    assert len({cfg.experiment_name for _, cfg in parts}) == 13


@pytest.mark.parametrize('name', [
    'ssr/ssr_shapenet_n2_joint.py', 'ssr/ssr_shapenet_n2_chair.py',
    'softras/softras_shapenet_full.py', 'ssr/ssr_synthetic_n2.py'
])
def test_other_configs_are_one_training(name):
    cfg = load(name)
    (category, part), = per_category_configs(cfg)
    assert category is None and part is cfg


def test_resume_and_table():
    parts = per_category_configs(load('softras/softras_shapenet_n2.py'))
    check_per_category_resume(parts, 'auto')
    with pytest.raises(ConfigError, match='one model per category'):
        check_per_category_resume(parts, 'work_dirs/x/iter_10.pth')
    table = format_table({'chair': {'shapenet/mIoU': 0.5},
                          'car': {'shapenet/mIoU': 0.7}})
    assert table.splitlines()[-1] == '| 0.500 | 0.700 | 0.600 |'
