"""Soft silhouette IoU loss."""
from torch import Tensor, nn

from mmssr.registry import MODELS


def silhouette_iou(pred: Tensor, target: Tensor, eps: float = 1e-6) -> Tensor:
    """Soft IoU ``Σ(a·t) / Σ(a + t − a·t)`` of each image (N,)."""
    dims = tuple(range(1, pred.dim()))
    inter = (pred * target).sum(dims)
    union = (pred + target - pred * target).sum(dims)
    return inter / (union + eps)


@MODELS.register_module()
class MultiViewIoULoss(nn.Module):
    """``1 − soft IoU`` per rendered silhouette, averaged over images.

    SoftRas' multi-view loss is this mean over the four renders (both meshes
    of a pair at both viewpoints) against the target silhouettes.

    Args:
        loss_weight: multiplier of the loss.
        eps: keeps the ratio finite when both silhouettes are empty.
    """

    def __init__(self, loss_weight: float = 1.0, eps: float = 1e-6) -> None:
        super().__init__()
        self.loss_weight = loss_weight
        self.eps = eps

    def forward(self, pred: Tensor, target: Tensor) -> Tensor:
        if pred.shape != target.shape:
            raise ValueError(f'pred {tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} silhouettes differ')
        if pred.shape[0] == 0:
            return pred.sum() * 0.0
        loss = 1.0 - silhouette_iou(pred, target.to(pred), self.eps)
        return self.loss_weight * loss.mean()
