"""Config checks: the total batch of a multi-process run."""
import pytest
from mmengine.config import Config

from mmssr.errors import ConfigError
from mmssr.utils.config_checks import check_total_batch_size
from ..conftest import REPO_ROOT


def shapenet_ssr():
    return Config.fromfile(f'{REPO_ROOT}/configs/ssr/ssr_shapenet_n2.py')


def test_configs_state_the_total_batch_of_the_paper():
    for name in ('ssr/ssr_shapenet_n2.py', 'softras/softras_shapenet_n2.py'):
        cfg = Config.fromfile(f'{REPO_ROOT}/configs/{name}')
        assert cfg.auto_scale_lr.base_batch_size == 64
        assert cfg.train_dataloader.batch_size == 64  # on one GPU
        check_total_batch_size(cfg, 1)


def test_eight_gpus_at_64_each_are_refused_with_the_fixes_named():
    """dist_train.sh CONFIG 8 used to train 512 at the paper's lr."""
    with pytest.raises(ConfigError) as err:
        check_total_batch_size(shapenet_ssr(), 8)
    msg = str(err.value)
    assert msg.startswith('train_dataloader.batch_size: 64 per process x 8 '
                          'processes is a total batch of 512')
    assert 'auto_scale_lr.base_batch_size=64' in msg
    # the per-GPU batch (and the unlabeled share of it) of the paper's 64
    assert ('--cfg-options train_dataloader.batch_size=8 '
            'train_dataloader.sampler.num_unlabeled=4') in msg
    assert '--auto-scale-lr' in msg


def test_agreeing_or_scaled_totals_pass():
    cfg = shapenet_ssr()
    cfg.merge_from_dict({
        'train_dataloader.batch_size': 8,
        'train_dataloader.sampler.num_unlabeled': 4
    })
    check_total_batch_size(cfg, 8)
    cfg = shapenet_ssr()
    cfg.auto_scale_lr.enable = True  # --auto-scale-lr
    check_total_batch_size(cfg, 8)
    cfg = shapenet_ssr()
    cfg.auto_scale_lr.base_batch_size = 512  # stated on purpose
    check_total_batch_size(cfg, 8)


def test_an_indivisible_total_offers_the_other_fixes():
    with pytest.raises(ConfigError) as err:
        check_total_batch_size(shapenet_ssr(), 3)
    msg = str(err.value)
    assert 'for the total batch of 64' not in msg  # 64 / 3 is no batch
    assert '--auto-scale-lr' in msg
    assert 'auto_scale_lr.base_batch_size=192' in msg
