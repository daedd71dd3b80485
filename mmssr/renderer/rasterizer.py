"""Binned soft rasterization of projected triangles into :class:`Fragments`.

The production path never pairs every pixel with every triangle: each
triangle is binned to the pixels its screen bounding box, expanded by the
influence radius ``sqrt(sigma * ln(1/eps - 1))``, covers, and only those
(triangle, pixel) pairs get a distance, an inside test and the closest-point
data of the analytic silhouette backward.
"""
from typing import List, Optional, Tuple, Union

import torch
from torch import Tensor

from .cameras import LookAtPerspectiveCameras
from .fragments import Fragments, PairChunk
from .settings import RasterizationSettings

# Pairs evaluated per chunk on a CPU: small enough for the intermediates of
# the per-pair formula to stay in cache, large enough to amortise dispatch.
PAIRS_PER_CHUNK = 1 << 18
# On a GPU each chunk is ~180 kernel launches whatever its size, so chunks
# are as large as memory allows: 8M pairs take ~1.5 GB of intermediates,
# one chunk for a batch of 256 renders at 64x64 (benchmark_renderer.py
# --device cuda --pairs-per-chunk sweeps it).
PAIRS_PER_CHUNK_GPU = 1 << 23


def default_pairs_per_chunk(device: Union[str, torch.device]) -> int:
    """The chunk size for tensors on ``device``: cache-sized on a CPU,
    launch-amortising elsewhere."""
    return PAIRS_PER_CHUNK if torch.device(
        device).type == 'cpu' else PAIRS_PER_CHUNK_GPU


class _FaceBins:
    """Pixel boxes of projected triangles, expanded by the influence radius.

    Attributes:
        col0, row0: (N,) int32 top-left pixel of each box.
        width: (N,) int32 box width in pixels.
        counts: (N,) int64 number of pixels in each box (0 for dropped faces).
    """

    def __init__(self, face_xy: Tensor, valid: Tensor, image_size: int,
                 margin: float) -> None:
        s = image_size
        # A tiny outward slack keeps boundary pixels whose centre lies
        # exactly on the expanded box; the exact test filters them later.
        slack = 1e-6
        lo = face_xy.amin(dim=1) - margin
        hi = face_xy.amax(dim=1) + margin
        # x = (2c + 1 - S)/S  <=>  c = (x S + S - 1)/2 ; y = (S - 1 - 2r)/S
        half, mid = 0.5 * s, 0.5 * (s - 1)
        c0 = torch.ceil(lo[:, 0] * half + mid - slack).clamp(0, s - 1)
        c1 = torch.floor(hi[:, 0] * half + mid + slack).clamp(-1, s - 1)
        r0 = torch.ceil(mid - hi[:, 1] * half - slack).clamp(0, s - 1)
        r1 = torch.floor(mid - lo[:, 1] * half + slack).clamp(-1, s - 1)
        width = (c1 - c0 + 1).clamp(min=0)
        height = (r1 - r0 + 1).clamp(min=0)
        counts = torch.where(valid, width * height, torch.zeros_like(width))
        self.col0 = c0.int()
        self.row0 = r0.int()
        self.width = width.int().clamp(min=1)
        self.counts = counts.long()
        self.image_size = s

    def chunks(self, budget: int) -> List[Tuple[int, int, int]]:
        """Face ranges ``(f0, f1, pairs)`` holding about ``budget`` pairs.

        One host synchronisation reads the total (and, when it exceeds the
        budget, a second reads the cuts): the pair counts of the chunks are
        then known on the host, so nothing later waits for the device.
        """
        cum = torch.cumsum(self.counts, 0)
        if not cum.numel():
            return []
        total = int(cum[-1])
        if total == 0:
            return []
        bounds = [(0, 0), (cum.numel(), total)]
        if total > budget:
            marks = torch.arange(budget, total, budget, device=cum.device)
            cuts = torch.searchsorted(cum, marks, right=True)
            # pairs before each cut: cum[cut - 1] (0 for a cut at 0)
            before = torch.where(cuts > 0, cum[(cuts - 1).clamp(min=0)],
                                 torch.zeros_like(cuts))
            bounds += zip(*torch.stack([cuts, before]).tolist())
        bounds = sorted(set(bounds))
        return [(f0, f1, n1 - n0)
                for (f0, n0), (f1, n1) in zip(bounds[:-1], bounds[1:])
                if f1 > f0]

    def pairs(
            self,
            f0: int,
            f1: int,
            num_pairs: Optional[int] = None) -> Tuple[Tensor, Tensor, Tensor]:
        """(face, row, col) int32 of the pixels of faces ``f0..f1``.

        ``num_pairs``, the sum of their counts, spares a host sync.
        """
        counts = self.counts[f0:f1]
        device = counts.device
        local_face = torch.repeat_interleave(
            torch.arange(f1 - f0, device=device, dtype=torch.int32),
            counts,
            output_size=num_pairs)
        starts = (torch.cumsum(counts, 0) - counts).int()
        local = torch.arange(
            local_face.numel(), device=device,
            dtype=torch.int32) - starts[local_face]
        width = self.width[f0:f1][local_face]
        quot = torch.div(local, width, rounding_mode='floor')
        row = self.row0[f0:f1][local_face] + quot
        col = self.col0[f0:f1][local_face] + (local - quot * width)
        return local_face + f0, row, col


def pixel_xy(row: Tensor, col: Tensor, image_size: int,
             dtype: torch.dtype) -> Tuple[Tensor, Tensor]:
    """Screen coordinates of pixel centres given their row and column."""
    s = image_size
    return (2 * col + 1 - s).to(dtype) / s, (s - 1 - 2 * row).to(dtype) / s


def signed_area2(face_xy: Tensor) -> Tensor:
    """Twice the signed screen area (N,) of triangles (N, 3, 2)."""
    a, b, c = face_xy.unbind(1)
    # Same operation order as the per-pair test in _pair_geometry, so the
    # per-face and per-pair signs agree bit for bit.
    return (b[:, 0] - a[:, 0]) * (c[:, 1] - a[:, 1]) - (b[:, 1] - a[:, 1]) * (
        c[:, 0] - a[:, 0])


def _pair_geometry(px: Tensor, py: Tensor, tri: Tensor) -> dict:
    """Squared distance, inside test and nearest-edge data of pixel pairs.

    Args:
        px, py: (P,) pixel centres.
        tri: (6, P) rows ax, ay, bx, by, cx, cy of each pair's triangle.

    Returns a dict with ``d2`` (P,), ``inside`` (P,) bool, ``edge`` (P,) the
    nearest edge (0: A->B, 1: B->C, 2: C->A), ``t`` (P,) the position of the
    closest point on it, ``rx, ry`` (P,) the residual ``p - closest``,
    ``cross`` the three (P,) edge functions (twice the signed sub-areas) and
    ``area2`` (P,) twice the signed triangle area.
    """
    xs = (tri[0], tri[2], tri[4])
    ys = (tri[1], tri[3], tri[5])
    best = None
    crosses = []
    for k in range(3):
        sx, sy = xs[k], ys[k]
        ex, ey = xs[(k + 1) % 3] - sx, ys[(k + 1) % 3] - sy
        wx, wy = px - sx, py - sy
        len2 = ex * ex + ey * ey
        inv = torch.where(len2 > 0, 1.0 / len2.clamp_min(1e-300),
                          torch.zeros_like(len2))
        t = ((wx * ex + wy * ey) * inv).clamp(0.0, 1.0)
        rx = wx - t * ex
        ry = wy - t * ey
        d2 = rx * rx + ry * ry
        crosses.append(ex * wy - ey * wx)
        if best is None:
            best = [d2, torch.zeros_like(d2, dtype=torch.uint8), t, rx, ry]
        else:
            closer = d2 < best[0]
            best = [
                torch.where(closer, d2, best[0]),
                torch.where(closer, torch.full_like(best[1], k), best[1]),
                torch.where(closer, t, best[2]),
                torch.where(closer, rx, best[3]),
                torch.where(closer, ry, best[4]),
            ]
    # Twice the signed area; degenerate (zero-area) triangles cover nothing.
    area2 = (xs[1] - xs[0]) * (ys[2] - ys[0]) - (ys[1] - ys[0]) * (
        xs[2] - xs[0])
    pos = (crosses[0] >= 0) & (crosses[1] >= 0) & (crosses[2] >= 0)
    neg = (crosses[0] <= 0) & (crosses[1] <= 0) & (crosses[2] <= 0)
    inside = torch.where(area2 > 0, pos, neg & (area2 < 0))
    return dict(
        d2=best[0],
        edge=best[1],
        t=best[2],
        rx=best[3],
        ry=best[4],
        inside=inside,
        cross=crosses,
        area2=area2)


def gather_face_vertices(points: Tensor, faces: Tensor) -> Tensor:
    """Per-face corners (B, F, 3, C) of points (B, V, C) and faces (F, 3)
    shared by the batch or (B, F, 3) per item."""
    if faces.dim() == 2:
        return points[:, faces]
    c = points.shape[-1]
    return torch.gather(
        points.unsqueeze(1).expand(-1, faces.shape[1], -1, -1), 2,
        faces.unsqueeze(-1).expand(-1, -1, -1, c))


class SoftMeshRasterizer:
    """Turn projected triangles into sparse :class:`Fragments`.

    Args:
        raster_settings: image size, sharpness and clipping range.
        pairs_per_chunk: pairs evaluated at once; ``None`` is
            :func:`default_pairs_per_chunk` of the faces' device (cache-sized
            on a CPU, large on a GPU, where each chunk costs kernel launches).
    """

    def __init__(self,
                 raster_settings: RasterizationSettings,
                 pairs_per_chunk: Optional[int] = None) -> None:
        self.raster_settings = raster_settings
        if pairs_per_chunk is not None and int(pairs_per_chunk) < 1:
            raise ValueError('pairs_per_chunk must be positive, got '
                             f'{pairs_per_chunk}')
        self.pairs_per_chunk = (None if pairs_per_chunk is None else
                                int(pairs_per_chunk))

    def __call__(self,
                 vertices: Tensor,
                 faces: Tensor,
                 cameras: LookAtPerspectiveCameras,
                 with_barycentrics: bool = False) -> Fragments:
        """Rasterize world meshes: vertices (B, V, 3), faces (F, 3) or
        (B, F, 3) long, seen by ``cameras``."""
        screen = cameras.transform_points(vertices)
        return self.rasterize_faces(
            gather_face_vertices(screen, faces), with_barycentrics)

    def rasterize_faces(self,
                        face_vertices: Tensor,
                        with_barycentrics: bool = False) -> Fragments:
        """Rasterize screen triangles (B, F, 3, 3): ``[..., :2]`` screen
        coordinates, ``[..., 2]`` camera depth.

        ``with_barycentrics`` adds per-pair barycentrics for colour blends;
        the silhouette does not need them.
        """
        settings = self.raster_settings
        batch, num_faces = face_vertices.shape[:2]
        s = settings.image_size
        dtype = face_vertices.dtype
        flat = face_vertices.reshape(batch * num_faces, 3, 3)
        depth = flat[..., 2].detach()
        valid = ((depth >= settings.near) & (depth <= settings.far)).all(1)
        valid &= torch.isfinite(flat.detach()).all(dim=2).all(dim=1)
        # Dropped triangles are zeroed, so that NaN/inf cannot poison the
        # bins (always, rather than after a host-synchronising test).
        face_xy = torch.where(valid[:, None, None], flat[..., :2],
                              torch.zeros_like(flat[..., :2]))
        xy = face_xy.detach()
        bins = _FaceBins(xy, valid, s, settings.radius)
        threshold = settings.threshold
        coords = xy.reshape(-1, 6).t().contiguous()
        budget = self.pairs_per_chunk or default_pairs_per_chunk(
            face_vertices.device)
        chunks = []
        for f0, f1, num_pairs in bins.chunks(budget):
            face, row, col = bins.pairs(f0, f1, num_pairs)
            px, py = pixel_xy(row, col, s, dtype)
            geo = _pair_geometry(px, py, coords[:, face])
            inside, d2 = geo['inside'], geo['d2']
            batch_idx = torch.div(face, num_faces, rounding_mode='floor')
            bary = None
            if with_barycentrics:
                # The edge function opposite a corner, over the full area.
                area2 = geo['area2']
                cross = geo['cross']
                bary = torch.stack([cross[1], cross[2], cross[0]]) / (
                    torch.where(area2 == 0, torch.ones_like(area2), area2))
            chunks.append(
                PairChunk(
                    face=face,
                    pix=(batch_idx * s + row) * s + col,
                    d2=d2,
                    inside=inside,
                    keep=inside | (d2 < threshold),
                    edge=geo['edge'],
                    t=geo['t'],
                    rx=geo['rx'],
                    ry=geo['ry'],
                    bary=bary))
        return Fragments(
            chunks=chunks,
            face_xy=face_xy,
            face_depth=depth,
            face_area2=signed_area2(xy),
            valid=valid,
            batch_size=batch,
            faces_per_batch=num_faces,
            image_size=s)
