"""The silhouette of the object in a photo.

:func:`estimate_silhouette`: an object on a plain background (the colour of
the image border), fast. :func:`grabcut_silhouette`: textured or gradient
backgrounds; it needs no learned weights: OpenCV's GrabCut
(iterated graph cuts on colour mixture models) starts from "the image
border is background, the inside is probably the object" and learns both
colour models from the photo itself, so a background only has to differ
in colour from the object, not be plain. It runs in two passes to stay
fast on large photos: a coarse cut on a copy at most ``work_size`` pixels
long, then a cut in a band around that outline at up to ``refine_size``
pixels. The largest connected region is kept and its holes are filled.

Fails when the object touches the image border (the border is taken as
background), on objects whose colours are also common in the background,
and may keep shadows that differ from the rest of the background.
"""
from typing import Optional, Tuple

import numpy as np

from mmssr.io.image import MAX_WORKING_SIDE, shrink_to_working_size, to_uint8


def estimate_silhouette(rgb: np.ndarray,
                        threshold: Optional[float] = None,
                        border: Optional[int] = None) -> np.ndarray:
    """Object mask (H, W) bool of an object on a plain background.

    The background colour is the per-channel median of the image border
    (a frame of ``border`` pixels, default 2 % of the shorter side, at least
    1). A pixel is foreground when its Euclidean RGB distance to that colour
    exceeds ``threshold`` (default: the larger of 30 and twice the 95th
    percentile of the border's own distances, which adapts to noise or JPEG
    artefacts). The mask is opened with a 3x3 kernel against speckles; the
    largest connected component is kept and its holes are filled.

    Fails (wrong or empty masks) on textured or gradient backgrounds,
    strong shadows (they become part of the object), objects that touch or
    cross the image border (the median colour is then partly the object's)
    and objects of nearly the background colour (parts of them vanish).
    """
    import cv2
    full = np.asarray(rgb)
    if max(full.shape[:2]) > MAX_WORKING_SIDE:  # no full-size float copy
        small = shrink_to_working_size(
            np.ascontiguousarray(to_uint8(full[..., :3], '<image>')), None)[0]
        mask = estimate_silhouette(small, threshold, border).astype(np.uint8)
        return cv2.resize(
            mask, (full.shape[1], full.shape[0]),
            interpolation=cv2.INTER_NEAREST).astype(bool)
    rgb = full.astype(np.float32)[..., :3]
    h, w = rgb.shape[:2]
    b = border or max(1, int(round(0.02 * min(h, w))))
    frame = np.concatenate([
        rgb[:b].reshape(-1, 3), rgb[-b:].reshape(-1, 3),
        rgb[:, :b].reshape(-1, 3), rgb[:, -b:].reshape(-1, 3)
    ])
    background = np.median(frame, axis=0)
    if threshold is None:
        noise = np.percentile(np.linalg.norm(frame - background, axis=1), 95)
        threshold = max(30.0, 2.0 * float(noise))
    distance = np.linalg.norm(rgb - background, axis=2)
    mask = (distance > threshold).astype(np.uint8)
    if min(h, w) >= 16:
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3),
                                                              np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, 8)
    if count <= 1:
        return np.zeros((h, w), bool)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return fill_holes(labels == largest)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """``mask`` with every region not connected to the border filled."""
    import cv2
    h, w = mask.shape
    padded = np.zeros((h + 2, w + 2), np.uint8)
    padded[1:-1, 1:-1] = mask
    flood = padded.copy()
    cv2.floodFill(flood, np.zeros((h + 4, w + 4), np.uint8), (0, 0), 1)
    holes = flood[1:-1, 1:-1] == 0
    return mask | holes


def largest_component(mask: np.ndarray) -> np.ndarray:
    """The largest 8-connected region of ``mask``, holes filled."""
    import cv2
    count, labels, stats, _ = cv2.connectedComponentsWithStats(
        mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros(mask.shape, bool)
    largest = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    return fill_holes(labels == largest)


def resize_to(image: np.ndarray, longer: int) -> Tuple[np.ndarray, float]:
    """``image`` shrunk (area mean) so its longer side is at most
    ``longer``; returns it and the scale used."""
    import cv2
    h, w = image.shape[:2]
    scale = min(1.0, longer / max(h, w))
    if scale == 1.0:
        return image, scale
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), scale


def resize_mask(mask: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    import cv2
    if mask.shape == tuple(shape):
        return mask
    soft = cv2.resize(
        mask.astype(np.float32), (shape[1], shape[0]),
        interpolation=cv2.INTER_LINEAR)
    return soft > 0.5


def run_grabcut(bgr: np.ndarray, labels: np.ndarray,
                iterations: int) -> np.ndarray:
    """GrabCut from a label map (cv2.GC_*); the object as (H, W) bool, or
    the probable-object labels unchanged when a side has no pixels."""
    import cv2
    is_fg = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    if is_fg.all() or not is_fg.any():
        return is_fg
    labels = labels.copy()
    models = [np.zeros((1, 65), np.float64) for _ in range(2)]
    cv2.grabCut(bgr, labels, None, *models, iterations, cv2.GC_INIT_WITH_MASK)
    return (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)


def coarse_cut(bgr: np.ndarray, margin: float, iterations: int) -> np.ndarray:
    """Object mask from the border-is-background seed."""
    import cv2
    h, w = bgr.shape[:2]
    labels = np.full((h, w), cv2.GC_PR_BGD, np.uint8)
    dy, dx = max(1, int(round(margin * h))), max(1, int(round(margin * w)))
    labels[dy:h - dy, dx:w - dx] = cv2.GC_PR_FGD
    frame = max(1, int(round(0.02 * min(h, w))))
    labels[:frame] = labels[-frame:] = cv2.GC_BGD
    labels[:, :frame] = labels[:, -frame:] = cv2.GC_BGD
    return largest_component(run_grabcut(bgr, labels, iterations))


def refine_cut(bgr: np.ndarray, mask: np.ndarray, band: int,
               iterations: int) -> np.ndarray:
    """Re-cut ``mask`` within ``band`` pixels of its outline."""
    import cv2
    kernel = np.ones((2 * band + 1, 2 * band + 1), np.uint8)
    inner = cv2.erode(mask.astype(np.uint8), kernel) > 0
    outer = cv2.dilate(mask.astype(np.uint8), kernel) > 0
    labels = np.where(
        inner, cv2.GC_FGD,
        np.where(outer, np.where(mask, cv2.GC_PR_FGD, cv2.GC_PR_BGD),
                 cv2.GC_BGD)).astype(np.uint8)
    # cut a crop around the band only, with some sure background in it
    rows, cols = np.nonzero(outer)
    h, w = mask.shape
    y0, y1 = max(0, rows.min() - band), min(h, rows.max() + band + 1)
    x0, x1 = max(0, cols.min() - band), min(w, cols.max() + band + 1)
    out = np.zeros_like(mask)
    out[y0:y1, x0:x1] = run_grabcut(
        np.ascontiguousarray(bgr[y0:y1, x0:x1]), labels[y0:y1, x0:x1],
        iterations)
    return largest_component(out)


def grabcut_silhouette(rgb: np.ndarray,
                       iterations: int = 4,
                       work_size: int = 128,
                       refine_size: Optional[int] = 512,
                       margin: float = 0.1) -> np.ndarray:
    """Object mask (H, W) bool of a photo (H, W, 3|4 RGB(A), alpha unused).

    Args:
        iterations: GrabCut iterations of the coarse pass (the refining
            pass runs 2).
        work_size: longer side of the coarse pass's copy.
        refine_size: longer side of the refining pass's copy; ``None``
            skips that pass.
        margin: the fraction of the height / width next to each border
            that starts as probable background (the object should lie
            inside; the outer 2 % is always background).
    """
    rgb = np.ascontiguousarray(np.asarray(rgb)[..., :3])
    bgr = np.ascontiguousarray(rgb[..., ::-1])
    h, w = rgb.shape[:2]
    small, scale = resize_to(bgr, work_size)
    mask = coarse_cut(small, margin, iterations)
    if refine_size and mask.any() and scale < 1.0:
        fine, fine_scale = resize_to(bgr, refine_size)
        mask = resize_mask(mask, fine.shape[:2])
        band = max(2, int(np.ceil(2 * fine_scale / scale)))
        mask = refine_cut(fine, mask, band, 2)
    return resize_mask(mask, (h, w))
