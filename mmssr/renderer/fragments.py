"""Fragments: the sparse (triangle, pixel) pairs a rasterizer hands to blends.

This is the seam between fragment producers (today the binned PyTorch
:class:`~mmssr.renderer.rasterizer.SoftMeshRasterizer`, later a fused
kernel) and the blends of :mod:`mmssr.renderer.blend`. A producer
returns a :class:`Fragments` whose pairs come in :class:`PairChunk` s of
cache-sized length; every per-pair tensor of a chunk has the same length P
and lives on the device of the faces. Pairs may be padding (``keep`` False):
skipped pairs are masked rather than compacted away because a mask is
cheaper than gathering every per-pair array.
"""
from dataclasses import dataclass, fields
from typing import List, Optional

import torch
from torch import Tensor


@dataclass
class PairChunk:
    """One chunk of (triangle, pixel) pairs; all tensors are constants.

    Attributes:
        face: (P,) int32 flat face index ``b * F + f``.
        pix: (P,) int32 flat pixel index ``(b * S + row) * S + col``.
        d2: (P,) squared screen distance of the pixel centre to the
            triangle's boundary (also inside the triangle).
        inside: (P,) bool, the pixel centre lies in the triangle.
        keep: (P,) bool, ``inside`` or ``D >= dist_eps``; the rest is padding.
        edge: (P,) uint8 nearest edge k, from corner k to corner (k+1) % 3.
        t: (P,) position in [0, 1] of the closest point on that edge.
        rx, ry: (P,) residual ``p - closest point``; with ``edge`` and ``t``
            this is all the analytic silhouette backward needs.
        bary: optional (3, P) screen-space barycentrics (unclipped), only
            produced when a colour blend asks for them.
    """

    face: Tensor
    pix: Tensor
    d2: Tensor
    inside: Tensor
    keep: Tensor
    edge: Tensor
    t: Tensor
    rx: Tensor
    ry: Tensor
    bary: Optional[Tensor] = None

    def __len__(self) -> int:
        return self.face.numel()

    def select(self, index: Tensor) -> 'PairChunk':
        """The pairs at ``index`` (a 1-D long index or a bool mask)."""
        return PairChunk(
            **{
                f.name:
                None if getattr(self, f.name) is
                None else getattr(self, f.name)[..., index]
                for f in fields(self)
            })

    @staticmethod
    def cat(chunks: List['PairChunk']) -> 'PairChunk':
        """Concatenate chunks (all with or all without barycentrics)."""
        out = {}
        for f in fields(PairChunk):
            parts = [getattr(c, f.name) for c in chunks]
            out[f.name] = None if parts[0] is None else torch.cat(parts, -1)
        return PairChunk(**out)


@dataclass
class Fragments:
    """Everything a blend needs from a rasterization of B batches of F faces.

    Attributes:
        chunks: the pairs, in chunks of about ``PAIRS_PER_CHUNK``.
        face_xy: (B*F, 3, 2) screen coordinates of the faces; the only
            differentiable member, the input through which the silhouette's
            analytic backward reaches the vertices. Dropped faces are zeroed.
        face_depth: (B*F, 3) camera depth of the corners (detached).
        face_area2: (B*F,) twice the signed screen area (detached); negative
            means clockwise on screen, i.e. a front face.
        valid: (B*F,) bool, the face lies within [near, far] and is finite.
        batch_size, faces_per_batch, image_size: B, F and S.
    """

    chunks: List[PairChunk]
    face_xy: Tensor
    face_depth: Tensor
    face_area2: Tensor
    valid: Tensor
    batch_size: int
    faces_per_batch: int
    image_size: int

    @property
    def num_pixels(self) -> int:
        """B * S * S, the length of flat per-pixel buffers."""
        return self.batch_size * self.image_size * self.image_size

    @property
    def num_pairs(self) -> int:
        """Pairs including padding."""
        return sum(len(c) for c in self.chunks)

    def pairs(self, covered_only: bool = False) -> PairChunk:
        """Kept pairs (or only those whose pixel centre is inside), compacted
        into one chunk."""
        parts = [
            c.select((c.inside if covered_only else c.keep).nonzero()[:, 0])
            for c in self.chunks
        ]
        if parts:
            return PairChunk.cat(parts)
        device = self.face_xy.device
        empty_i = torch.zeros(0, dtype=torch.int32, device=device)
        empty_f = torch.zeros(0, dtype=self.face_xy.dtype, device=device)
        empty_b = torch.zeros(0, dtype=torch.bool, device=device)
        return PairChunk(empty_i, empty_i, empty_f, empty_b, empty_b,
                         torch.zeros(0, dtype=torch.uint8, device=device),
                         empty_f, empty_f, empty_f,
                         torch.zeros(3, 0, dtype=empty_f.dtype, device=device))
