"""SoftRas flatten loss: penalise folds between adjacent faces."""
import torch
from torch import Tensor, nn

from mmssr.geometry import interior_edge_quads
from mmssr.registry import MODELS


@MODELS.register_module()
class FlattenLoss(nn.Module):
    """``Σ (cos φ + 1)²`` over interior edges, mean over the batch.

    For an edge v0-v1 shared by faces (v0, v1, v2) and (v0, v1, v3), φ is the
    angle between the components of v2 − v0 and v3 − v0 orthogonal to the
    edge: π (cos φ = −1, no loss) when the two faces are coplanar, 0 (loss 4)
    when folded shut.
    """

    def __init__(self,
                 faces: Tensor,
                 loss_weight: float = 1.0,
                 eps: float = 1e-6) -> None:
        super().__init__()
        quads = interior_edge_quads(torch.as_tensor(faces).long())
        self.register_buffer('quads', quads, persistent=False)
        self.loss_weight = loss_weight
        self.eps = eps

    def forward(self, vertices: Tensor) -> Tensor:
        """Vertices (B, V, 3) -> scalar."""
        v0, v1, v2, v3 = (vertices[:, self.quads[:, i]] for i in range(4))
        edge = v1 - v0
        # eps² keeps degenerate edges/faces finite without biasing the
        # small faces of a 642-vertex template (|edge|² ~ 1e-3).
        tiny = self.eps**2
        edge_len2 = (edge * edge).sum(-1, keepdim=True) + tiny
        a = v2 - v0
        b = v3 - v0
        a = a - (a * edge).sum(-1, keepdim=True) / edge_len2 * edge
        b = b - (b * edge).sum(-1, keepdim=True) / edge_len2 * edge
        cos = (a * b).sum(-1) / torch.sqrt((a * a).sum(-1) *
                                           (b * b).sum(-1) + tiny)
        return self.loss_weight * (cos + 1).pow(2).sum(-1).mean()
