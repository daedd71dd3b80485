"""The pictures the page shows beside the mesh."""
from typing import Tuple

import numpy as np


def display_pictures(image: np.ndarray, silhouette: np.ndarray,
                     size: int) -> Tuple[np.ndarray, np.ndarray]:
    """The input (RGB or RGBA) and the silhouette over it (RGB: the
    background darkened, the outline in green), longer side <= ``size``."""
    import cv2
    h, w = image.shape[:2]
    scale = min(1.0, size / max(h, w))
    shape = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(image, shape, interpolation=cv2.INTER_AREA)
    mask = cv2.resize(
        silhouette.astype(np.float32), shape,
        interpolation=cv2.INTER_AREA) >= 0.5
    rgb = small[..., :3].astype(np.float32)
    if small.shape[2] == 4:  # over white, as the page shows it
        alpha = small[..., 3:] / 255.0
        rgb = rgb * alpha + 255 * (1 - alpha)
    over = np.where(mask[..., None], rgb, 0.3 * rgb + 0.7 * 40)
    over = over.round().astype(np.uint8)
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    cv2.drawContours(over, contours, -1, (40, 230, 90), 2)
    return small, over


def write_png(path: str, rgb: np.ndarray) -> None:
    """Write an RGB or RGBA uint8 image as PNG."""
    import cv2
    code = cv2.COLOR_RGBA2BGRA if rgb.shape[2] == 4 else cv2.COLOR_RGB2BGR
    if not cv2.imwrite(path, cv2.cvtColor(rgb, code)):
        raise OSError(f'{path}: cannot write')
