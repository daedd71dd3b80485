from .shapenet_iou_metric import (ShapeNetIoUMetric, format_iou_table,
                                  format_metric_table, voxel_iou)

__all__ = [
    'ShapeNetIoUMetric', 'format_iou_table', 'format_metric_table', 'voxel_iou'
]
