"""How colour is stored in RGBA views, and the one convention models see.

The SoftRas / NMR ShapeNet renders store colour *inverted*: NMR's
``mesh_reconstruction/make_dataset.py`` scales each render's alpha by its
maximum (``m``), composites the true colour ``c`` on white and stores one
minus that, ``m·(1 − c)``, as 8-bit (truncated). Objects then show their
complementary colours on black. mmssr calls this convention ``'nmr'``; it
is what every SoftRas-format file mmssr writes uses too, so that all such
datasets are interchangeable, and what models see as input.

``'true'`` is true colour on black with the silhouette in alpha: photos,
and the files of mmssr versions that wrote true colour. Such inputs are
encoded into ``'nmr'`` by the same recipe before a model sees them.

Arrays are channel-first, ``(..., 4, H, W)`` uint8 RGBA.
"""
from typing import Union

import numpy as np

COLOR_CONVENTIONS = ('nmr', 'true')
#: The convention of model inputs (and of every file mmssr writes).
MODEL_COLOR_CONVENTION = 'nmr'


def check_color_convention(name: str, key: str = 'color_convention') -> str:
    """``name`` if it is a known convention, else a ``ValueError`` naming
    ``key``."""
    if name not in COLOR_CONVENTIONS:
        raise ValueError(f'{key}={name!r}: expected one of '
                         f'{", ".join(map(repr, COLOR_CONVENTIONS))}')
    return name


def encode_nmr(rgba: np.ndarray) -> np.ndarray:
    """True-colour RGBA views -> the NMR convention, by NMR's recipe.

    ``rgba``: (..., 4, H, W) uint8 (colour as an 8-bit render or photo has
    it; colour outside the silhouette is ignored) or float in [0, 1]. Each
    view's alpha is divided by its maximum (a view with no alpha stays
    empty), colour is composited on white and inverted, and both are
    truncated to uint8 in float32, as ``make_dataset.py`` does.
    """
    rgba = np.asarray(rgba)
    if rgba.ndim < 3 or rgba.shape[-3] != 4:
        raise ValueError(f'expected RGBA views (..., 4, H, W), got '
                         f'{rgba.shape}')
    scale = np.float32(255.0) if rgba.dtype == np.uint8 else np.float32(1.0)
    image = rgba[..., :3, :, :].astype(np.float32) / scale
    alpha = rgba[..., 3:, :, :].astype(np.float32) / scale
    peak = alpha.max(axis=(-2, -1), keepdims=True)
    mask = np.divide(alpha, peak, out=np.zeros_like(alpha), where=peak > 0)
    image = image * mask + np.ones_like(image) * (1 - mask)
    image = 1 - image
    out = np.empty(rgba.shape, np.uint8)
    out[..., :3, :, :] = (image * 255).astype(np.uint8)
    out[..., 3:, :, :] = (mask * 255).astype(np.uint8)
    return out


def to_model_colors(rgba: np.ndarray, convention: str) -> np.ndarray:
    """Views stored in ``convention`` -> the convention models see."""
    check_color_convention(convention)
    if convention == MODEL_COLOR_CONVENTION:
        return np.asarray(rgba)
    return encode_nmr(rgba)


def from_true_colors(rgba: np.ndarray, convention: str) -> np.ndarray:
    """True-colour views (photos) -> ``convention`` (a model's input)."""
    check_color_convention(convention)
    return encode_nmr(rgba) if convention == 'nmr' else np.asarray(rgba)


def to_true_colors(rgba: Union[np.ndarray, 'torch.Tensor'],  # noqa: F821
                   convention: str = MODEL_COLOR_CONVENTION) -> np.ndarray:
    """Views in ``convention`` -> true colour (uint8 RGBA, for display).

    From ``'nmr'``: ``c = 1 − stored / m`` inside the silhouette, black
    outside; alpha unchanged.
    """
    check_color_convention(convention)
    if hasattr(rgba, 'detach'):
        rgba = rgba.detach().cpu().numpy()
    rgba = np.asarray(rgba)
    if convention == 'true':
        return rgba
    if rgba.ndim < 3 or rgba.shape[-3] != 4 or rgba.dtype != np.uint8:
        raise ValueError(f'expected uint8 RGBA views (..., 4, H, W), got '
                         f'{rgba.shape} {rgba.dtype}')
    stored = rgba[..., :3, :, :].astype(np.float32)
    mask = rgba[..., 3:, :, :].astype(np.float32)
    color = np.divide(
        stored, mask, out=np.ones_like(stored), where=mask > 0)
    color = np.clip(1 - color, 0, 1) * (mask > 0)
    out = rgba.copy()
    out[..., :3, :, :] = np.round(color * 255).astype(np.uint8)
    return out
