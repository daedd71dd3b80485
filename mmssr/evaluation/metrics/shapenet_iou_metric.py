"""Voxel IoU of reconstructed meshes, per ShapeNet category."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log

from mmssr.registry import METRICS
from mmssr.structures import voxelize_mesh


def voxel_iou(pred: np.ndarray, gt: np.ndarray) -> float:
    """|P ∩ G| / |P ∪ G|; two empty grids agree perfectly (1.0)."""
    union = np.logical_or(pred, gt).sum()
    if union == 0:
        return 1.0
    return float(np.logical_and(pred, gt).sum() / union)


def format_iou_table(per_category: Dict[str, float], mean: float) -> str:
    """A one-row markdown table like the paper's Table 2."""
    names = list(per_category) + ['mean']
    values = [f'{per_category[n]:.3f}' for n in per_category]
    values.append(f'{mean:.3f}')
    widths = [max(len(n), len(v)) for n, v in zip(names, values)]
    head = '| ' + ' | '.join(n.ljust(w) for n, w in zip(names, widths)) + ' |'
    rule = '|' + '|'.join('-' * (w + 2) for w in widths) + '|'
    row = '| ' + ' | '.join(v.ljust(w) for v, w in zip(values, widths)) + ' |'
    return '\n'.join([head, rule, row])


@METRICS.register_module()
class ShapeNetIoUMetric(BaseMetric):
    """Voxel IoU of every test view's reconstruction, as in SoftRas/SSR.

    Each predicted mesh is voxelized solid at ``resolution``³ in the ShapeNet
    voxel convention (a cell is occupied when its centre is inside the mesh
    or the surface passes through it) and compared with the object's
    voxels. Reported: the mean IoU of every category (``iou/<name>``) and
    ``mIoU``, the mean of the category means, in the category order of the
    dataset's ``dataset_meta['categories']`` (any names, not only
    ShapeNet's). Results are gathered across ranks in distributed
    evaluation.
    """

    default_prefix: Optional[str] = 'shapenet'

    def __init__(self,
                 resolution: int = 32,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.resolution = resolution

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            for key in ('pred_vertices', 'pred_faces', 'gt_voxels'):
                if key not in sample:
                    raise KeyError(f'ShapeNetIoUMetric needs "{key}" in each '
                                   f'data sample, got {sorted(sample)}')
            gt = torch.as_tensor(sample['gt_voxels']).cpu().numpy()
            gt = gt.astype(bool)
            if gt.shape != (self.resolution, ) * 3:
                raise ValueError(f'gt_voxels must be {self.resolution}^3, '
                                 f'got {gt.shape}')
            pred = voxelize_mesh(sample['pred_vertices'], sample['pred_faces'],
                                 self.resolution)
            view = sample.get('source_view_ids')
            self.results.append(
                dict(category=sample.get('category', 'unknown'),
                     obj_index=int(sample.get('obj_index', -1)),
                     view=int(torch.as_tensor(view).view(-1)[0])
                     if view is not None else -1,
                     iou=voxel_iou(pred, gt)))

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        if not results:
            raise ValueError('ShapeNetIoUMetric got no results')
        per_cat: Dict[str, List[float]] = {}
        for res in results:
            per_cat.setdefault(res['category'], []).append(res['iou'])
        known = (self.dataset_meta or {}).get('categories', ())
        order = [n for n in known if n in per_cat]
        order += sorted(n for n in per_cat if n not in order)
        means = OrderedDict((n, float(np.mean(per_cat[n]))) for n in order)
        miou = float(np.mean(list(means.values())))
        print_log(
            f'voxel IoU over {len(results)} views:\n' +
            format_iou_table(means, miou),
            logger='current')
        metrics = OrderedDict((f'iou/{n}', v) for n, v in means.items())
        metrics['mIoU'] = miou
        return metrics
