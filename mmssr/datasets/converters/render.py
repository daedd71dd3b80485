"""The 24 dataset views of a mesh, anti-aliased by supersampling.

Rendered by the project's own renderer (``SoftRasterizer``, hard colour
aggregation) at ``supersample``× the image size with a near-zero sigma, so
each sub-pixel is either covered (alpha > 0.5) or not; the RGBA of a pixel
is the mean of its ``supersample²`` sub-pixels: alpha the coverage, colour
the mean colour of the covered sub-pixels (straight colour, black outside
the silhouette, as an 8-bit render is). The worker stores it in the NMR
convention (:func:`mmssr.structures.color.encode_nmr`).
Sub-pixel blocks average to the pixel centres of the docs' conventions.md.

Shading: flat Lambertian face colours with the synthetic generator's light,
two-sided and with ``fill_back``, so flipped or inconsistent windings of
real meshes render like the intended surface.
"""
import numpy as np
import torch

from mmssr.datasets.synthetic.generator import LIGHT_DIR
from mmssr.structures import NUM_VIEWS, view_ids_to_eyes

AMBIENT = 0.3
# Silhouette sharpness of the sub-pixel renders: a coverage test, no blur.
SUBPIXEL_SIGMA = 1e-9


def render_views(vertices: np.ndarray,
                 faces: np.ndarray,
                 face_colors: np.ndarray,
                 image_size: int = 64,
                 supersample: int = 4,
                 views_per_batch: int = 6) -> np.ndarray:
    """RGBA uint8 (NUM_VIEWS, 4, S, S) of a mesh at the dataset's views."""
    from mmssr.renderer import SoftRasterizer
    from mmssr.renderer.shading import lambertian_face_colors
    k = int(supersample)
    s = int(image_size)
    verts = torch.as_tensor(vertices, dtype=torch.float32)[None]
    faces_t = torch.as_tensor(np.asarray(faces), dtype=torch.long)
    colors = torch.as_tensor(np.asarray(face_colors), dtype=torch.float32)
    shaded = lambertian_face_colors(
        verts,
        faces_t,
        colors[None],
        light_dir=LIGHT_DIR,
        ambient=AMBIENT,
        two_sided=True)
    renderer = SoftRasterizer(
        image_size=s * k,
        sigma_val=SUBPIXEL_SIGMA,
        aggr_func_rgb='hard',
        fill_back=True)
    eyes = view_ids_to_eyes(torch.arange(NUM_VIEWS))
    out = []
    with torch.no_grad():
        for start in range(0, NUM_VIEWS, views_per_batch):
            batch = eyes[start:start + views_per_batch]
            n = len(batch)
            images = renderer(
                verts.expand(n, -1, -1), faces_t, batch,
                shaded.expand(n, -1, -1))
            alpha = (images[:, 3:] > 0.5).to(images.dtype)
            rgba = torch.cat([images[:, :3].clamp(0, 1) * alpha, alpha], 1)
            rgba = rgba.reshape(n, 4, s, k, s, k).mean((3, 5))
            cover = rgba[:, 3:]
            straight = torch.where(cover > 0, rgba[:, :3] / cover.clamp_min(
                1e-12), torch.zeros_like(rgba[:, :3]))
            rgba = torch.cat([straight.clamp(0, 1), cover], 1)
            out.append((rgba * 255).round().to(torch.uint8))
    return torch.cat(out).numpy()
