"""tools/analysis_tools/benchmark_training.py: the step-time breakdown."""
import json
import os.path as osp
from types import SimpleNamespace

from .. import conftest
from ..conftest import REPO_ROOT
from .test_train_test_resume import SSR_MODEL, run_tool, write_config

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'benchmark_training.py')


def load_tool():
    return conftest.load_tool(TOOL)


def test_profiler_events_are_sorted_into_categories():
    category = load_tool().category
    assert category('mmssr.renderer') == 'renderer'
    assert category('autograd::engine::evaluate_function: '
                    '_FusedSilhouetteBackward') == 'renderer'
    assert category('aten::conv2d') == 'convolutions'
    assert category('autograd::engine::evaluate_function: '
                    'ConvolutionBackward0') == 'convolutions'
    assert category('aten::addmm') == 'fully connected'
    assert category('Optimizer.step#Adam.step') == 'optimizer'
    assert category('aten::_convert_indices_from_coo_to_csr') is None
    assert category('aten::mul') is None


def test_an_event_inside_a_categorized_one_counts_once():
    tool = load_tool()
    root = SimpleNamespace(name='mmssr.renderer', cpu_parent=None,
                           cpu_time_total=100.0)
    inner = SimpleNamespace(name='aten::conv2d', cpu_parent=root,
                            cpu_time_total=40.0)
    free = SimpleNamespace(name='aten::conv2d', cpu_parent=None,
                           cpu_time_total=7.0)
    totals = tool.breakdown([root, inner, free])
    assert totals['renderer'] == 100.0 and totals['convolutions'] == 7.0


def test_tiny_ssr_rows(tmp_path, tiny_synthetic_root):
    cfg = write_config(tmp_path, 'configs/ssr/ssr_synthetic_n2.py',
                       SSR_MODEL, tiny_synthetic_root, 'ssr_tiny',
                       train_extra=', sampler=dict(num_unlabeled=2)')
    out = tmp_path / 'steps.json'
    proc = run_tool(TOOL, cfg, '--iters', '2', '--warmup', '1', '--threads',
                    '1', '--row', 'torch-renderer',
                    'model.reconstructor.renderer.backend=torch', '--out',
                    str(out))
    assert '| config | 4 |' in proc.stdout
    assert '| torch-renderer | 4 |' in proc.stdout
    rows = json.loads(out.read_text())
    for row in rows.values():
        assert abs(sum(row['shares'].values()) - 1.0) < 1e-6
        assert row['shares']['renderer'] > 0  # the scope was seen
        assert row['shares']['convolutions'] > 0
        assert row['step_ms'] > 0


def test_a_missing_config_is_one_error_line(tmp_path):
    proc = run_tool(TOOL, str(tmp_path / 'nope.py'), check=False)
    assert proc.returncode == 2
    assert proc.stderr.count('error:') == 1 and 'nope.py' in proc.stderr
    assert 'Traceback' not in proc.stderr
