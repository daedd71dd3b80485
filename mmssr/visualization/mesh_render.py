"""Shaded renders of meshes for people to look at (demos, training logs)."""
from typing import Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from mmssr.renderer import SoftRasterizer
from mmssr.renderer.shading import lambertian_face_colors
from mmssr.structures import view_ids_to_eyes

__all__ = ['render_mesh_views', 'rgba_to_rgb', 'image_grid']


@torch.no_grad()
def render_mesh_views(vertices: Tensor,
                      faces: Tensor,
                      view_ids: Sequence[int] = (0, 6, 12, 18),
                      image_size: int = 64,
                      base_color: Sequence[float] = (0.75, 0.75, 0.8),
                      background: Sequence[float] = (1.0, 1.0, 1.0),
                      eyes: Optional[Tensor] = None) -> np.ndarray:
    """Shaded RGB renders (B, K, S, S, 3) uint8 of meshes (B, V, 3).

    Views are the dataset's (distance 2.732, elevation 30°, azimuth −15·v)
    unless ``eyes`` (K, 3) are given.
    """
    vertices = vertices.detach().float().cpu()
    faces = faces.detach().long().cpu()
    batch = vertices.shape[0]
    if eyes is None:
        eyes = view_ids_to_eyes(list(view_ids))
    eyes = eyes.float().cpu()
    num_views = eyes.shape[0]
    renderer = SoftRasterizer(
        image_size=image_size,
        sigma_val=1e-6,
        aggr_func_rgb='hard',
        background_color=background)
    colors = lambertian_face_colors(vertices, faces, base_color)
    verts = vertices.repeat_interleave(num_views, 0)
    textures = colors.repeat_interleave(num_views, 0)
    images = renderer(verts, faces, eyes.repeat(batch, 1), textures)
    rgb = images[:, :3].permute(0, 2, 3, 1).clamp(0, 1)
    rgb = (rgb * 255).round().to(torch.uint8).numpy()
    return rgb.reshape(batch, num_views, image_size, image_size, 3)


def rgba_to_rgb(
    image: np.ndarray, background: Sequence[float] = (1.0, 1.0, 1.0)
) -> np.ndarray:
    """Composite an RGBA uint8 image (4, S, S) or (S, S, 4) on a background.

    Returns (S, S, 3) uint8.
    """
    img = np.asarray(image)
    if img.ndim != 3 or 4 not in (img.shape[0], img.shape[-1]):
        raise ValueError(f'expected an RGBA image, got shape {img.shape}')
    if img.shape[0] == 4 and img.shape[-1] != 4:
        img = img.transpose(1, 2, 0)
    rgb = img[..., :3].astype(np.float32)
    alpha = img[..., 3:4].astype(np.float32) / 255.0
    bg = np.asarray(background, dtype=np.float32) * 255.0
    return (rgb * alpha + bg * (1 - alpha)).round().astype(np.uint8)


def image_grid(rows: Sequence[Sequence[np.ndarray]],
               pad: int = 2,
               pad_value: int = 255) -> np.ndarray:
    """Tile equally sized (S, S, 3) uint8 images into one grid image."""
    if not rows or not rows[0]:
        raise ValueError('image_grid needs at least one image')
    h, w = rows[0][0].shape[:2]
    ncols = max(len(r) for r in rows)
    grid = np.full((len(rows) * (h + pad) + pad, ncols * (w + pad) + pad, 3),
                   pad_value,
                   dtype=np.uint8)
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            y, x = pad + i * (h + pad), pad + j * (w + pad)
            grid[y:y + h, x:x + w] = img
    return grid
