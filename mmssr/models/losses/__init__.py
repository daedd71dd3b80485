from .flatten_loss import FlattenLoss
from .iou_loss import MultiViewIoULoss, silhouette_iou
from .laplacian_loss import LaplacianLoss

__all__ = ['FlattenLoss', 'LaplacianLoss', 'MultiViewIoULoss',
           'silhouette_iou']
