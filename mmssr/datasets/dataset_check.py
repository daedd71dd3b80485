"""Check a folder of SoftRas-format ShapeNet files before a long run.

Every problem is one line naming the file and what was expected: missing
files, array shapes and dtypes, the 24 views, the voxel frame (a voxel grid
projected through the dataset cameras against its own silhouettes), the
colour convention, and object counts per split.
"""
import functools
import itertools
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch

from mmssr.errors import DataError
from mmssr.geometry import voxel_centers
from mmssr.renderer import perspective, world_to_camera
from mmssr.structures import view_ids_to_eyes
from .categories import resolve_categories
from .loading import detect_color_convention, load_images, load_voxels

SPLITS = ('train', 'val', 'test')
VIEWING_ANGLE = 15.0  # the cameras of the renders
# IoU of a voxel grid's projection with its own silhouettes: correct frames
# give about 0.6-0.85 (a 32^3 grid is coarser than 64x64 pixels); a frame is
# reported below MIN_FRAME_IOU, or when another axis order or flip of the
# grid fits better by FRAME_MARGIN
MIN_FRAME_IOU = 0.4
FRAME_MARGIN = 0.05


class CheckReport(NamedTuple):
    problems: List[str]
    counts: Dict[str, Dict[str, int]]  # category -> split -> objects
    frame_iou: float  # mean over the checked objects
    color_convention: str


@functools.lru_cache(maxsize=4)
def _cell_pixels(res: int, view_ids: Tuple[int, ...],
                 image_size: int) -> np.ndarray:
    """(V, R³, 27) flat pixel index (−1 outside the image) of 27 points of
    every cell (its centre and the centres of its 3x3x3 sub-cells) seen
    from each dataset view."""
    offsets = np.stack(
        np.meshgrid(
            *[np.array([-1, 0, 1]) / (3 * (res - 1))] * 3, indexing='ij'),
        -1).reshape(-1, 3)
    points = (voxel_centers(res).reshape(-1, 1, 3) + offsets).reshape(-1, 3)
    eyes = view_ids_to_eyes(list(view_ids)).double()
    pts = torch.as_tensor(points, dtype=torch.float64)
    cam = world_to_camera(pts[None].expand(len(eyes), -1, -1), eyes)
    xy = perspective(cam, VIEWING_ANGLE)[..., :2].numpy()
    s = image_size
    cols = np.floor((xy[..., 0] * s + s) / 2).astype(np.int64)
    rows = np.floor((s - xy[..., 1] * s) / 2).astype(np.int64)
    inside = (rows >= 0) & (rows < s) & (cols >= 0) & (cols < s)
    flat = np.where(inside, rows * s + cols, -1)
    return flat.reshape(len(eyes), res**3, len(offsets))


def voxel_silhouettes(voxels: np.ndarray, view_ids: Sequence[int],
                      image_size: int) -> np.ndarray:
    """(V, S, S) bool: a (R, R, R) voxel grid seen from the dataset views;
    27 points of every occupied cell mark the pixels they fall in."""
    pixels = _cell_pixels(voxels.shape[0], tuple(view_ids), image_size)
    occupied = np.flatnonzero(voxels)
    out = np.zeros((len(view_ids), image_size * image_size), bool)
    for v in range(len(view_ids)):
        hit = pixels[v, occupied].ravel()
        out[v, hit[hit >= 0]] = True
    return out.reshape(len(view_ids), image_size, image_size)


def frame_iou(images: np.ndarray,
              voxels: np.ndarray,
              view_ids: Sequence[int] = (0, 6, 12, 18)) -> float:
    """Mean IoU of the voxels' projections with the alpha silhouettes."""
    alpha = images[list(view_ids), 3] > 127
    proj = voxel_silhouettes(voxels, view_ids, images.shape[-1])
    union = (alpha | proj).sum()
    return float((alpha & proj).sum() / union) if union else 1.0


def best_frame_fix(images: np.ndarray,
                   voxels: np.ndarray) -> Tuple[str, float]:
    """The axis order / flips of the grid that fits the silhouettes best."""
    best = ('as stored', frame_iou(images, voxels))
    for perm in itertools.permutations(range(3)):
        for flips in itertools.product((False, True), repeat=3):
            if perm == (0, 1, 2) and not any(flips):
                continue
            grid = voxels.transpose(perm)
            for axis, flip in enumerate(flips):
                if flip:
                    grid = np.flip(grid, axis)
            iou = frame_iou(images, np.ascontiguousarray(grid))
            if iou > best[1]:
                name = f'transpose{perm}' + ''.join(
                    f', flip axis {a}' for a, f in enumerate(flips) if f)
                best = (name, iou)
    return best


def color_problem(images: np.ndarray, convention: str,
                  where: str) -> Optional[str]:
    """Whether the stored colours contradict ``convention``: in the NMR
    convention colour is alpha·(1 − c), never above alpha."""
    rgb = images[:, :, :3].astype(np.int16)
    alpha = images[:, :, 3:].astype(np.int16)
    inside = np.broadcast_to(alpha > 0, rgb.shape)
    if not inside.any():
        return None
    above = float((rgb > alpha + 1)[inside].mean())
    if convention == 'nmr' and above > 0.01:
        return (f'{where}: read as the NMR convention (colour inverted, '
                f'never above alpha), but colour exceeds alpha in '
                f'{above:.1%} of the object pixels: the files look like true '
                'colour; write a record saying so or pass '
                "color_convention='true' to the dataset")
    return None


def check_shapenet_folder(root: str,
                          categories: Optional[Sequence[str]] = None,
                          splits: Sequence[str] = SPLITS,
                          sample: int = 8) -> CheckReport:
    """Check ``root``; ``sample`` objects per file get the frame and colour
    checks (the shape checks read every array)."""
    problems: List[str] = []
    counts: Dict[str, Dict[str, int]] = {}
    ious: List[float] = []
    if not osp.isdir(root):
        return CheckReport([f'{root}: no such folder'], counts, float('nan'),
                           'unknown')
    try:
        convention = detect_color_convention(root)
    except DataError as err:
        problems.append(str(err))
        convention = 'nmr'
    for synset, name in resolve_categories(categories):
        counts[name] = {}
        for split in splits:
            prefix = osp.join(root, f'{synset}_{split}')
            missing = [
                p for p in (prefix + '_images.npz', prefix + '_voxels.npz')
                if not osp.isfile(p)
            ]
            if missing:
                problems += [
                    f'{p}: missing ({name}, {split} split)' for p in missing
                ]
                continue
            try:
                images = load_images(prefix + '_images.npz')
                voxels = load_voxels(prefix + '_voxels.npz', len(images))
            except DataError as err:
                problems.append(str(err))
                continue
            counts[name][split] = len(images)
            if len(images) == 0:
                problems.append(f'{prefix}_images.npz: no objects')
                continue
            picked = np.linspace(0,
                                 len(images) - 1, min(sample,
                                                      len(images))).astype(int)
            problem = color_problem(images[picked], convention,
                                    prefix + '_images.npz')
            if problem:
                problems.append(problem)
            file_ious = [frame_iou(images[i], voxels[i]) for i in picked]
            ious += file_ious
            fix, fixed = best_frame_fix(images[picked[0]], voxels[picked[0]])
            stored = file_ious[0]
            if np.mean(file_ious) < MIN_FRAME_IOU or \
                    fixed > stored + FRAME_MARGIN:
                problems.append(
                    f'{prefix}_voxels.npz: the voxel grids do not match their '
                    f'silhouettes from the dataset cameras (IoU '
                    f'{np.mean(file_ious):.2f}; object {picked[0]}: '
                    f'{stored:.2f} as stored, {fixed:.2f} with {fix}): the '
                    'voxel frame or the view order differs from the SoftRas '
                    'renders')
    return CheckReport(problems, counts,
                       float(np.mean(ious)) if ious else float('nan'),
                       convention)


def format_counts(counts: Dict[str, Dict[str, int]]) -> str:
    """A table of objects per category and split."""
    lines = [
        '| category | ' + ' | '.join(SPLITS) + ' |',
        '|---|' + '---|' * len(SPLITS)
    ]
    for name, per_split in counts.items():
        cells = [str(per_split.get(s, '-')) for s in SPLITS]
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


__all__ = [
    'check_shapenet_folder', 'format_counts', 'frame_iou', 'CheckReport'
]
