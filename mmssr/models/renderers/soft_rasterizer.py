"""SoftRas soft rasterization (Liu et al., ICCV 2019), binned, in PyTorch.

The production path never pairs every pixel with every triangle: each
triangle is binned to the pixels its screen bounding box, expanded by the
influence radius ``sqrt(sigma * ln(1/eps - 1))``, covers. The soft coverage
``D = sigmoid(delta * d^2 / sigma)`` is evaluated on those (triangle, pixel)
pairs only, and the silhouette ``A = 1 - prod(1 - D)`` is aggregated per pixel
as a scatter-sum of ``log(1 - D) = logsigmoid(-delta * d^2 / sigma)``, which is
exact and stays finite where ``D`` rounds to 1.

The silhouette gradient is analytic (``_SoftSilhouette``): for the closest
point on the nearest edge ``S + t (E - S)`` with residual ``r = p - S - t(E - S)``,
``d(d^2)/dS = -2 (1 - t) r`` and ``d(d^2)/dE = -2 t r`` (the derivative of the
clamped ``t`` drops out at the optimum), so the backward pass only needs what
the forward pass saved and costs a few operations per pair.
"""
import math
from typing import Optional, Sequence, Tuple, Union

import torch
from torch import Tensor, nn

from mmssr.registry import MODELS
from mmssr.structures.cameras import perspective, world_to_camera


def influence_radius(sigma: float, dist_eps: float) -> float:
    """Screen distance beyond which an outside pixel is skipped (D < eps)."""
    return math.sqrt(sigma * math.log(1.0 / dist_eps - 1.0))


# Pairs evaluated per chunk: small enough for the intermediates of the
# per-pair formula to stay in cache, large enough to amortise dispatch.
PAIRS_PER_CHUNK = 1 << 18


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

    def chunks(self, budget: int = PAIRS_PER_CHUNK):
        """Yield face ranges ``(f0, f1)`` holding about ``budget`` pairs."""
        cum = torch.cumsum(self.counts, 0)
        total = int(cum[-1]) if cum.numel() else 0
        if total == 0:
            return
        cuts = []
        if total > budget:
            marks = torch.arange(budget, total, budget, device=cum.device)
            cuts = torch.searchsorted(cum, marks, right=True).tolist()
        bounds = sorted(set([0] + cuts + [cum.numel()]))
        for f0, f1 in zip(bounds[:-1], bounds[1:]):
            yield f0, f1

    def pairs(self, f0: int, f1: int) -> Tuple[Tensor, Tensor, Tensor]:
        """(face, row, col) int32 of the pixels of faces ``f0..f1``."""
        counts = self.counts[f0:f1]
        device = counts.device
        local_face = torch.repeat_interleave(
            torch.arange(f1 - f0, device=device, dtype=torch.int32), counts)
        starts = (torch.cumsum(counts, 0) - counts).int()
        local = torch.arange(local_face.numel(), device=device,
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


def _pair_geometry(px: Tensor, py: Tensor, tri: Tensor) -> dict:
    """Squared distance, inside test and nearest-edge data of pixel pairs.

    Args:
        px, py: (P,) pixel centres.
        tri: (6, P) rows ax, ay, bx, by, cx, cy of each pair's triangle.

    Returns a dict with ``d2`` (P,), ``inside`` (P,) bool, ``edge`` (P,) the
    nearest edge (0: A->B, 1: B->C, 2: C->A), ``t`` (P,) the position of the
    closest point on it, ``rx, ry`` (P,) the residual ``p - closest`` and
    ``cross`` the three (P,) edge functions (twice the signed sub-areas).
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
        d2=best[0], edge=best[1], t=best[2], rx=best[3], ry=best[4],
        inside=inside, cross=crosses, area2=area2)


class _SoftSilhouette(torch.autograd.Function):
    """Alpha of binned triangles with an analytic backward pass.

    Besides the alpha (one value per pixel) it returns, non-differentiable,
    the kept pairs' face, pixel and D, which colour aggregation reuses.
    """

    @staticmethod
    def forward(ctx, face_xy: Tensor, bins: _FaceBins, faces_per_batch: int,
                num_pixels: int, sigma: float, threshold: float,
                return_pairs: bool):
        s = bins.image_size
        dtype, device = face_xy.dtype, face_xy.device
        coords = face_xy.reshape(-1, 6).t().contiguous()
        log_trans = torch.zeros(num_pixels, dtype=dtype, device=device)
        kept, grads = [], []
        for f0, f1 in bins.chunks():
            face, row, col = bins.pairs(f0, f1)
            px, py = pixel_xy(row, col, s, dtype)
            geo = _pair_geometry(px, py, coords[:, face])
            inside, d2 = geo['inside'], geo['d2']
            # Skipped pairs (outside, D < eps) are masked, not compacted:
            # a mask costs less than gathering every per-pair array.
            keep = inside | (d2 < threshold)
            batch = torch.div(face, faces_per_batch, rounding_mode='floor')
            pix = (batch * s + row) * s + col
            signed = torch.where(inside, d2, -d2) / sigma
            zero = torch.zeros((), dtype=dtype, device=device)
            log_trans.index_add_(
                0, pix,
                torch.where(keep, nn.functional.logsigmoid(-signed), zero))
            prob = torch.where(keep, torch.sigmoid(signed), zero)
            if return_pairs:
                idx = keep.nonzero().squeeze(1)
                kept.append((face[idx], pix[idx], prob[idx]))
            # dA/dx = (1 - A) D for x = delta d2 / sigma, and at the closest
            # point d(d2)/d(start) = -2 (1 - t) r, d(d2)/d(end) = -2 t r.
            scale = torch.where(inside, prob, -prob) * (-2.0 / sigma)
            t = geo['t']
            g_x = scale * geo['rx']
            g_y = scale * geo['ry']
            end_x, end_y = g_x * t, g_y * t
            edge = geo['edge'].long()
            # Flat indices into (faces, 3 corners, xy); int64 because
            # index_add_ with int32 indices takes a slow path on CPU.
            corner = face.long() * 3
            start = (corner + edge) * 2
            end = (corner + torch.remainder(edge + 1, 3)) * 2
            grads.append((pix, start, end, g_x - end_x, g_y - end_y, end_x,
                          end_y))
        trans = torch.exp(log_trans)
        ctx.grads = grads
        ctx.save_for_backward(trans)
        ctx.num_faces = face_xy.shape[0]
        if kept:
            face, pix, prob = (torch.cat(parts) for parts in zip(*kept))
        else:
            face = pix = torch.zeros(0, dtype=torch.int32, device=device)
            prob = torch.zeros(0, dtype=dtype, device=device)
        ctx.mark_non_differentiable(face, pix, prob)
        return 1.0 - trans, face, pix, prob

    @staticmethod
    def backward(ctx, grad_alpha: Tensor, *_unused):
        trans, = ctx.saved_tensors
        grad = torch.zeros(ctx.num_faces * 6, dtype=trans.dtype,
                           device=trans.device)
        if grad_alpha is not None:
            # d alpha / d x_pair = trans[pix] * D * (...), folded in forward.
            weight = grad_alpha.reshape(-1) * trans
            for pix, start, end, sx, sy, ex, ey in ctx.grads:
                w = weight[pix]
                grad.index_add_(0, start, w * sx)
                grad.index_add_(0, start + 1, w * sy)
                grad.index_add_(0, end, w * ex)
                grad.index_add_(0, end + 1, w * ey)
        return (grad.view(ctx.num_faces, 3, 2), None, None, None, None, None,
                None)


@MODELS.register_module()
class SoftRasterizer(nn.Module):
    """Differentiable soft rasterizer of SoftRas with look-at cameras.

    Args:
        image_size: output resolution S.
        sigma_val: sharpness of the silhouette (SSR: 1e-4).
        gamma_val: temperature of the softmax colour aggregation.
        dist_eps: pairs outside a triangle with ``D < dist_eps`` are skipped.
        near, far: a triangle counts only when all three of its vertices have
            camera depth within ``[near, far]``.
        viewing_angle: half field of view θ in degrees (SSR: 15).
        aggr_func_rgb: ``'hard'`` (colour of the nearest covering triangle)
            or ``'softmax'`` (SoftRas' depth-weighted aggregation).
        fill_back: let back faces take part in colour. Alpha always counts
            every face once, whatever its winding.
        background_color: RGB of pixels no triangle covers.
        bg_eps: normalized-depth of the background term of softmax colour.

    Call ``renderer(vertices, faces, eyes, textures=None)`` with vertices
    (B, V, 3), faces (F, 3) or (B, F, 3) long, eyes (B, 3) and optional
    per-face RGB textures (B, F, 3); the result is (B, 4, S, S) RGBA with the
    alpha in channel 3. Without textures only the silhouette is computed and
    the RGB channels hold the background colour. Colour is differentiable
    w.r.t. the textures; gradients w.r.t. vertices flow through the alpha.
    """

    def __init__(self,
                 image_size: int = 64,
                 sigma_val: float = 1e-4,
                 gamma_val: float = 1e-4,
                 dist_eps: float = 1e-10,
                 near: float = 1.0,
                 far: float = 100.0,
                 viewing_angle: float = 15.0,
                 aggr_func_rgb: str = 'softmax',
                 fill_back: bool = True,
                 background_color: Sequence[float] = (0.0, 0.0, 0.0),
                 bg_eps: float = 1e-3) -> None:
        super().__init__()
        if aggr_func_rgb not in ('hard', 'softmax'):
            raise ValueError("aggr_func_rgb must be 'hard' or 'softmax', "
                             f'got {aggr_func_rgb!r}')
        if not 0.0 < dist_eps < 0.5:
            raise ValueError(f'dist_eps must be in (0, 0.5), got {dist_eps}')
        if not 0.0 < near < far:
            raise ValueError(f'need 0 < near < far, got {near}, {far}')
        self.image_size = int(image_size)
        self.gamma_val = float(gamma_val)
        self.dist_eps = float(dist_eps)
        self.near = float(near)
        self.far = float(far)
        self.viewing_angle = float(viewing_angle)
        self.aggr_func_rgb = aggr_func_rgb
        self.fill_back = bool(fill_back)
        self.background_color = tuple(float(c) for c in background_color)
        self.bg_eps = float(bg_eps)
        self.set_sigma(sigma_val)

    def set_sigma(self, sigma: float) -> None:
        """Change the silhouette sharpness (for sigma schedules)."""
        if not sigma > 0:
            raise ValueError(f'sigma must be positive, got {sigma}')
        self.sigma_val = float(sigma)

    def extra_repr(self) -> str:
        return (f'image_size={self.image_size}, sigma_val={self.sigma_val}, '
                f'viewing_angle={self.viewing_angle}, '
                f'aggr_func_rgb={self.aggr_func_rgb!r}')

    def project(self, vertices: Tensor, eyes: Tensor) -> Tensor:
        """World vertices (B, V, 3) -> screen (x', y', z) (B, V, 3)."""
        return perspective(world_to_camera(vertices, eyes),
                           self.viewing_angle)

    def forward(self,
                vertices: Tensor,
                faces: Tensor,
                eyes: Tensor,
                textures: Optional[Tensor] = None) -> Tensor:
        vertices, faces, eyes = self._check_inputs(vertices, faces, eyes,
                                                   textures)
        screen = self.project(vertices, eyes)
        batch = vertices.shape[0]
        if faces.dim() == 2:
            face_vertices = screen[:, faces]
        else:
            face_vertices = torch.gather(
                screen.unsqueeze(1).expand(-1, faces.shape[1], -1, -1), 2,
                faces.unsqueeze(-1).expand(-1, -1, -1, 3))
        return rasterize(face_vertices, self.image_size, self.sigma_val,
                         self.dist_eps, self.near, self.far, textures,
                         self.aggr_func_rgb, self.gamma_val, self.fill_back,
                         self.background_color, self.bg_eps).view(
                             batch, 4, self.image_size, self.image_size)

    @staticmethod
    def _check_inputs(vertices, faces, eyes, textures):
        if vertices.dim() != 3 or vertices.shape[-1] != 3:
            raise ValueError('vertices must be (B, V, 3), got '
                             f'{tuple(vertices.shape)}')
        if not vertices.dtype.is_floating_point:
            raise TypeError(f'vertices must be float, got {vertices.dtype}')
        batch = vertices.shape[0]
        if eyes.shape != (batch, 3):
            raise ValueError(f'eyes must be (B, 3) = ({batch}, 3), got '
                             f'{tuple(eyes.shape)}')
        faces = faces.to(device=vertices.device, dtype=torch.long)
        if faces.dim() not in (2, 3) or faces.shape[-1] != 3 or (
                faces.dim() == 3 and faces.shape[0] != batch):
            raise ValueError('faces must be (F, 3) or (B, F, 3), got '
                             f'{tuple(faces.shape)}')
        if faces.numel() and (faces.min() < 0
                              or faces.max() >= vertices.shape[1]):
            raise IndexError('faces index vertices outside [0, '
                             f'{vertices.shape[1]})')
        if textures is not None and textures.shape != (batch,
                                                       faces.shape[-2], 3):
            raise ValueError('textures must be per-face RGB (B, F, 3) = '
                             f'({batch}, {faces.shape[-2]}, 3), got '
                             f'{tuple(textures.shape)}')
        return vertices, faces, eyes.to(vertices)


def rasterize(face_vertices: Tensor,
              image_size: int,
              sigma: float,
              dist_eps: float = 1e-10,
              near: float = 1.0,
              far: float = 100.0,
              textures: Optional[Tensor] = None,
              aggr_func_rgb: str = 'softmax',
              gamma: float = 1e-4,
              fill_back: bool = True,
              background_color: Union[Sequence[float], Tensor] = (0., 0., 0.),
              bg_eps: float = 1e-3) -> Tensor:
    """Soft-rasterize projected triangles (B, F, 3, 3) -> (B, 4, S, S).

    ``face_vertices[..., :2]`` are screen coordinates and ``[..., 2]`` the
    camera depth. See :class:`SoftRasterizer` for the arguments.
    """
    batch, num_faces = face_vertices.shape[:2]
    s = image_size
    dtype, device = face_vertices.dtype, face_vertices.device
    num_pixels = batch * s * s
    flat = face_vertices.reshape(batch * num_faces, 3, 3)
    depth = flat[..., 2].detach()
    valid = ((depth >= near) & (depth <= far)).all(dim=1)
    valid &= torch.isfinite(flat.detach()).all(dim=2).all(dim=1)
    face_xy = flat[..., :2]
    if not torch.isfinite(face_xy.detach()).all():
        # Keep dropped triangles from poisoning the bins with NaN/inf.
        face_xy = torch.where(valid[:, None, None], face_xy,
                              torch.zeros_like(face_xy))

    threshold = sigma * math.log(1.0 / dist_eps - 1.0)
    bins = _FaceBins(face_xy.detach(), valid, s,
                     influence_radius(sigma, dist_eps))
    alpha, face, pix, prob = _SoftSilhouette.apply(face_xy, bins, num_faces,
                                                   num_pixels, sigma,
                                                   threshold,
                                                   textures is not None)
    bg = torch.as_tensor(background_color, dtype=dtype, device=device)
    if textures is None:
        rgb = bg.view(1, 3).expand(num_pixels, 3)
    else:
        rgb = _aggregate_rgb(flat.detach(), textures.reshape(-1, 3), face,
                             pix, prob, s, num_pixels, near, far,
                             aggr_func_rgb, gamma, fill_back, bg, bg_eps)
    image = torch.cat([rgb, alpha.unsqueeze(1)], dim=1)
    return image.view(batch, s, s, 4).permute(0, 3, 1, 2)


def _aggregate_rgb(flat: Tensor, textures: Tensor, face: Tensor, pix: Tensor,
                   prob: Tensor, image_size: int, num_pixels: int,
                   near: float, far: float, aggr: str, gamma: float,
                   fill_back: bool, bg: Tensor, bg_eps: float) -> Tensor:
    """Per-pixel colour from the kept pairs (gradients reach textures)."""
    s = image_size
    face, pix = face.long(), pix.long()
    local = pix % (s * s)
    px, py = pixel_xy(torch.div(local, s, rounding_mode='floor'), local % s,
                      s, flat.dtype)
    geo = _pair_geometry(px, py, flat[..., :2].reshape(-1, 6)[face].t())
    if not fill_back:
        # Outward faces seen from the front wind clockwise on the screen
        # (x right, y up) in this left-handed camera frame.
        front = geo['area2'] < 0
        face, pix, prob = face[front], pix[front], prob[front]
        geo = {k: ([c[front] for c in v] if isinstance(v, list) else
                   v[front]) for k, v in geo.items()}
    # Screen-space barycentric weights: the edge function opposite a vertex.
    bary = torch.stack([geo['cross'][1], geo['cross'][2], geo['cross'][0]])
    area2 = geo['area2']
    safe_area = torch.where(area2 == 0, torch.ones_like(area2), area2)
    bary = bary / safe_area
    inv_z = 1.0 / flat[face, :, 2].t()

    if aggr == 'hard':
        covered = geo['inside']
        face, pix = face[covered], pix[covered]
        z = 1.0 / (bary[:, covered] * inv_z[:, covered]).sum(0)
        zmin = torch.full((num_pixels, ), math.inf, dtype=z.dtype,
                          device=z.device)
        zmin.scatter_reduce_(0, pix, z, reduce='amin')
        nearest = z <= zmin[pix]
        # Ties in depth: the largest face index wins, deterministically.
        winner = torch.full((num_pixels, ), -1, dtype=torch.long,
                            device=z.device)
        winner.scatter_reduce_(0, pix[nearest], face[nearest], reduce='amax')
        hit = winner >= 0
        rgb = bg.view(1, 3).expand(num_pixels, 3).clone()
        rgb[hit] = textures[winner[hit]]
        return rgb

    # SoftRas: barycentric weights clipped to the triangle for outside pixels.
    clipped = bary.clamp(0.0, 1.0)
    clipped = clipped / clipped.sum(0).clamp_min(1e-12)
    z = 1.0 / (clipped * inv_z).sum(0)
    z_norm = (far - z) / (far - near)
    z_max = torch.full((num_pixels, ), bg_eps, dtype=z.dtype,
                       device=z.device)
    z_max.scatter_reduce_(0, pix, z_norm, reduce='amax')
    weight = prob * torch.exp((z_norm - z_max[pix]) / gamma)
    w_bg = torch.exp((bg_eps - z_max) / gamma)
    denom = w_bg.index_add(0, pix, weight)
    numer = torch.zeros(num_pixels, 3, dtype=textures.dtype,
                        device=textures.device).index_add(
                            0, pix, weight[:, None] * textures[face])
    return (numer + w_bg[:, None] * bg) / denom[:, None]
