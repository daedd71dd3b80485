"""tools/analysis_tools/unlabeled_views_benchmark.py: its runs and table."""
import os.path as osp

from .. import conftest
from ..conftest import REPO_ROOT
from .test_synthetic_benchmark import fake_run
from .test_train_test_resume import run_tool

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis_tools',
                'unlabeled_views_benchmark.py')

CAMERAS = dict(
    pseudo_camera_azimuth=6.0,
    pseudo_camera_elevation=10.0,
    pseudo_camera_distance=0.065)


def test_runs_are_the_configs_of_each_variant():
    tool = conftest.load_tool(TOOL)
    names = {
        (v, m): tool.run_name(v, m)
        for v in tool.VIEWS
        for m in tool.METHODS
    }
    assert names[('grid', 'before')] == 'ssr_n2'
    assert names[('grid', 'after')] == 'ssr_n2_refine'
    assert names[('anywhere', 'after')] == 'ssr_n2_anywhere-refine'
    assert names[('grid', 'oracle')] == 'ssr_n2_oracle'
    assert names[('half', 'oracle')] == 'ssr_n2_half-oracle'
    assert names[('anywhere', 'top3')] == 'ssr_n2_anywhere-refine-top3'
    assert names[('grid', 'top3')] == 'ssr_n2_refine-top3'
    assert names[('half', 'zoom')] == 'ssr_n2_half-zoom'
    assert names[('grid', 'zoom')] == 'ssr_n2_zoom'
    assert names[('anywhere', 'offgrid')] == 'ssr_n2_anywhere-offgrid'
    for name in names.values():  # each is a config
        assert osp.isfile(
            osp.join(REPO_ROOT, 'configs', 'ssr',
                     name.replace('ssr_', 'ssr_synthetic_', 1) + '.py'))


def test_table_gains_shares_and_camera_errors(tmp_path):
    root = str(tmp_path)
    for seed, base in ((0, 0.50), (1, 0.52)):
        fake_run(root, 'softras_n2', seed, base)
        fake_run(root, 'ssr_n2', seed, base + 0.10)  # the 100 %
        fake_run(root, 'ssr_n2_anywhere', seed, base + 0.05,
                 [dict(step=1, **CAMERAS)])
        fake_run(root, 'ssr_n2_anywhere-refine', seed, base + 0.09,
                 [dict(step=1, **dict(CAMERAS, pseudo_camera_elevation=4.0))])
    proc = run_tool(TOOL, '--summarize-only', '--work-dir', root, '--views',
                    'anywhere')
    out = proc.stdout
    assert 'test mIoU seed 0 / 1: 0.500 / 0.520' in out
    assert ('| anywhere | grid snapping | 0.550 / 0.570 | +0.050 | 50 % | '
            '6.0° / 10.0° / 6.5 % |') in out
    assert ('| anywhere | refined | 0.590 / 0.610 | +0.090 | 90 % | '
            '6.0° / 4.0° / 6.5 % |') in out
    # without grid snapping among the methods, its runs still make the 100 %
    proc = run_tool(TOOL, '--summarize-only', '--work-dir', root, '--views',
                    'grid', 'anywhere', '--methods', 'after')
    assert ('| anywhere | refined | 0.590 / 0.610 | +0.090 | 90 % |'
            in proc.stdout)
    assert '| on the grid | refined | – / – | – | – |' in proc.stdout


def test_offgrid_configs_are_top3_plus_zoom_and_threshold():
    """Each *-offgrid config is its *-refine-top3 config with RandomZoom in
    SiamVP's augments and a margin threshold of 0.1, nothing else."""
    from mmengine.config import Config
    for prefix in ('', 'half-', 'anywhere-'):
        top3 = Config.fromfile(
            osp.join(REPO_ROOT, 'configs', 'ssr',
                     f'ssr_synthetic_n2_{prefix}refine-top3.py'))
        recipe = Config.fromfile(
            osp.join(REPO_ROOT, 'configs', 'ssr',
                     f'ssr_synthetic_n2_{prefix}offgrid.py'))
        assert recipe.model.semi_train_cfg.threshold == 0.1
        assert top3.model.semi_train_cfg.threshold == 0.2
        augments = recipe.model.siamvp_augments
        assert augments[:-1] == top3.model.siamvp_augments
        assert augments[-1]['type'] == 'RandomZoom'
        recipe.model.semi_train_cfg.threshold = 0.2
        recipe.model.siamvp_augments = augments[:-1]
        assert recipe.to_dict() == top3.to_dict(), prefix
