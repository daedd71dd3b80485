"""numba kernels of the fused soft silhouette (imported lazily: needs numba).

All arithmetic is float64, with fused multiply-adds (``_FAST``); images are
flat (B*S*S,). The per-pair formulas are those of
``rasterizer._pair_geometry`` and ``blend._SoftSilhouette``; see the package
docstring. The inner loops are branch-free: every pair in a row span is
evaluated and a select, not a ``continue``, drops the ones beyond the cut-off;
clamps, the inside test, the nearest edge and the corner a gradient goes to
are selects too. A mispredicted branch per pair cost more than the arithmetic
it skipped.
"""
import math

import numpy as np
from numba import njit, prange

# exp(x), x <= 0, as x = k ln2/64 + r with |r| <= ln2/128: 2**(k >> 6) from
# one table, 2**((k & 63)/64) from another, exp(r) to degree 5 (relative
# error below 1e-16). A libm call in the pair loop made LLVM spill every
# register of the face around it (the ABI keeps no float register); this
# one inlines, and the kernels run 10 % faster.
_LN2_64_HI = 6.93147180369123816490e-01 / 64  # k * _LN2_64_HI is exact
_LN2_64_LO = 1.90821492927058770002e-10 / 64
_POW2 = np.array([math.ldexp(1.0, k) for k in range(-1075, 1)])
_POW2_64THS = np.array([2.0**(j / 64) for j in range(64)])
# Screen slack of the pixel box, as in the torch bins.
_SLACK = 1e-6
# LLVM may fuse multiply-adds and reorder sums (a last-bit change, 1e-16
# relative, against a 10-20 % shorter loop); it may not assume away NaN or
# inf, which the face test and the row cut rely on.
_FAST = {'contract', 'arcp', 'nsz', 'reassoc'}


@njit(fastmath={'contract'})
def exp_nonpositive(x: float) -> float:
    """``exp(x)`` for ``x <= 0`` within 2 ulp; 0 from -745 down and for
    NaN, 1 for ``x >= 0``. Its own flags: no reordering (Cody-Waite needs the
    two subtractions in order); LLVM still inlines it."""
    x = x if x > -745.0 else -745.0
    x = x if x < 0.0 else 0.0
    kf = np.floor(x * (64.0 / math.log(2.0)) + 0.5)
    r = (x - kf * _LN2_64_HI) - kf * _LN2_64_LO
    k = int(kf)
    p = 1.0 / 24.0 + r * (1.0 / 120.0)
    p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * p)))
    return (_POW2[(k >> 6) + 1075] * _POW2_64THS[k & 63]) * p


@njit(inline='always', fastmath=_FAST)
def _valid(verts, b, v0, v1, v2, near, far):
    """The face counts: corners' depths within [near, far], all finite
    (``SoftMeshRasterizer``'s rule)."""
    ok = True
    for v in (v0, v1, v2):
        z = verts[b, v, 2]
        ok = ok and z >= near and z <= far and math.isfinite(
            verts[b, v, 0]) and math.isfinite(verts[b, v, 1])
    return ok


@njit(inline='always', fastmath=_FAST)
def _face(ax, ay, bx, by, cx, cy):
    """Corners, edge vectors ``E - S`` of edges 0: A->B, 1: B->C, 2: C->A,
    their inverse squared lengths (0 for zero-length edges) and twice the
    signed area of a triangle, as scalars (kept in registers)."""
    e0x, e0y = bx - ax, by - ay
    e1x, e1y = cx - bx, cy - by
    e2x, e2y = ax - cx, ay - cy
    l0 = e0x * e0x + e0y * e0y
    l1 = e1x * e1x + e1y * e1y
    l2 = e2x * e2x + e2y * e2y
    i0 = 1.0 / l0 if l0 > 0.0 else 0.0
    i1 = 1.0 / l1 if l1 > 0.0 else 0.0
    i2 = 1.0 / l2 if l2 > 0.0 else 0.0
    # same operation order as signed_area2 / _pair_geometry
    area2 = e0x * (cy - ay) - e0y * (cx - ax)
    return (ax, ay, bx, by, cx, cy, e0x, e0y, e1x, e1y, e2x, e2y, i0, i1, i2,
            area2)


@njit(inline='always', fastmath=_FAST)
def _edge(sx, sy, ex, ey, inv, px, py):
    """Squared distance, clamped closest-point parameter t, residual and
    edge function of pixel (px, py) against edge S + t E."""
    wx = px - sx
    wy = py - sy
    t = min(max((wx * ex + wy * ey) * inv, 0.0), 1.0)
    rx = wx - t * ex
    ry = wy - t * ey
    return rx * rx + ry * ry, t, rx, ry, ex * wy - ey * wx


@njit(inline='always', fastmath=_FAST)
def _inside(area2, k0, k1, k2):
    """The inside test of ``_pair_geometry`` (degenerate triangles cover
    nothing), without branches."""
    pos = (k0 >= 0.0) & (k1 >= 0.0) & (k2 >= 0.0) & (area2 > 0.0)
    neg = (k0 <= 0.0) & (k1 <= 0.0) & (k2 <= 0.0) & (area2 < 0.0)
    return pos | neg


@njit(inline='always', fastmath=_FAST)
def _face_box(ax, ay, bx, by, cx, cy, s, margin):
    """Pixel box (c0, c1, r0, r1) of a triangle expanded by ``margin``;
    empty (c1 < c0) when it misses the image."""
    xmin = min(ax, bx, cx) - margin
    xmax = max(ax, bx, cx) + margin
    ymin = min(ay, by, cy) - margin
    ymax = max(ay, by, cy) + margin
    half = 0.5 * s
    mid = 0.5 * (s - 1)
    # x = (2c + 1 - S)/S  <=>  c = x S/2 + (S - 1)/2 ; y = (S - 1 - 2r)/S
    c0 = max(np.ceil(xmin * half + mid - _SLACK), 0.0)
    c1 = min(np.floor(xmax * half + mid + _SLACK), s - 1.0)
    r0 = max(np.ceil(mid - ymax * half - _SLACK), 0.0)
    r1 = min(np.floor(mid - ymin * half + _SLACK), s - 1.0)
    if not (c0 <= c1 and r0 <= r1):
        return 0, -1, 0, -1
    return int(c0), int(c1), int(r0), int(r1)


@njit(inline='always', fastmath=_FAST)
def _half_plane(sgn, sx, sy, ex, ey, reach):
    """Edge S->E as ``a px + m py + q >= 0``: the pixels no farther than
    ``reach`` outside the edge's line (``sgn`` the orientation). Returns
    (a, 1/a, m, q) with a slack in q well above its rounding error."""
    length = math.sqrt(ex * ex + ey * ey)
    slack = 1e-12 * length * (2.0 + abs(sx) + abs(sy)) + 1e-300
    a = -sgn * ey
    return (a, 1.0 / a if a != 0.0 else 0.0, sgn * ex,
            sgn * (ey * sx - ex * sy) + reach * length + slack)


@njit(inline='always', fastmath=_FAST)
def _clip(lo, hi, a, ia, m, q, py):
    """Narrow [lo, hi] (screen x) to ``a px + m py + q >= 0``."""
    b = m * py + q
    if a > 0.0:
        lo = max(lo, -b * ia)
    elif a < 0.0:
        hi = min(hi, -b * ia)
    elif b < 0.0:
        lo = math.inf
    return lo, hi


@njit(inline='always', fastmath=_FAST)
def _cut(g, reach):
    """Per face: the three half-planes of :func:`_row_span`, as (a, 1/a,
    m, q) each; always-true ones for degenerate triangles, which keep their
    whole box."""
    ax, ay, bx, by, cx, cy, e0x, e0y, e1x, e1y, e2x, e2y, _, _, _, area2 = g
    sgn = 1.0 if area2 > 0.0 else -1.0
    if area2 == 0.0:
        # a = m = 0, q = 1: always satisfied
        return (0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)
    a0, j0, m0, q0 = _half_plane(sgn, ax, ay, e0x, e0y, reach)
    a1, j1, m1, q1 = _half_plane(sgn, bx, by, e1x, e1y, reach)
    a2, j2, m2, q2 = _half_plane(sgn, cx, cy, e2x, e2y, reach)
    return (a0, j0, m0, q0, a1, j1, m1, q1, a2, j2, m2, q2)


@njit(inline='always', fastmath=_FAST)
def _row_span(cut, py, c0, c1, s):
    """Columns [lo, hi] of the row at ``py`` within the influence radius of
    the outer side of all three edge lines, clipped to the box [c0, c1].

    A pixel farther than the influence radius outside an edge's line is
    farther than that from the triangle, so it has ``d2 > threshold`` and is
    not inside: the cut (with slack) changes no result, it only skips the
    corners of the bounding box. NaN bounds are ignored.
    """
    a0, j0, m0, q0, a1, j1, m1, q1, a2, j2, m2, q2 = cut
    lo = -math.inf
    hi = math.inf
    lo, hi = _clip(lo, hi, a0, j0, m0, q0, py)
    lo, hi = _clip(lo, hi, a1, j1, m1, q1, py)
    lo, hi = _clip(lo, hi, a2, j2, m2, q2, py)
    half = 0.5 * s
    mid = 0.5 * (s - 1)
    flo = np.ceil(lo * half + mid - _SLACK)
    fhi = np.floor(hi * half + mid + _SLACK)
    lo_c, hi_c = c0, c1
    if flo > c0:
        lo_c = int(flo) if flo <= c1 else c1 + 1
    if fhi < c1:
        hi_c = int(fhi) if fhi >= c0 else c0 - 1
    return lo_c, hi_c


@njit(inline='always', fastmath=_FAST)
def _pixel_x(s):
    """Screen x of the pixel centres of each column, as ``pixel_xy``."""
    xs = np.empty(s)
    for c in range(s):
        xs[c] = (2 * c + 1 - s) / s
    return xs


@njit(parallel=True, cache=True, nogil=True, fastmath=_FAST)
def silhouette_forward(verts, faces, face_batch, s, sigma, threshold, radius,
                       near, far, trans):
    """``trans`` (B*S*S,), initialised to 1, *= ``1 - D`` of every pair.

    ``verts`` (B, V, 3) screen ``x', y'`` and camera depth; ``faces``
    (B or 1, F, 3) int64 vertex indices, checked by the caller;
    ``face_batch`` (B,) int64, the row of ``faces`` of each batch item.
    ``1 - D`` is ``1 / (1 + e)`` outside and ``e / (1 + e)`` inside, with
    ``e = exp(-d2 / sigma)``: the product equals ``exp(sum log(1 - D))`` of
    the torch path to rounding (below 1e-300 it may flush to 0 a little
    earlier, where alpha is 1 either way). One batch item per parallel
    iteration: its faces only touch its own image.
    """
    batch = verts.shape[0]
    num_faces = faces.shape[1]
    inv_sigma = 1.0 / sigma
    reach = radius * (1.0 + 1e-9)
    xs = _pixel_x(s)
    for b in prange(batch):
        base = b * s * s
        fb = face_batch[b]
        for f in range(num_faces):
            v0 = faces[fb, f, 0]
            v1 = faces[fb, f, 1]
            v2 = faces[fb, f, 2]
            if not _valid(verts, b, v0, v1, v2, near, far):
                continue
            g = _face(verts[b, v0, 0], verts[b, v0, 1], verts[b, v1, 0],
                      verts[b, v1, 1], verts[b, v2, 0], verts[b, v2, 1])
            (ax, ay, bx, by, cx, cy, e0x, e0y, e1x, e1y, e2x, e2y, i0, i1, i2,
             area2) = g
            cut = _cut(g, reach)
            c0, c1, r0, r1 = _face_box(ax, ay, bx, by, cx, cy, s, radius)
            for r in range(r0, r1 + 1):
                py = (s - 1 - 2 * r) / s
                lo, hi = _row_span(cut, py, c0, c1, s)
                row = base + r * s
                for c in range(lo, hi + 1):
                    px = xs[c]
                    d0, _, _, _, k0 = _edge(ax, ay, e0x, e0y, i0, px, py)
                    d1, _, _, _, k1 = _edge(bx, by, e1x, e1y, i1, px, py)
                    d2, _, _, _, k2 = _edge(cx, cy, e2x, e2y, i2, px, py)
                    d = d1 if d1 < d0 else d0
                    d = d2 if d2 < d else d
                    inside = _inside(area2, k0, k1, k2)
                    e = exp_nonpositive(-d * inv_sigma)
                    num = e if inside else 1.0
                    f = num / (1.0 + e)
                    keep = inside | (d < threshold)
                    trans[row + c] *= f if keep else 1.0


@njit(parallel=True, cache=True, nogil=True, fastmath=_FAST)
def silhouette_backward(verts, faces, face_batch, s, sigma, threshold, radius,
                        near, far, weight, grad):
    """``grad`` (B, V, 3) += the x, y gradients of every face's pairs.

    Per pair: ``weight[pix] * delta * D * r`` times ``1 - t`` at the start
    S and ``t`` at the end E of the nearest edge, closest point
    ``S + t (E - S)``, residual ``r``. The caller folds
    ``dL/dA * (1 - A) * (-2 / sigma)`` per pixel into ``weight``
    (``d(d2)/dS = -2 (1 - t) r``, ``d(d2)/dE = -2 t r``). A face sums its
    pairs in registers, then adds them to its corners; one batch item per
    parallel iteration, so nothing races.
    """
    batch = verts.shape[0]
    num_faces = faces.shape[1]
    inv_sigma = 1.0 / sigma
    reach = radius * (1.0 + 1e-9)
    xs = _pixel_x(s)
    for b in prange(batch):
        base = b * s * s
        fb = face_batch[b]
        for f in range(num_faces):
            v0 = faces[fb, f, 0]
            v1 = faces[fb, f, 1]
            v2 = faces[fb, f, 2]
            if not _valid(verts, b, v0, v1, v2, near, far):
                continue
            g = _face(verts[b, v0, 0], verts[b, v0, 1], verts[b, v1, 0],
                      verts[b, v1, 1], verts[b, v2, 0], verts[b, v2, 1])
            (ax, ay, bx, by, cx, cy, e0x, e0y, e1x, e1y, e2x, e2y, i0, i1, i2,
             area2) = g
            cut = _cut(g, reach)
            g0 = 0.0
            g1 = 0.0
            g2 = 0.0
            g3 = 0.0
            g4 = 0.0
            g5 = 0.0
            c0, c1, r0, r1 = _face_box(ax, ay, bx, by, cx, cy, s, radius)
            for r in range(r0, r1 + 1):
                py = (s - 1 - 2 * r) / s
                lo, hi = _row_span(cut, py, c0, c1, s)
                row = base + r * s
                for c in range(lo, hi + 1):
                    w = weight[row + c]
                    px = xs[c]
                    d0, t0, rx0, ry0, k0 = _edge(ax, ay, e0x, e0y, i0, px, py)
                    d1, t1, rx1, ry1, k1 = _edge(bx, by, e1x, e1y, i1, px, py)
                    d2, t2, rx2, ry2, k2 = _edge(cx, cy, e2x, e2y, i2, px, py)
                    near1 = d1 < d0
                    d = d1 if near1 else d0
                    near2 = d2 < d
                    d = d2 if near2 else d
                    inside = _inside(area2, k0, k1, k2)
                    keep = inside | (d < threshold)
                    t = t2 if near2 else (t1 if near1 else t0)
                    rx = rx2 if near2 else (rx1 if near1 else rx0)
                    ry = ry2 if near2 else (ry1 if near1 else ry0)
                    e = exp_nonpositive(-d * inv_sigma)
                    num = w if inside else -w * e
                    scale = num / (1.0 + e)
                    scale = scale if keep else 0.0
                    gx = scale * rx
                    gy = scale * ry
                    hx = gx * t
                    hy = gy * t
                    fx = gx - hx
                    fy = gy - hy
                    m2 = 1.0 if near2 else 0.0
                    m1 = 0.0 if near2 else (1.0 if near1 else 0.0)
                    m0 = 1.0 - m1 - m2
                    # start S gets f, end E gets h; edge k: S = k, E = k+1
                    g0 += m0 * fx + m2 * hx
                    g1 += m0 * fy + m2 * hy
                    g2 += m1 * fx + m0 * hx
                    g3 += m1 * fy + m0 * hy
                    g4 += m2 * fx + m1 * hx
                    g5 += m2 * fy + m1 * hy
            grad[b, v0, 0] += g0
            grad[b, v0, 1] += g1
            grad[b, v1, 0] += g2
            grad[b, v1, 1] += g3
            grad[b, v2, 0] += g4
            grad[b, v2, 1] += g5
