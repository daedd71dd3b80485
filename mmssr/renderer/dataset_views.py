"""A coloured mesh seen from many cameras, as the datasets store views.

The synthetic generator and the mesh converter both make a dataset's views
with :func:`render_dataset_views`; they differ only in their
:class:`ViewRenderSettings` (:data:`SYNTHETIC_VIEWS`, :data:`CONVERTED_VIEWS`).
"""
from dataclasses import dataclass
from typing import Optional

import numpy as np
import torch
from torch import Tensor

from .shading import lambertian_face_colors
from .soft_rasterizer import SoftRasterizer

# The light of every dataset view (world frame, towards the light).
LIGHT_DIR = (0.3, 0.9, -0.5)


@dataclass(frozen=True)
class ViewRenderSettings:
    """How dataset views are drawn.

    Attributes:
        sigma: the soft rasterizer's sharpness (tiny: nearly hard edges).
        ambient: ambient share of the Lambertian shading.
        two_sided: shade back faces as front faces (open meshes of unknown
            orientation) and rasterize them (``fill_back``).
        coverage: alpha is the share of sub-pixels covered (alpha > 0.5),
            colour the mean of the covered ones; otherwise the renderer's
            soft alpha, one sample per pixel (``supersample`` ignored).
        supersample: sub-pixels per output pixel along each side (with
            ``coverage``).
        views_per_batch: cameras rendered at once (``None``: all).
    """
    sigma: float = 1e-5
    ambient: float = 0.3
    two_sided: bool = False
    coverage: bool = False
    supersample: int = 1
    views_per_batch: Optional[int] = None


# The synthetic generator's views: one sample per pixel; sigma 1e-5 keeps
# silhouettes crisp with about 0.5 px of antialiasing at 64x64.
SYNTHETIC_VIEWS = ViewRenderSettings()
# Converted meshes: each sub-pixel of a 4x4 block is covered (alpha > 0.5
# at a near-zero sigma) or not; a pixel's alpha is the coverage and its
# colour the mean of the covered sub-pixels, whose block centres average to
# the pixel centres of the camera convention. Two-sided shading and
# fill_back render flipped or inconsistent windings of real meshes like the
# intended surface.
CONVERTED_VIEWS = ViewRenderSettings(
    sigma=1e-9,
    two_sided=True,
    coverage=True,
    supersample=4,
    views_per_batch=6)


def _to_rgba(images: Tensor, size: int, k: int, coverage: bool) -> Tensor:
    """Straight RGBA (N, 4, S, S) in [0, 1], black outside the silhouette,
    from renders (N, 4, S·k, S·k)."""
    if not coverage:
        rgb = images[:, :3] * (images[:, 3:] > 0)
        return torch.cat([rgb, images[:, 3:]], 1).clamp(0, 1)
    alpha = (images[:, 3:] > 0.5).to(images.dtype)
    rgba = torch.cat([images[:, :3].clamp(0, 1) * alpha, alpha], 1)
    rgba = rgba.reshape(len(images), 4, size, k, size, k).mean((3, 5))
    cover = rgba[:, 3:]
    straight = torch.where(cover > 0, rgba[:, :3] / cover.clamp_min(1e-12),
                           torch.zeros_like(rgba[:, :3]))
    return torch.cat([straight.clamp(0, 1), cover], 1)


def render_dataset_views(
        vertices: np.ndarray,
        faces: np.ndarray,
        face_colors: np.ndarray,
        eyes: Tensor,
        image_size: int,
        settings: ViewRenderSettings = SYNTHETIC_VIEWS) -> np.ndarray:
    """RGBA uint8 renders (K, 4, S, S) of one mesh from ``eyes`` (K, 3), in
    true colour (straight, black outside the silhouette).

    Args:
        vertices: (V, 3) in the dataset's object frame.
        faces: (F, 3) vertex indices.
        face_colors: (F, 3) albedo in [0, 1].
        eyes: (K, 3) camera positions looking at the origin.
        image_size: side S of the views.
        settings: how to draw them.
    """
    size = int(image_size)
    k = int(settings.supersample) if settings.coverage else 1
    verts = torch.as_tensor(vertices, dtype=torch.float32)[None]
    faces_t = torch.as_tensor(np.asarray(faces), dtype=torch.long)
    colors = torch.as_tensor(np.asarray(face_colors), dtype=torch.float32)
    shaded = lambertian_face_colors(
        verts,
        faces_t,
        colors[None],
        light_dir=LIGHT_DIR,
        ambient=settings.ambient,
        two_sided=settings.two_sided)
    renderer = SoftRasterizer(
        image_size=size * k,
        sigma_val=settings.sigma,
        aggr_func_rgb='hard',
        fill_back=settings.two_sided)
    step = settings.views_per_batch or max(len(eyes), 1)
    out = []
    with torch.no_grad():
        for start in range(0, len(eyes), step):
            batch = eyes[start:start + step]
            n = len(batch)
            images = renderer(
                verts.expand(n, -1, -1), faces_t, batch,
                shaded.expand(n, -1, -1))
            out.append((_to_rgba(images, size, k, settings.coverage) *
                        255).round().to(torch.uint8))
    if not out:
        return np.zeros((0, 4, size, size), np.uint8)
    return torch.cat(out).numpy()
