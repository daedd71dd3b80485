"""What the configs say for GPUs: cuDNN benchmarking, TF32, total batch."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config

from ..conftest import REPO_ROOT

TRAIN_CONFIGS = sorted(
    glob.glob(osp.join(REPO_ROOT, 'configs', '*', '*_n*.py')) +
    glob.glob(osp.join(REPO_ROOT, 'configs', '*', '*_full.py')))


@pytest.mark.parametrize(
    'path', TRAIN_CONFIGS, ids=[osp.basename(p) for p in TRAIN_CONFIGS])
def test_every_training_config_states_its_gpu_settings(path):
    cfg = Config.fromfile(path)
    assert cfg.env_cfg.cudnn_benchmark is True  # fixed shapes
    assert cfg.env_cfg.tf32 in (True, False)  # a stated choice
    # the total batch the learning rate is for, checked by tools/train.py
    assert cfg.auto_scale_lr.base_batch_size >= cfg.train_dataloader.batch_size
