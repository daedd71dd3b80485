"""tools/analysis_tools/unlabeled_sweep.py on tiny data."""
import os.path as osp

from .. import conftest
from ..conftest import REPO_ROOT, TINY_CATEGORIES, TINY_SYNTHETIC
from .test_train_test_resume import run_tool

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'unlabeled_sweep.py')


def load_tool():
    return conftest.load_tool(TOOL)


def test_run_options_cap_or_grow_the_unlabeled_set():
    tool = load_tool()
    assert tool.run_options(0) == []
    assert tool.run_options(8) == ['train_dataloader.dataset.max_unlabeled=8']
    grown = tool.run_options(60, 'data/synthetic/', 32)
    assert grown[0] == 'train_dataloader.dataset.max_unlabeled=60'
    # all three splits read the larger dataset (same val and test objects)
    for loader in ('train', 'val', 'test'):
        assert (f'{loader}_dataloader.dataset.data_root='
                'data/synthetic_train62/') in grown
        assert (f'{loader}_dataloader.dataset.synthetic_cfg.num_train=62'
                in grown)


def test_sweep_trains_each_count_and_reports(tmp_path, tiny_synthetic_root):
    loaders = ('train_dataloader', 'val_dataloader', 'test_dataloader')
    tiny = [
        f'{loader}.dataset.{key}' for loader in loaders
        for key in (f'categories=[{",".join(TINY_CATEGORIES)}]',
                    f'synthetic_cfg.num_val={TINY_SYNTHETIC["num_val"]}',
                    f'synthetic_cfg.num_test={TINY_SYNTHETIC["num_test"]}',
                    f'synthetic_cfg.image_size={TINY_SYNTHETIC["image_size"]}',
                    f'synthetic_cfg.num_train={TINY_SYNTHETIC["num_train"]}')
    ]
    tiny = [
        o for o in tiny
        if not o.startswith('train_dataloader') or 'num_train' not in o
    ] + [
        'train_cfg.max_iters=2', 'train_cfg.val_interval=100',
        'test_dataloader.dataset.views=[0]'
    ]
    out = tmp_path / 'sweep.png'
    proc = run_tool(TOOL, '--jobs', '2', '--counts', '0',
                    '1', '3', '--seeds', '0', '--work-dir',
                    str(tmp_path / 'work'), '--data-root', tiny_synthetic_root,
                    '--num-train', str(TINY_SYNTHETIC['num_train']), '--out',
                    str(out), '--cfg-options',
                    *[o for o in tiny if 'data_root' not in o])
    text = proc.stdout
    assert '| 0 | SoftRas |' in text
    assert '| 1 | SSR |' in text and '| 3 | SSR |' in text
    assert out.is_file()
    # 3 unlabeled objects need a larger training split than the 2 stored
    grown = tiny_synthetic_root.rstrip('/') + '_train5'
    assert osp.isfile(osp.join(grown, 'synthetic_meta.json'))
    log = (tmp_path / 'work' / 'unlabeled1_seed0' / 'train.log').read_text()
    assert 'max_unlabeled=1,' in log  # the config dump of the run


def test_the_table_and_plot_skip_runs_that_did_not_finish(tmp_path):
    tool = load_tool()

    def done(miou):
        return dict(metrics={'shapenet/mIoU': miou})

    results = {
        'unlabeled0': {0: done(0.5), 1: done(0.6)},
        'unlabeled8': {0: done(0.7), 1: {}},  # seed 1 failed
        'unlabeled30': {0: {}, 1: {}},
        'softras_full': {0: done(0.9)},
    }
    text = tool.table(results, [0, 8, 30])
    assert '| 0 | SoftRas | 0.550 | – | 0, 1 |' in text
    assert '| 8 | SSR | 0.700 | +0.200 | 0 |' in text
    assert '| 30 | SSR | – (no run finished) | – | |' in text
    assert '| all viewpoints known | SoftRas | 0.900 | – | 0 |' in text
    out = tmp_path / 'sweep.png'
    tool.plot(results, [0, 8, 30], str(out))
    assert out.stat().st_size > 0
