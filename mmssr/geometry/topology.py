"""Edge and adjacency structure of triangle meshes (shared by the losses)."""
from typing import Tuple

import torch
from torch import Tensor


def unique_edges(faces: Tensor) -> Tensor:
    """Undirected edges (E, 2) of faces (F, 3), each once, sorted pairs."""
    edges = torch.cat([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    edges = torch.sort(edges, dim=1).values
    return torch.unique(edges, dim=0)


def interior_edge_quads(faces: Tensor) -> Tensor:
    """(v0, v1, v2, v3) for each edge shared by exactly two faces.

    v0-v1 is the shared edge, v2 and v3 the vertices opposite to it in the
    two faces. Edges on a boundary or shared by more than two faces are
    left out.
    """
    faces = faces.long()
    corners = torch.arange(3, device=faces.device)
    a = faces[:, corners]
    b = faces[:, (corners + 1) % 3]
    opposite = faces[:, (corners + 2) % 3]
    lo, hi = torch.minimum(a, b).reshape(-1), torch.maximum(a, b).reshape(-1)
    opposite = opposite.reshape(-1)
    key = torch.stack([lo, hi], 1)
    _, inverse, counts = torch.unique(
        key, dim=0, return_inverse=True, return_counts=True)
    order = torch.argsort(inverse, stable=True)
    sorted_inverse = inverse[order]
    first = torch.ones_like(sorted_inverse, dtype=torch.bool)
    first[1:] = sorted_inverse[1:] != sorted_inverse[:-1]
    starts = order[first]  # first occurrence of each unique edge
    shared = counts == 2
    start_idx = torch.nonzero(first).squeeze(1)
    second = order[start_idx[shared] + 1]
    first_occ = starts[shared]
    return torch.stack(
        [lo[first_occ], hi[first_occ], opposite[first_occ], opposite[second]],
        1)


def vertex_adjacency(faces: Tensor,
                     num_vertices: int) -> Tuple[Tensor, Tensor]:
    """Directed neighbour pairs (2, 2E) and vertex degrees (V,)."""
    edges = unique_edges(faces.long())
    pairs = torch.cat([edges, edges.flip(1)]).t()
    degree = torch.bincount(pairs[0], minlength=num_vertices)
    return pairs, degree
