"""Config mistakes are ConfigErrors that name the config key."""
import pytest

from mmssr.errors import ConfigError
from mmssr.registry import DATASETS, MODELS


def test_conflicting_image_size_names_the_key():
    with pytest.raises(ConfigError, match='model.encoder.image_size=32'):
        MODELS.build(
            dict(
                type='SoftRasReconstructor',
                image_size=64,
                encoder=dict(type='SoftRasEncoder', image_size=32),
                decoder=dict(type='TemplateMeshDecoder', subdivisions=1),
                renderer=dict(type='SoftRasterizer')))


def test_semi_supervised_dataset_names_the_key_it_sets(tmp_path):
    with pytest.raises(ConfigError, match='train_dataloader.dataset.split'):
        DATASETS.build(
            dict(
                type='SemiSupervisedShapeNetDataset',
                data_root=str(tmp_path),
                split='train'))


def test_unknown_synthetic_setting_names_it_and_the_closest(tmp_path):
    with pytest.raises(ConfigError,
                       match="synthetic_cfg.num_trian.*did you mean "
                       "'num_train'"):
        DATASETS.build(
            dict(
                type='SyntheticShapeNetDataset',
                data_root=str(tmp_path),
                synthetic_cfg=dict(num_trian=3)))
