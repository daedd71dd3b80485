"""The reference implementation: the SoftRas formula verbatim, every pixel
against every face.

O(B·S²·F) in time and memory: it defines the renderer's maths (the tests
hold the binned and fused paths to it) and is never a production path. It
shares only the camera functions with the rest of :mod:`mmssr.renderer`.
"""
import math

import torch

from .cameras import perspective, pixel_centers, world_to_camera


def _point_segment_sq_dist(p, a, b):
    """Squared distance of points p (..., 2) to segments a-b (..., 2)."""
    ab = b - a
    ap = p - a
    denom = (ab * ab).sum(-1)
    t = (ap * ab).sum(-1) / torch.where(denom > 0, denom,
                                        torch.ones_like(denom))
    t = torch.where(denom > 0, t, torch.zeros_like(t)).clamp(0, 1)
    closest = a + t.unsqueeze(-1) * ab
    return ((p - closest)**2).sum(-1)


def dense_face_terms(face_vertices,
                     image_size,
                     sigma,
                     dist_eps=1e-10,
                     near=1.0,
                     far=100.0):
    """Per (batch, pixel, face) inside mask, squared distance and D."""
    dtype = face_vertices.dtype
    grid = pixel_centers(image_size, dtype=dtype).reshape(1, -1, 1, 2)
    a = face_vertices[:, None, :, 0, :2]
    b = face_vertices[:, None, :, 1, :2]
    c = face_vertices[:, None, :, 2, :2]
    d2 = torch.minimum(
        torch.minimum(
            _point_segment_sq_dist(grid, a, b),
            _point_segment_sq_dist(grid, b, c)),
        _point_segment_sq_dist(grid, c, a))

    def edge(p, q, r):
        return (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (
            q[..., 1] - p[..., 1]) * (
                r[..., 0] - p[..., 0])

    area = edge(a, b, c)
    e0, e1, e2 = edge(a, b, grid), edge(b, c, grid), edge(c, a, grid)
    pos = (e0 >= 0) & (e1 >= 0) & (e2 >= 0) & (area > 0)
    neg = (e0 <= 0) & (e1 <= 0) & (e2 <= 0) & (area < 0)
    inside = pos | neg
    delta = torch.where(inside, torch.ones_like(d2), -torch.ones_like(d2))
    prob = torch.sigmoid(delta * d2 / sigma)
    z = face_vertices[..., 2]
    valid = ((z >= near) & (z <= far)).all(-1)[:, None, :]
    skip = (~inside) & (d2 >= sigma * math.log(1 / dist_eps - 1))
    prob = torch.where(skip | ~valid, torch.zeros_like(prob), prob)
    return inside & valid, d2, prob


def dense_alpha(vertices,
                faces,
                eyes,
                image_size=64,
                sigma=1e-4,
                dist_eps=1e-10,
                viewing_angle=15.0,
                near=1.0,
                far=100.0):
    """Alpha (B, S, S) = 1 - prod_j (1 - D_j)."""
    screen = perspective(world_to_camera(vertices, eyes), viewing_angle)
    fv = screen[:, faces]
    _, _, prob = dense_face_terms(fv, image_size, sigma, dist_eps, near, far)
    alpha = 1 - torch.prod(1 - prob, dim=-1)
    return alpha.view(-1, image_size, image_size)


def dense_softmax_rgb(vertices,
                      faces,
                      eyes,
                      textures,
                      image_size=64,
                      sigma=1e-4,
                      gamma=1e-4,
                      dist_eps=1e-10,
                      viewing_angle=15.0,
                      near=1.0,
                      far=100.0,
                      bg=(0., 0., 0.),
                      bg_eps=1e-3):
    """SoftRas softmax colour (B, S, S, 3), all faces taking part."""
    screen = perspective(world_to_camera(vertices, eyes), viewing_angle)
    fv = screen[:, faces]
    _, _, prob = dense_face_terms(fv, image_size, sigma, dist_eps, near, far)
    dtype = vertices.dtype
    grid = pixel_centers(image_size, dtype=dtype).reshape(1, -1, 1, 2)
    a, b, c = (fv[:, None, :, i, :2] for i in range(3))

    def edge(p, q, r):
        return (q[..., 0] - p[..., 0]) * (r[..., 1] - p[..., 1]) - (
            q[..., 1] - p[..., 1]) * (
                r[..., 0] - p[..., 0])

    area = edge(a, b, c)
    w = torch.stack([edge(b, c, grid),
                     edge(c, a, grid),
                     edge(a, b, grid)], -1) / area.unsqueeze(-1)
    w = w.clamp(0, 1)
    w = w / w.sum(-1, keepdim=True)
    inv_z = 1 / fv[:, None, :, :, 2]
    z = 1 / (w * inv_z).sum(-1)
    z_norm = (far - z) / (far - near)
    z_norm = torch.where(prob > 0, z_norm, torch.full_like(z_norm, -1e9))
    z_max = torch.maximum(
        z_norm.amax(-1, keepdim=True), torch.tensor(bg_eps, dtype=dtype))
    weight = prob * torch.exp((z_norm - z_max) / gamma)
    w_bg = torch.exp((bg_eps - z_max) / gamma)
    bg_t = torch.tensor(bg, dtype=dtype)
    rgb = (weight.unsqueeze(-1) * textures[:, None]).sum(2) + w_bg * bg_t
    rgb = rgb / (weight.sum(-1, keepdim=True) + w_bg)
    return rgb.view(-1, image_size, image_size, 3)
