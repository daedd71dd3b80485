"""tools/analysis_tools/synthetic_benchmark.py: the comparison report."""
import json
import os
import os.path as osp

from mmssr.datasets.categories import SHAPENET_CATEGORIES
from ..conftest import REPO_ROOT
from .test_train_test_resume import run_tool

TOOL = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'synthetic_benchmark.py')


def fake_run(root, name, seed, miou, scalars=None):
    work = osp.join(root, f'{name.replace("_", "_synthetic_", 1)}_seed{seed}')
    os.makedirs(osp.join(work, '20260101_000000', 'vis_data'))
    metrics = {f'shapenet/iou/{n}': miou for n in SHAPENET_CATEGORIES.values()}
    metrics['shapenet/iou/chair'] = miou - 0.1
    metrics['shapenet/mIoU'] = miou
    with open(osp.join(work, 'test_metrics.json'), 'w') as f:
        json.dump(metrics, f)
    with open(osp.join(work, 'wall_time.json'), 'w') as f:
        json.dump(dict(train_s=600.0, test_s=30.0), f)
    with open(
            osp.join(work, '20260101_000000', 'vis_data', 'scalars.json'),
            'w') as f:
        for line in scalars or []:
            f.write(json.dumps(line) + '\n')


def test_report_rows_gains_and_pseudo_labels(tmp_path):
    root = str(tmp_path)
    fake_run(root, 'softras_n2', 0, 0.50)
    fake_run(root, 'softras_n2', 1, 0.52)
    fake_run(root, 'ssr_n2', 0, 0.62, [
        dict(step=10, pseudo_coverage=0.2, pseudo_accuracy=0.5),
        dict(step=20, pseudo_coverage=0.6, pseudo_accuracy=0.8)
    ])
    fake_run(root, 'ssr_n2', 1, 0.60)
    fake_run(root, 'softras_full', 0, 0.66)
    fake_run(root, 'ssr_n2_paper-pl', 0, 0.55)
    proc = run_tool('tools/analysis_tools/synthetic_benchmark.py',
                    '--summarize-only', '--work-dir', root, '--runs',
                    'softras_n2', 'ssr_n2', 'softras_full', 'ssr_n5',
                    'ssr_n2_paper-pl')
    out = proc.stdout
    rows = {
        line.split('|')[1].strip(): line
        for line in out.splitlines() if line.startswith('| ')
    }
    assert '| 0.510 ± 0.010 | 0, 1 |' in rows['SoftRas (N = 2, labeled only)']
    assert '| 0.610 ± 0.010 | 0, 1 |' in rows['SSR (N = 2)']
    cells = [c.strip() for c in rows['SSR (N = 2)'].split('|')[2:-3]]
    assert len(cells) == 13
    assert cells[4] == '0.510'  # chair, 0.1 lower
    assert cells[:4] + cells[5:] == ['0.610'] * 12
    assert '| 0.660 | 0 |' in rows['SoftRas (all viewpoints)']
    assert '| 0.550 |' in rows['SSR (N = 2, paper-pl)']
    assert 'SSR - SoftRas at n2_paper-pl: +0.050 mIoU (seed 0: +0.050)' \
        in out
    assert 'SSR (N = 5)' not in rows  # never run: skipped, not invented
    assert 'missing' in out and 'ssr_synthetic_n5_seed0' in out
    assert 'SSR - SoftRas at n2: +0.100 mIoU (seed 0: +0.120, ' \
        'seed 1: +0.080)' in out
    assert 'ssr_n2 seed 0: mIoU 0.620, train 10.0 min, test 0.5 min, ' \
        'pseudo-labels: coverage 0.600, accuracy 0.800' in out


def test_unknown_run_names_are_refused(tmp_path):
    proc = run_tool(
        'tools/analysis_tools/synthetic_benchmark.py',
        '--summarize-only',
        '--work-dir',
        str(tmp_path),
        '--runs',
        'softras_n3',
        check=False)
    assert proc.returncode == 2 and 'Traceback' not in proc.stderr
    assert 'no config configs/softras/softras_synthetic_n3.py' in proc.stderr
