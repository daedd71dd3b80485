"""Reading and checking the npz files of the SoftRas / NMR ShapeNet format.

Every check names the file and what was expected, so a bad or truncated
download is a one-line error rather than a confusing failure later.

Before an array is read, its zip member's npy header (shape, dtype) is
checked against what the file must hold and against the member's declared
size, and the memory it needs against ``max_bytes`` (default
:data:`DEFAULT_MAX_ARRAY_BYTES`): a small file that would expand to more
(a compression bomb) is refused without being decompressed.
"""
import json
import os.path as osp
from typing import Callable, List, Optional

import numpy as np
import torch
import torch.nn.functional as F

from mmssr.errors import DataError, UserError
from mmssr.io.npz import DEFAULT_MAX_ARRAY_BYTES, ArrayHeader, read_npz_headers
from mmssr.structures import NUM_VIEWS
from mmssr.structures.color import check_color_convention

VOXEL_SHAPE = (32, 32, 32)
# The records mmssr writes beside the npz files it makes (the synthetic
# generator's and the mesh converter's).
SYNTHETIC_META_FILE = 'synthetic_meta.json'
CONVERT_META_FILE = 'convert_meta.json'


class DatasetNotFoundError(UserError, FileNotFoundError):
    """Dataset files are missing; the message says how to get them."""


def _gb(nbytes: int) -> str:
    return f'{nbytes / 1e9:.2f} GB'


def load_single_array(path: str,
                      check: Optional[Callable[[ArrayHeader], None]] = None,
                      max_bytes: Optional[int] = None) -> np.ndarray:
    """The one array of an ``.npz`` file, whatever its key.

    Its header is read first: ``check(header)`` may refuse the shape or
    dtype, and an array larger than ``max_bytes`` (default
    :data:`DEFAULT_MAX_ARRAY_BYTES`) is refused, before any data is read.
    """
    limit = DEFAULT_MAX_ARRAY_BYTES if max_bytes is None else int(max_bytes)
    try:
        headers = read_npz_headers(path)
        if len(headers) != 1:
            raise DataError(f'{path}: expected exactly one array, found '
                            f'{len(headers)} ({[h.name for h in headers]})')
        if check is not None:
            check(headers[0])
        if headers[0].nbytes > limit:
            raise DataError(
                f'{path}: its array {headers[0].shape} {headers[0].dtype} '
                f'needs {_gb(headers[0].nbytes)} of memory, over the limit '
                f'of {_gb(limit)}; if the file is genuine, raise the limit '
                'with max_array_bytes in the dataset config')
        with np.load(path, allow_pickle=False) as npz:
            return npz[npz.files[0]]
    except (OSError, EOFError, ValueError) as err:
        if isinstance(err, DataError):
            raise
        raise DataError(f'{path}: not a readable .npz file ({err})') from err
    except Exception as err:  # zipfile.BadZipFile and friends
        raise DataError(f'{path}: corrupted or truncated .npz file '
                        f'({type(err).__name__}: {err})') from err


def load_images(path: str, max_bytes: Optional[int] = None) -> np.ndarray:
    """RGBA views (N, NUM_VIEWS, 4, S, S) uint8 of an ``_images.npz``."""

    def check(header: ArrayHeader) -> None:
        shape = header.shape
        if header.dtype != np.uint8:
            raise DataError(f'{path}: images must be uint8, got '
                            f'{header.dtype}')
        if len(shape) != 5 or shape[1:3] != (NUM_VIEWS, 4) or \
                shape[3] != shape[4]:
            raise DataError(f'{path}: images must have shape (N, '
                            f'{NUM_VIEWS}, 4, S, S), got {shape}')

    return load_single_array(path, check, max_bytes)


def load_voxels(path: str,
                num: int,
                max_bytes: Optional[int] = None) -> np.ndarray:
    """Occupancy (num, 32, 32, 32) bool of a ``_voxels.npz``."""

    def check(header: ArrayHeader) -> None:
        if len(header.shape) != 4 or header.shape[1:] != VOXEL_SHAPE:
            raise DataError(f'{path}: voxels must have shape (N, 32, 32, '
                            f'32), got {header.shape}')
        if header.shape[0] != num:
            raise DataError(f'{path}: {header.shape[0]} voxel grids but '
                            f'{num} objects in the images file')
        if header.dtype != np.bool_ and not (
                np.issubdtype(header.dtype, np.integer)
                or np.issubdtype(header.dtype, np.floating)):
            raise DataError(f'{path}: voxels must be 0/1 numbers, got '
                            f'{header.dtype}')

    voxels = load_single_array(path, check, max_bytes)
    if voxels.dtype != np.bool_:
        if not np.isin(voxels, (0, 1)).all():
            raise DataError(f'{path}: voxels must hold only 0 and 1')
    return voxels.astype(bool)


def downsample_views(images: np.ndarray, stored: int, size: Optional[int],
                     where: str) -> np.ndarray:
    """Average pixel blocks of uint8 views (..., 4, S, S) down to ``size``."""
    if size is None or size == stored:
        return images
    if size <= 0 or stored % size:
        raise DataError(f'image_size={size} must divide the stored size '
                        f'{stored} of the images in {where}')
    lead = images.shape[:-3]
    flat = torch.from_numpy(images).reshape(-1, 4, stored, stored)
    # Rounded like the stored renders; float64 keeps .5 ties exact.
    pooled = F.avg_pool2d(flat.double(), stored // size).round_()
    return pooled.to(torch.uint8).reshape(*lead, 4, size, size).numpy()


def load_points(path: str,
                num: int,
                max_bytes: Optional[int] = None) -> Optional[np.ndarray]:
    """Surface points (num, P, 6) float32 (xyz, unit normal) of a
    ``_points.npz``, or ``None`` when the file does not exist."""
    if not osp.isfile(path):
        return None

    def check(header: ArrayHeader) -> None:
        shape = header.shape
        if len(shape) != 3 or shape[2] != 6 or shape[1] < 1:
            raise DataError(f'{path}: points must have shape (N, P, 6) (xyz '
                            f'and unit normal), got {shape}')
        if shape[0] != num:
            raise DataError(f'{path}: {shape[0]} point sets but {num} '
                            'objects in the images file')
        if not np.issubdtype(header.dtype, np.floating):
            raise DataError(f'{path}: points must be floats, got '
                            f'{header.dtype}')

    points = load_single_array(path, check, max_bytes)
    points = points.astype(np.float32, copy=False)
    if not np.isfinite(points).all():
        raise DataError(f'{path}: points hold NaN or infinite values')
    return points


def check_files(root: str, names: List[str], synsets: List[str]) -> None:
    """A :class:`DatasetNotFoundError` naming what is missing, and how to
    get it, unless every file of ``names`` is in ``root``; in a folder
    written by mmssr's converter, the files must also be those it recorded
    (:func:`check_converted_files`)."""
    if osp.isfile(osp.join(root, CONVERT_META_FILE)):
        check_converted_files(root, names)
    missing = [n for n in names if not osp.isfile(osp.join(root, n))]
    if not missing:
        return
    where = (f'folder {root} does not exist' if not osp.isdir(root) else
             f'{len(missing)} file(s) are missing in {root}')
    raise DatasetNotFoundError(
        f'ShapeNet data not found: {where}: {", ".join(missing[:6])}'
        f'{", ..." if len(missing) > 6 else ""}. Expected '
        f'{{synset}}_{{split}}_images.npz and _voxels.npz for {synsets}. '
        'Download the SoftRas ShapeNet renders (the "mesh_reconstruction" '
        'dataset of SoftRas / Neural Mesh Renderer) into that folder, or '
        'train on the embedded synthetic data: python tools/train.py '
        'configs/ssr/ssr_synthetic_n2.py')


def load_true_color_images(path: str,
                           max_bytes: Optional[int] = None) -> np.ndarray:
    """:func:`load_images` decoded to true colour (for pictures: photos,
    contact sheets), whatever convention the file's folder stores."""
    from mmssr.structures.color import to_true_colors
    return to_true_colors(
        load_images(path, max_bytes),
        detect_color_convention(osp.dirname(path) or '.'))


def detect_color_convention(root: str) -> str:
    """The colour convention of the images files in ``root``.

    A folder mmssr wrote says it in its record (a record without the key
    was written by a version that stored true colour); a folder without a
    record holds the released SoftRas / NMR renders: ``'nmr'``.
    """
    for name in (SYNTHETIC_META_FILE, CONVERT_META_FILE):
        path = osp.join(root, name)
        if not osp.isfile(path):
            continue
        try:
            with open(path, encoding='utf-8') as f:
                meta = json.load(f)
        except (OSError, ValueError) as err:
            raise DataError(f'{path}: not a readable JSON record ({err})')
        convention = meta.get('color_convention', 'true') if isinstance(
            meta, dict) else None
        try:
            return check_color_convention(convention)
        except ValueError:
            raise DataError(f'{path}: color_convention must be one of '
                            f'"nmr", "true", got {convention!r}') from None
    return 'nmr'


def read_convert_meta(root: str) -> dict:
    """The record ``convert_meta.json`` of a converted folder; a
    :class:`DataError` naming it when it cannot be read."""
    path = osp.join(root, CONVERT_META_FILE)
    try:
        with open(path) as f:
            meta = json.load(f)
        if not isinstance(meta.get('files'), dict) or \
                not isinstance(meta.get('counts'), dict):
            raise ValueError('no "files" or "counts" record')
        return meta
    except (OSError, ValueError, AttributeError) as err:
        raise DataError(f'{path}: not a readable record of the converter '
                        f'({err}); convert the meshes again') from None


def check_converted_files(root: str, names: List[str]) -> None:
    """The dataset files ``names`` (and the ``_points.npz`` beside them)
    must be those the converter recorded in ``convert_meta.json``, with
    their recorded size: a split the conversion left empty, a file left
    from another conversion or changed since is a :class:`DataError`."""
    meta = read_convert_meta(root)
    record = osp.join(root, CONVERT_META_FILE)
    prefixes = sorted({n.rsplit('_', 1)[0] for n in names})
    wanted = list(names) + [
        f'{p}_points.npz'
        for p in prefixes if osp.isfile(osp.join(root, f'{p}_points.npz'))
    ]
    for name in wanted:
        path = osp.join(root, name)
        entry = meta['files'].get(name)
        if entry is None:
            synset, split = name.split('_')[:2]
            counts = meta['counts'].get(synset)
            if counts is not None and not counts.get(split):
                shown = ', '.join(f'{k} {v}' for k, v in counts.items())
                raise DatasetNotFoundError(
                    f'{path}: the conversion recorded in {record} has no '
                    f'{split} objects for {synset} ({shown}): convert more '
                    'meshes (or change --split-ratio) so that every split '
                    'has objects')
            if osp.isfile(path):
                raise DataError(
                    f'{path}: is not part of the conversion recorded in '
                    f'{record} (left from another conversion or copied '
                    'in): remove it, or convert again')
            raise DatasetNotFoundError(
                f'{path}: {record} does not list this file ({synset} is '
                'not among the converted categories)')
        if osp.isfile(path) and osp.getsize(path) != entry.get('size'):
            raise DataError(
                f'{path}: changed since the conversion recorded in {record} '
                f'({osp.getsize(path)} bytes, recorded {entry.get("size")})'
                ': convert again')
