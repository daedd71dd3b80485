"""Cameras off the 24-view grid, for the unlabeled training images."""
import numpy as np

from mmssr.structures import NUM_VIEWS
from mmssr.structures.view_cameras import grid_cameras, wrap_degrees

OFF_GRID_MODES = ('half', 'anywhere')


def off_grid_cameras(mode: str, rng: np.random.Generator) -> np.ndarray:
    """Cameras (24, 3) (azimuth°, elevation°, distance) of one object's
    off-grid views, drawn from ``rng``:

    - ``'half'``: within half a grid step of grid view v: azimuth −15·v ±
      7.5°, elevation 30 ± 5°, distance 2.732 ± 5 %;
    - ``'anywhere'``: azimuth anywhere, elevation 10–50°, distance
      2.4–3.1.
    """
    u = rng.uniform(-1.0, 1.0, size=(NUM_VIEWS, 3))
    if mode == 'half':
        grid = grid_cameras(np.arange(NUM_VIEWS)).astype(np.float64)
        cams = grid + u * np.array([7.5, 5.0, 0.0])
        cams[:, 2] = grid[:, 2] * (1.0 + 0.05 * u[:, 2])
    elif mode == 'anywhere':
        cams = np.stack(
            [180.0 * u[:, 0], 30.0 + 20.0 * u[:, 1], 2.75 + 0.35 * u[:, 2]], 1)
    else:
        raise ValueError('off-grid cameras need unlabeled_views "half" or '
                         f'"anywhere", got {mode!r}')
    cams[:, 0] = wrap_degrees(cams[:, 0])
    return cams.astype(np.float32)
