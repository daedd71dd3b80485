"""Blends: per-pixel alpha and colour from :class:`Fragments`.

The seam for faster fragment producers (e.g. a fused kernel). A producer
must return a :class:`~mmssr.renderer.fragments.Fragments` with

* ``chunks`` of :class:`PairChunk`: per (triangle, pixel) pair the int32 flat
  ``face`` and ``pix`` indices, ``d2`` (squared distance to the triangle's
  boundary), ``inside``, ``keep`` (False marks padding; a producer that
  compacts may set it all True), and for the analytic backward the nearest
  ``edge`` (uint8 k: corner k -> k+1), its closest-point parameter ``t`` and
  the residual ``rx, ry``; with ``bary`` (3, P) when asked for colour;
* the per-face ``face_xy`` (differentiable: gradients of the silhouette
  enter the graph there), ``face_depth``, ``face_area2`` and the sizes.

A pixel may appear in any number of pairs, in any order and any chunk: the
blends only scatter-add / scatter-reduce over ``pix``.

* :func:`soft_silhouette_blend` consumes ``face, pix, d2, inside, keep`` in
  the forward pass and ``edge, t, rx, ry`` in its analytic backward;
* :func:`hard_rgb_blend` and :func:`softmax_rgb_blend` consume the kept
  pairs' ``face, pix, d2, inside, bary`` and ``face_depth, face_area2``.
"""
import math

import torch
from torch import Tensor, nn

from .fragments import Fragments, PairChunk
from .settings import BlendParams


class _SoftSilhouette(torch.autograd.Function):
    """Alpha ``1 - prod(1 - D)`` of fragments with an analytic backward.

    ``log(1 - A)`` is the scatter-sum of ``log(1 - D) = logsigmoid(-x)``
    (``x = delta d^2 / sigma``), which stays finite where D rounds to 1.
    For the closest point ``S + t (E - S)`` on the nearest edge with residual
    ``r``, ``d(d^2)/dS = -2 (1 - t) r`` and ``d(d^2)/dE = -2 t r`` (the
    derivative of the clamped ``t`` drops out at the optimum), so backward
    needs only the fragments and the transmittance.
    """

    @staticmethod
    def forward(ctx, face_xy: Tensor, fragments: Fragments,
                sigma: float) -> Tensor:
        dtype, device = face_xy.dtype, face_xy.device
        log_trans = torch.zeros(
            fragments.num_pixels, dtype=dtype, device=device)
        zero = torch.zeros((), dtype=dtype, device=device)
        for c in fragments.chunks:
            signed = torch.where(c.inside, c.d2, -c.d2) / sigma
            log_trans.index_add_(
                0, c.pix,
                torch.where(c.keep, nn.functional.logsigmoid(-signed), zero))
        trans = torch.exp(log_trans)
        ctx.fragments = fragments
        ctx.sigma = sigma
        ctx.save_for_backward(trans)
        return 1.0 - trans

    @staticmethod
    def backward(ctx, grad_alpha: Tensor):
        trans, = ctx.saved_tensors
        fragments, sigma = ctx.fragments, ctx.sigma
        num_faces = fragments.face_xy.shape[0]
        grad = torch.zeros(
            num_faces * 6, dtype=trans.dtype, device=trans.device)
        # dA/dx = (1 - A) D for x = delta d2 / sigma; the per-pixel factors
        # (and -2/sigma) are folded here, before the per-pair gather.
        weight = grad_alpha.reshape(-1) * trans * (-2.0 / sigma)
        zero = torch.zeros((), dtype=trans.dtype, device=trans.device)
        for c in fragments.chunks:
            prob = torch.sigmoid(torch.where(c.inside, c.d2, -c.d2) / sigma)
            signed_prob = torch.where(c.inside, prob, -prob)
            scale = torch.where(c.keep, weight[c.pix], zero) * signed_prob
            g_x = scale * c.rx
            g_y = scale * c.ry
            end_x, end_y = g_x * c.t, g_y * c.t
            # Flat indices into (faces, 3 corners, xy); int64 because
            # index_add_ with int32 indices takes a slow path on CPU.
            corner = c.face.long() * 3
            start = (corner + c.edge) * 2
            end = (corner + torch.remainder(c.edge + 1, 3)) * 2
            grad.index_add_(0, start, g_x - end_x)
            grad.index_add_(0, start + 1, g_y - end_y)
            grad.index_add_(0, end, end_x)
            grad.index_add_(0, end + 1, end_y)
        return grad.view(num_faces, 3, 2), None, None


def soft_silhouette_blend(fragments: Fragments, sigma: float) -> Tensor:
    """Soft silhouette (B, S, S), differentiable w.r.t. ``face_xy``."""
    s = fragments.image_size
    alpha = _SoftSilhouette.apply(fragments.face_xy, fragments, float(sigma))
    return alpha.view(fragments.batch_size, s, s)


def _colour_pairs(fragments: Fragments, blend_params: BlendParams,
                  covered_only: bool) -> PairChunk:
    """Kept pairs with barycentrics, back faces dropped unless fill_back."""
    if fragments.chunks and fragments.chunks[0].bary is None:
        raise ValueError('colour blends need fragments rasterized with '
                         'with_barycentrics=True')
    pairs = fragments.pairs(covered_only)
    if not blend_params.fill_back:
        # Outward faces seen from the front wind clockwise on the screen
        # (x right, y up) in this left-handed camera frame.
        pairs = pairs.select((fragments.face_area2[pairs.face.long()]
                              < 0).nonzero()[:, 0])
    return pairs


def _background(blend_params: BlendParams, like: Tensor) -> Tensor:
    return torch.as_tensor(
        blend_params.background_color, dtype=like.dtype,
        device=like.device).reshape(3)


def _image(rgb: Tensor, fragments: Fragments) -> Tensor:
    s = fragments.image_size
    return rgb.view(fragments.batch_size, s, s, 3)


def hard_rgb_blend(textures: Tensor, fragments: Fragments,
                   blend_params: BlendParams) -> Tensor:
    """Colour (B, S, S, 3) of the nearest face covering each pixel centre.

    Args:
        textures: per-face RGB (B, F, 3) or flat (B*F, 3).

    Depth is interpolated perspective-correctly (``1/z`` is linear on
    screen). Ties in depth go to the largest face index, deterministically.
    """
    textures = textures.reshape(-1, 3)
    pairs = _colour_pairs(fragments, blend_params, covered_only=True)
    face, pix = pairs.face.long(), pairs.pix.long()
    num_pixels = fragments.num_pixels
    inv_z = 1.0 / fragments.face_depth[face].t()
    z = 1.0 / (pairs.bary * inv_z).sum(0)
    zmin = torch.full((num_pixels, ), math.inf, dtype=z.dtype, device=z.device)
    zmin.scatter_reduce_(0, pix, z, reduce='amin')
    nearest = z <= zmin[pix]
    winner = torch.full((num_pixels, ), -1, dtype=torch.long, device=z.device)
    winner.scatter_reduce_(0, pix[nearest], face[nearest], reduce='amax')
    hit = winner >= 0
    rgb = _background(blend_params, textures).expand(num_pixels, 3).clone()
    rgb[hit] = textures[winner[hit]]
    return _image(rgb, fragments)


def softmax_rgb_blend(textures: Tensor,
                      fragments: Fragments,
                      blend_params: BlendParams,
                      znear: float = 1.0,
                      zfar: float = 100.0) -> Tensor:
    """SoftRas colour (B, S, S, 3): ``D_j exp(z'_j / gamma)``-weighted mean.

    Args:
        textures: per-face RGB (B, F, 3) or flat (B*F, 3); gradients reach
            them, not the geometry.
        znear, zfar: the clipping range normalizing depth,
            ``z' = (zfar - z) / (zfar - znear)``.

    Barycentrics are clipped to the triangle for outside pixels, and the
    background enters with weight ``exp(bg_eps / gamma)``.
    """
    textures = textures.reshape(-1, 3)
    pairs = _colour_pairs(fragments, blend_params, covered_only=False)
    face, pix = pairs.face.long(), pairs.pix.long()
    num_pixels = fragments.num_pixels
    sigma, gamma = blend_params.sigma, blend_params.gamma
    prob = torch.sigmoid(
        torch.where(pairs.inside, pairs.d2, -pairs.d2) / sigma)
    clipped = pairs.bary.clamp(0.0, 1.0)
    clipped = clipped / clipped.sum(0).clamp_min(1e-12)
    inv_z = 1.0 / fragments.face_depth[face].t()
    z = 1.0 / (clipped * inv_z).sum(0)
    z_norm = (zfar - z) / (zfar - znear)
    # Subtracting the per-pixel maximum keeps exp(z'/gamma) from overflowing
    # at small gamma; it cancels in the ratio.
    z_max = torch.full((num_pixels, ),
                       blend_params.bg_eps,
                       dtype=z.dtype,
                       device=z.device)
    z_max.scatter_reduce_(0, pix, z_norm, reduce='amax')
    weight = prob * torch.exp((z_norm - z_max[pix]) / gamma)
    w_bg = torch.exp((blend_params.bg_eps - z_max) / gamma)
    denom = w_bg.index_add(0, pix, weight)
    numer = torch.zeros(
        num_pixels, 3, dtype=textures.dtype,
        device=textures.device).index_add(0, pix,
                                          weight[:, None] * textures[face])
    bg = _background(blend_params, textures)
    return _image((numer + w_bg[:, None] * bg) / denom[:, None], fragments)


def background_rgb(fragments: Fragments, blend_params: BlendParams) -> Tensor:
    """The background colour everywhere (B, S, S, 3), for alpha-only
    renders (an expanded view, not a copy)."""
    s = fragments.image_size
    return _background(blend_params,
                       fragments.face_xy).view(1, 1, 1, 3).expand(
                           fragments.batch_size, s, s, 3)
