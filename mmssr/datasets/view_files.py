"""Images with per-image cameras: the optional ``_views.npz`` files.

``{synset}_{split}_views.npz`` holds any number of images of any number of
objects, each with its own camera (docs: conventions.md, "Images from any
viewpoint"). Three arrays, by name:

- ``images``: uint8 (M, 4, S, S) RGBA, in the folder's colour convention;
- ``cameras``: float32 (M, 3) azimuth°, elevation°, distance of each image
  (:mod:`mmssr.structures.view_cameras`); NaN where unknown;
- ``objects``: int64 (M,) the object of each image: its row in
  ``{synset}_{split}_images.npz`` or, at or past that file's length, an
  object that has only these images (no grid renders, no voxels).

The unlabeled split reads it with ``unlabeled_views='file'``: every image
of an object at or past ``num_labeled``.
"""
import zipfile
from typing import NamedTuple

import numpy as np

from mmssr.errors import DataError
from mmssr.utils.fileio import atomic_write

VIEWS_KEYS = ('images', 'cameras', 'objects')


class ViewsFile(NamedTuple):
    """The arrays of a ``_views.npz`` file."""
    images: np.ndarray
    cameras: np.ndarray
    objects: np.ndarray


def views_file_name(synset: str, split: str = 'train') -> str:
    return f'{synset}_{split}_views.npz'


def check_views(views: ViewsFile, where: str) -> ViewsFile:
    """The arrays with checked shapes and dtypes; a :class:`DataError`
    naming ``where`` and the array otherwise."""
    images, cameras, objects = views
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[1] != 4 \
            or images.shape[2] != images.shape[3]:
        raise DataError(f'{where}: images must be uint8 (M, 4, S, S), got '
                        f'{images.dtype} {images.shape}')
    num = len(images)
    if cameras.shape != (num,
                         3) or not np.issubdtype(cameras.dtype, np.floating):
        raise DataError(f'{where}: cameras must be floats ({num}, 3) '
                        '(azimuth, elevation, distance; NaN = unknown), got '
                        f'{cameras.dtype} {cameras.shape}')
    if objects.shape != (num, ) or not np.issubdtype(objects.dtype,
                                                     np.integer):
        raise DataError(f'{where}: objects must be integers ({num},), got '
                        f'{objects.dtype} {objects.shape}')
    if num and objects.min() < 0:
        raise DataError(f'{where}: objects must be >= 0')
    cameras = cameras.astype(np.float32)
    known = np.isfinite(cameras).all(1)
    if (np.isfinite(cameras).any(1) & ~known).any():
        raise DataError(f'{where}: a camera is known in all three values '
                        'or unknown (NaN) in all three')
    if (cameras[known, 2] <= 0).any():
        raise DataError(f'{where}: camera distances must be positive')
    return ViewsFile(images, cameras, objects.astype(np.int64))


def load_views(path: str) -> ViewsFile:
    """The checked arrays of a ``_views.npz`` file."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in VIEWS_KEYS if k not in npz.files]
            if missing:
                raise DataError(f'{path}: missing arrays {missing} (a views '
                                f'file holds {list(VIEWS_KEYS)})')
            views = ViewsFile(*(npz[k] for k in VIEWS_KEYS))
    except DataError:
        raise
    except (OSError, EOFError, ValueError, zipfile.BadZipFile) as err:
        raise DataError(f'{path}: not a readable .npz file ({err})') from err
    return check_views(views, path)


def save_views(path: str, images: np.ndarray, cameras: np.ndarray,
               objects: np.ndarray) -> None:
    """Write a ``_views.npz`` file atomically, after checking it."""
    views = check_views(
        ViewsFile(
            np.asarray(images), np.asarray(cameras, dtype=np.float32),
            np.asarray(objects)), path)
    with atomic_write(path, suffix='.npz.tmp') as tmp:
        with open(tmp, 'wb') as f:
            np.savez_compressed(f, **views._asdict())
