import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from mmssr.datasets.synthetic import synthetic_object_mesh
from mmssr.evaluation import ShapeNetIoUMetric, voxel_iou
from mmssr.geometry import voxelize_mesh


def sample(verts, faces, gt, category='chair', view=0):
    return dict(
        pred_vertices=torch.as_tensor(verts, dtype=torch.float32),
        pred_faces=torch.as_tensor(faces),
        gt_voxels=torch.as_tensor(gt),
        category=category,
        obj_index=0,
        source_view_ids=torch.tensor([view]))


@pytest.mark.parametrize('category', ['chair', 'airplane', 'lamp'])
def test_ground_truth_mesh_scores_high_and_a_wrong_mesh_low(category):
    verts, faces, _ = synthetic_object_mesh(category, 'test', 0)
    gt = voxelize_mesh(verts, faces)
    metric = ShapeNetIoUMetric()
    metric.process(None, [sample(verts, faces, gt, category)])
    assert metric.results[-1]['iou'] >= 0.95
    shifted = verts + np.array([0.3, 0.0, 0.0])
    metric.process(None, [sample(shifted, faces, gt, category)])
    assert metric.results[-1]['iou'] < 0.5


def test_category_means_and_mean_of_means():
    metric = ShapeNetIoUMetric()
    results = [
        dict(category='chair', iou=0.2),
        dict(category='chair', iou=0.4),
        dict(category='car', iou=0.9)
    ]
    metrics = metric.compute_metrics(results)
    assert metrics['iou/chair'] == pytest.approx(0.3)
    assert metrics['iou/car'] == pytest.approx(0.9)
    assert metrics['mIoU'] == pytest.approx(0.6)  # not the view mean 0.5
    assert list(metrics)[:2] == ['iou/car', 'iou/chair']  # dataset order


def test_voxel_iou_edge_cases():
    a = np.zeros((2, 2, 2), bool)
    assert voxel_iou(a, a) == 1.0
    b = a.copy()
    b[0, 0, 0] = True
    assert voxel_iou(b, a) == 0.0
    c = b.copy()
    c[1, 1, 1] = True
    assert voxel_iou(b, c) == 0.5


def test_through_mmengine_evaluator():
    verts, faces, _ = synthetic_object_mesh('car', 'test', 0)
    gt = voxelize_mesh(verts, faces)
    evaluator = Evaluator(dict(type='ShapeNetIoUMetric'))
    evaluator.process([sample(verts, faces, gt, 'car')], None)
    metrics = evaluator.evaluate(1)
    assert metrics['shapenet/mIoU'] >= 0.95
    assert 'shapenet/iou/car' in metrics


def test_missing_keys_are_named():
    metric = ShapeNetIoUMetric()
    with pytest.raises(KeyError, match='gt_voxels'):
        metric.process(None, [
            dict(
                pred_vertices=torch.zeros(3, 3),
                pred_faces=torch.zeros(1, 3).long())
        ])


def test_categories_come_in_the_order_of_dataset_meta():
    metric = ShapeNetIoUMetric()
    metric.dataset_meta = dict(categories=('mug', 'chair', 'car'))
    results = [
        dict(category=name, iou=0.5)
        for name in ('car', 'chair', 'mug', 'zebra')
    ]
    metrics = metric.compute_metrics(results)
    # own categories too; names the dataset does not list come last
    assert list(metrics) == [
        'iou/mug', 'iou/chair', 'iou/car', 'iou/zebra', 'mIoU'
    ]
