"""Surface metrics of ShapeNetIoUMetric, from points files to the table."""
import os
import shutil

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator

from mmssr.datasets import ShapeNetDataset
from mmssr.datasets.synthetic import synthetic_object_mesh
from mmssr.errors import DataError
from mmssr.geometry import sample_surface

CHAIR = '03001627'


def object_points(category, index, num=2000):
    verts, faces, _ = synthetic_object_mesh(category, 'test', index)
    pts, normals = sample_surface(verts, faces, num, seed=100 + index)
    return np.concatenate([pts, normals], 1)


@pytest.fixture
def root_with_points(tmp_path, tiny_synthetic_root):
    root = tmp_path / 'data'
    shutil.copytree(tiny_synthetic_root, root)
    points = np.stack([object_points('chair', i) for i in range(2)])
    np.savez(root / f'{CHAIR}_test_points.npz', points=points)
    return str(root)


def build(root, **kwargs):
    return ShapeNetDataset(
        root,
        categories=['chair', 'car'],
        split='test',
        mode='view',
        views=[0],
        pipeline=[dict(type='PackMeshInputs')],
        **kwargs)


def evaluate(dataset, shift=0.0):
    evaluator = Evaluator(dict(type='ShapeNetIoUMetric'))
    evaluator.dataset_meta = dataset.metainfo
    for idx in range(len(dataset)):
        item = dataset[idx]
        sample = item['data_samples']
        verts, faces, _ = synthetic_object_mesh(sample.category, 'test',
                                                sample.obj_index)
        sample.pred_vertices = torch.as_tensor(
            verts + shift, dtype=torch.float32)
        sample.pred_faces = torch.as_tensor(faces)
        evaluator.process([sample])
    return evaluator.evaluate(len(dataset))


def test_end_to_end_with_a_points_file(root_with_points, capsys):
    dataset = build(root_with_points)
    info = dataset.get_data_info(0)
    assert info['gt_points'].shape == (2000, 6)
    assert 'gt_points' not in dataset.get_data_info(2)  # car: no file
    packed = dataset[0]['data_samples']
    assert packed.gt_points.dtype == torch.float32
    metrics = evaluate(dataset)
    # the ground-truth mesh against its own surface points
    assert metrics['shapenet/chamfer_l1/chair'] < 0.03
    assert metrics['shapenet/fscore@0.02/chair'] > 0.6
    assert metrics['shapenet/normal_consistency/chair'] > 0.8
    # only the category with points is scored; the mean is over those
    assert 'shapenet/chamfer_l1/car' not in metrics
    assert metrics['shapenet/chamfer_l1'] == metrics[
        'shapenet/chamfer_l1/chair']
    for key in ('chamfer_l2', 'fscore@0.01', 'fscore@0.02', 'mIoU', 'iou/car'):
        assert f'shapenet/{key}' in metrics
    shifted = evaluate(dataset, shift=0.1)
    assert shifted['shapenet/chamfer_l1'] > metrics['shapenet/chamfer_l1']
    assert shifted['shapenet/fscore@0.02'] < metrics['shapenet/fscore@0.02']


def test_without_points_files_nothing_changes(tiny_synthetic_root):
    dataset = build(tiny_synthetic_root)
    assert 'gt_points' not in dataset.get_data_info(0)
    metrics = evaluate(dataset)
    assert set(metrics) == {
        'shapenet/iou/chair', 'shapenet/iou/car', 'shapenet/mIoU'
    }


@pytest.mark.parametrize('shape', [(2, 40, 3), (2, 40), (3, 40, 6)])
def test_points_file_of_a_wrong_shape(root_with_points, shape):
    path = os.path.join(root_with_points, f'{CHAIR}_test_points.npz')
    np.savez(path, points=np.zeros(shape, np.float32))
    with pytest.raises(DataError, match='_points.npz'):
        build(root_with_points)


def test_metric_table_and_keys_from_samples():
    from mmssr.evaluation import ShapeNetIoUMetric
    metric = ShapeNetIoUMetric(
        surface_points=300, fscore_thresholds=(0.01, 0.05))
    metric.dataset_meta = dict(categories=('car', 'chair'))
    for category in ('chair', 'car'):
        verts, faces, _ = synthetic_object_mesh(category, 'test', 0)
        metric.process(None, [
            dict(
                pred_vertices=torch.as_tensor(verts, dtype=torch.float32),
                pred_faces=torch.as_tensor(faces),
                gt_voxels=torch.zeros(32, 32, 32, dtype=torch.bool),
                gt_points=torch.as_tensor(object_points(category, 0)),
                category=category,
                sample_idx=0)
        ])
    metrics = metric.compute_metrics(metric.results)
    assert list(metrics)[3:6] == [
        'chamfer_l1/car', 'chamfer_l1/chair', 'chamfer_l1'
    ]
    assert 'fscore@0.05' in metrics and 'fscore@0.02' not in metrics
    assert metrics['chamfer_l1'] == pytest.approx(
        (metrics['chamfer_l1/car'] + metrics['chamfer_l1/chair']) / 2)
