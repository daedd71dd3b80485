"""tools/analysis_tools/analyze_pseudo_labels.py: its figures."""
import os.path as osp

import pytest
import torch

from ..conftest import REPO_ROOT, load_tool


@pytest.fixture(scope='module')
def tool():
    path = osp.join(REPO_ROOT, 'tools', 'analysis_tools',
                    'analyze_pseudo_labels.py')
    return load_tool(path)


def test_label_stats_counts_exact_near_and_opposite_views(tool):
    truth = torch.arange(24)
    views = torch.stack([
        truth,  # object 0: every view right
        (truth + 1) % 24,  # object 1: one view off (15 degrees)
        (truth + 12) % 24,  # object 2: the opposite view
    ])
    conf = torch.full((3, 24), 0.9)
    conf[2, 1:] = 0.1  # object 2: one accepted view only
    s = tool.label_stats(views, conf, 0.5)
    assert s['coverage'] == pytest.approx(49 / 72)
    assert s['exact'] == pytest.approx(24 / 49)
    assert s['within_one'] == pytest.approx(48 / 49)
    assert s['opposite'] == pytest.approx(1 / 49)
    assert s['eligible_objects'] == 2 and s['objects'] == 3
    # every view called 0: right for view 0, one off for views 1 and 23
    # (across the wrap-around), opposite for view 12
    wrapped = tool.label_stats(
        torch.zeros(1, 24, dtype=torch.long), torch.ones(1, 24), 0.5)
    assert wrapped['within_one'] == pytest.approx(3 / 24)
    assert wrapped['opposite'] == pytest.approx(1 / 24)


def test_label_stats_accepts_nothing_above_every_confidence(tool):
    views = torch.zeros(2, 24, dtype=torch.long)
    s = tool.label_stats(views, torch.full((2, 24), 0.3), 0.5)
    assert s['coverage'] == 0.0 and s['eligible_objects'] == 0
