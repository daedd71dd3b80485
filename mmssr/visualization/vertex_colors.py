"""Vertex colours of a reconstructed mesh from the image it came from.

A vertex takes the colour of the input image where it projects (camera of
the view the image is assumed to be seen from) when it is visible there:
a face touching it wins the z-buffer test of the project's renderer
(``SoftRasterizer(aggr_func_rgb='hard')`` rendering face ids) at its pixel
or at one of the 8 pixels around it (a vertex on the silhouette lies on a
pixel boundary). Hidden vertices get the colour of the nearest coloured
vertex along the mesh graph (breadth-first, mean of the coloured
neighbours), and vertices no coloured vertex reaches the mean visible
colour.
"""
from typing import Optional, Sequence, Tuple

import numpy as np
import torch
from torch import Tensor

from mmssr.renderer import SoftRasterizer, lambertian_face_colors
from mmssr.structures import view_ids_to_eyes

FALLBACK_COLOR = (0.75, 0.75, 0.8)


def _numpy(x) -> np.ndarray:
    return x.detach().cpu().numpy() if isinstance(x, Tensor) else \
        np.asarray(x)


@torch.no_grad()
def face_id_map(vertices, faces, eye, image_size: int) -> np.ndarray:
    """(S, S) int64 index of the nearest face at each pixel centre, -1 where
    none (the hard z-buffer of the project's renderer)."""
    verts = torch.as_tensor(_numpy(vertices), dtype=torch.float32)[None]
    faces = torch.as_tensor(_numpy(faces), dtype=torch.long)
    eye = torch.as_tensor(_numpy(eye), dtype=torch.float32).reshape(1, 3)
    renderer = SoftRasterizer(
        image_size=image_size,
        sigma_val=1e-7,
        aggr_func_rgb='hard',
        background_color=(0.0, 0.0, 0.0))
    ids = torch.zeros(1, faces.shape[0], 3)
    ids[0, :, 0] = torch.arange(1, faces.shape[0] + 1, dtype=torch.float32)
    image = renderer(verts, faces, eye, ids)
    return image[0, 0].round().long().numpy() - 1


def project_to_pixels(vertices, eye, image_size: int) -> np.ndarray:
    """(V, 2) float (row, col) of world vertices in an S x S image of the
    camera at ``eye`` (pixel centres at integers)."""
    verts = torch.as_tensor(_numpy(vertices), dtype=torch.float32)[None]
    eye = torch.as_tensor(_numpy(eye), dtype=torch.float32).reshape(1, 3)
    screen = SoftRasterizer(image_size=image_size).project(verts, eye)[0]
    x, y = screen[:, 0].numpy(), screen[:, 1].numpy()
    s = float(image_size)
    return np.stack([(s - 1 - y * s) / 2, (x * s + s - 1) / 2], 1)


def visible_vertices(vertices,
                     faces,
                     eye,
                     image_size: int = 256) -> np.ndarray:
    """(V,) bool: a face touching the vertex wins the depth test at the
    vertex's pixel or one of its 8 neighbours."""
    faces = _numpy(faces).astype(np.int64)
    ids = face_id_map(vertices, faces, eye, image_size)
    rc = np.rint(project_to_pixels(vertices, eye, image_size)).astype(int)
    offsets = np.array([(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)])
    near = rc[:, None] + offsets[None]  # (V, 9, 2)
    inside = ((near >= 0) & (near < image_size)).all(-1)
    near = np.clip(near, 0, image_size - 1)
    won = np.where(inside, ids[near[..., 0], near[..., 1]], -1)  # (V, 9)
    corners = faces[np.maximum(won, 0)]  # (V, 9, 3)
    index = np.arange(len(rc))[:, None, None]
    touches = (corners == index).any(-1) & (won >= 0)
    return touches.any(-1)


def fill_background(rgba: np.ndarray) -> np.ndarray:
    """(N, N, 3) RGB of an (N, N, 4) image where every transparent pixel
    takes the colour of the nearest opaque one (so that sampling at the
    silhouette's edge never picks up the background)."""
    import cv2
    rgb = rgba[..., :3].copy()
    opaque = rgba[..., 3] >= 128
    if opaque.all() or not opaque.any():
        return rgb
    _, labels = cv2.distanceTransformWithLabels(
        (~opaque).astype(np.uint8),
        cv2.DIST_L2,
        5,
        labelType=cv2.DIST_LABEL_PIXEL)
    # label of each zero (opaque) pixel, in scan order
    zero_rows, zero_cols = np.nonzero(opaque)
    lut = np.zeros((labels.max() + 1, 3), rgb.dtype)
    lut[labels[zero_rows, zero_cols]] = rgb[zero_rows, zero_cols]
    return lut[labels]


def propagate_colors(colors: np.ndarray, known: np.ndarray,
                     faces: np.ndarray) -> np.ndarray:
    """Fill unknown vertex colours from known ones along mesh edges."""
    colors = colors.copy()
    known = known.copy()
    if not known.any():
        colors[:] = FALLBACK_COLOR
        return colors
    edges = np.concatenate(
        [faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    edges = np.concatenate([edges, edges[:, ::-1]])
    while not known.all():
        src, dst = edges[:, 0], edges[:, 1]
        use = known[src] & ~known[dst]
        if not use.any():
            break
        total = np.zeros_like(colors)
        count = np.zeros(len(colors))
        np.add.at(total, dst[use], colors[src[use]])
        np.add.at(count, dst[use], 1)
        new = count > 0
        colors[new] = total[new] / count[new, None]
        known |= new
    colors[~known] = colors[known].mean(0) if known.any() else FALLBACK_COLOR
    return colors


def vertex_colors_from_image(
        vertices,
        faces,
        image: np.ndarray,
        eye=None,
        view_id: int = 0,
        visibility_size: int = 256) -> Tuple[np.ndarray, np.ndarray]:
    """Colours (V, 3) float in [0, 1] and visibility (V,) bool.

    ``image``: the framed input, RGBA (4, N, N) or (N, N, 4) uint8, seen
    from ``eye`` (default: the dataset camera of ``view_id``).
    """
    img = np.asarray(image)
    if img.ndim == 3 and img.shape[0] == 4 and img.shape[-1] != 4:
        img = img.transpose(1, 2, 0)
    if img.ndim != 3 or img.shape[-1] != 4 or img.shape[0] != img.shape[1]:
        raise ValueError(f'expected a square RGBA image, got {img.shape}')
    if eye is None:
        eye = view_ids_to_eyes([view_id])[0]
    faces = _numpy(faces).astype(np.int64)
    visible = visible_vertices(vertices, faces, eye, visibility_size)
    rgb = fill_background(img).astype(np.float32) / 255.0
    size = img.shape[0]
    rc = project_to_pixels(vertices, eye, size)
    colors = bilinear(rgb, rc)
    colors = propagate_colors(colors, visible, faces)
    return colors.clip(0, 1).astype(np.float32), visible


def bilinear(image: np.ndarray, rc: np.ndarray) -> np.ndarray:
    """Bilinear samples (K, C) of an (H, W, C) image at (row, col) points."""
    h, w = image.shape[:2]
    r = np.clip(rc[:, 0], 0, h - 1)
    c = np.clip(rc[:, 1], 0, w - 1)
    r0, c0 = np.floor(r).astype(int), np.floor(c).astype(int)
    r1, c1 = np.minimum(r0 + 1, h - 1), np.minimum(c0 + 1, w - 1)
    fr, fc = (r - r0)[:, None], (c - c0)[:, None]
    top = image[r0, c0] * (1 - fc) + image[r0, c1] * fc
    bottom = image[r1, c0] * (1 - fc) + image[r1, c1] * fc
    return top * (1 - fr) + bottom * fr


@torch.no_grad()
def render_colored_mesh_views(vertices,
                              faces,
                              vertex_colors,
                              view_ids: Sequence[int] = (0, 6, 12, 18),
                              image_size: int = 128,
                              background: Sequence[float] = (1.0, 1.0, 1.0),
                              eyes: Optional[Tensor] = None) -> np.ndarray:
    """Shaded renders (K, S, S, 3) uint8 of one mesh with vertex colours
    (each face takes the mean of its corners' colours)."""
    verts = torch.as_tensor(_numpy(vertices), dtype=torch.float32)[None]
    faces_t = torch.as_tensor(_numpy(faces), dtype=torch.long)
    colors = torch.as_tensor(_numpy(vertex_colors), dtype=torch.float32)
    face_colors = colors[faces_t].mean(1)[None]
    # a softer light than the grey renders: colours stay recognisable
    shaded = lambertian_face_colors(verts, faces_t, face_colors, ambient=0.6)
    if eyes is None:
        eyes = view_ids_to_eyes(list(view_ids))
    eyes = torch.as_tensor(eyes, dtype=torch.float32)
    k = eyes.shape[0]
    renderer = SoftRasterizer(
        image_size=image_size,
        sigma_val=1e-6,
        aggr_func_rgb='hard',
        background_color=background)
    images = renderer(
        verts.expand(k, -1, -1), faces_t, eyes, shaded.expand(k, -1, -1))
    rgb = images[:, :3].permute(0, 2, 3, 1).clamp(0, 1)
    return (rgb * 255).round().to(torch.uint8).numpy()
