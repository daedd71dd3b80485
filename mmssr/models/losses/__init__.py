from .flatten_loss import FlattenLoss
from .iou_loss import MultiViewIoULoss, silhouette_iou
from .laplacian_loss import LaplacianLoss
from .siamvp_pair_loss import SiamVPPairLoss

__all__ = [
    'FlattenLoss', 'LaplacianLoss', 'MultiViewIoULoss', 'SiamVPPairLoss',
    'silhouette_iou'
]
