"""Uniform graph-Laplacian smoothness loss."""
import torch
from torch import Tensor, nn

from mmssr.geometry import vertex_adjacency
from mmssr.registry import MODELS


@MODELS.register_module()
class LaplacianLoss(nn.Module):
    """``Σ_v ‖v − mean(neighbours of v)‖²`` per mesh, mean over the batch.

    The uniform Laplacian ``L = I − D⁻¹A`` (each row normalised by the vertex
    degree) of the fixed template topology ``faces``.
    """

    def __init__(self,
                 faces: Tensor,
                 loss_weight: float = 1.0,
                 num_vertices: int = None) -> None:
        super().__init__()
        faces = torch.as_tensor(faces).long()
        num_vertices = num_vertices or int(faces.max()) + 1
        pairs, degree = vertex_adjacency(faces, num_vertices)
        self.register_buffer('src', pairs[0], persistent=False)
        self.register_buffer('dst', pairs[1], persistent=False)
        self.register_buffer(
            'inv_degree', 1.0 / degree.clamp_min(1).float(), persistent=False)
        self.num_vertices = num_vertices
        self.loss_weight = loss_weight

    def forward(self, vertices: Tensor) -> Tensor:
        """Vertices (B, V, 3) -> scalar."""
        neighbour_sum = torch.zeros_like(vertices).index_add_(
            1, self.src, vertices[:, self.dst])
        lap = vertices - neighbour_sum * self.inv_degree.to(vertices)[None, :,
                                                                      None]
        return self.loss_weight * lap.pow(2).sum(dim=(1, 2)).mean()
