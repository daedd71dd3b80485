"""Render-and-compare: a pseudo-label's camera from its retrieved view.

SiamVP retrieves one of the 24 grid views; an image taken elsewhere is then
seen from a camera that is not the one that took it. Here the camera is
refined against the image's own silhouette: the reconstructor's mesh of the
image (canonical frame) is rendered from candidate cameras around the
retrieved view, the best by silhouette IoU is kept, and a local pattern
search polishes it. With several hypotheses (SiamVP's most probable views),
each is refined so and the best fit wins: off the grid SiamVP's first
answer is often a wrong view, and the right one is often its second or
third.

The search renders forward only. Gradient steps of the soft IoU through
the renderer were tried first: with the sharpness the meshes were fitted
with, the IoU's gradient in the camera lives on a band of a fraction of a
pixel around the silhouette's outline and the steps stall; with a softer
render the gradient reaches further, but the best soft IoU against a crisp
image lies away from the true camera (farther, and off in elevation).
"""
import copy
from dataclasses import dataclass, fields
from typing import Mapping, NamedTuple, Optional, Sequence, Tuple

import torch
from torch import Tensor

from mmssr.errors import check_known_keys, check_values
from mmssr.models.losses.iou_loss import silhouette_iou
from mmssr.structures.view_cameras import cameras_to_eyes, wrap_degrees


@dataclass(frozen=True)
class RefineConfig:
    """How pseudo-label cameras are refined (``semi_train_cfg.refine``).

    Attributes:
        azimuth_offsets: degrees added to the retrieved view's azimuth in
            the coarse search.
        elevations: elevations (degrees) of the coarse search.
        distances: distances of the coarse search.
        rounds: rounds of the local search after the coarse one (see
            :func:`local_search`); 0: the coarse search alone.
        initial_steps: first steps of the local search: azimuth and
            elevation in degrees, distance as a fraction of it.
        sigma: silhouette sharpness of the renders; ``None``: the
            reconstructor's, which its meshes were fitted with. A softer
            one than that of the images biases the best IoU away from the
            true camera (measured: docs/user_guides/unlabeled_views.md).
        elevation_range: the elevations (degrees) a camera may take.
        distance_range: the distances a camera may take.
        mesh: ``'own'``: each image's camera is fitted with the mesh the
            reconstructor predicts from that image; ``'object'``: with the
            mean of the meshes it predicts from every image of the object
            in the pass (the template's vertices correspond, so the mean is
            a mesh), which ties the cameras of one object to one shape and
            so to one scale, and averages out the errors of single views
            (measured: docs/user_guides/unlabeled_views.md).
        min_improvement: a camera moves (from the retrieved view in the
            coarse search, or a step in the pattern search) only for an IoU
            larger by more than this: the labeled views' grid is the prior,
            left only on clear evidence of the silhouette.
        min_iou: an image whose refined silhouette IoU is below this loses
            its pseudo-label (0 keeps all).
        hypotheses: how many of SiamVP's most probable views are refined
            (each as above); the camera with the best silhouette IoU wins,
            and one from a less probable view only when its IoU is larger
            than the first's by more than ``min_improvement``. Three
            trained better than one on the grid and anywhere and as well
            within half a step (means of two seeds), with closer cameras;
            a pass costs about twice the time (measured:
            docs/user_guides/unlabeled_views.md).
        batch_size: images per render batch.
    """

    azimuth_offsets: Tuple[float, ...] = (-7.5, 0.0, 7.5)
    elevations: Tuple[float, ...] = (30.0, )
    distances: Tuple[float, ...] = (2.732, )
    rounds: int = 4
    initial_steps: Tuple[float, float, float] = (4.0, 6.0, 0.04)
    sigma: Optional[float] = None
    elevation_range: Tuple[float, float] = (-20.0, 80.0)
    distance_range: Tuple[float, float] = (1.8, 4.5)
    mesh: str = 'object'
    min_improvement: float = 0.01
    min_iou: float = 0.0
    hypotheses: int = 3
    batch_size: int = 512

    def __post_init__(self) -> None:
        for key in ('azimuth_offsets', 'elevations', 'distances',
                    'initial_steps', 'elevation_range', 'distance_range'):
            object.__setattr__(self, key,
                               tuple(float(v) for v in getattr(self, key)))
        checks = (
            (len(self.azimuth_offsets) and len(self.elevations)
             and len(self.distances), 'azimuth_offsets',
             'non-empty candidate lists'),
            (self.rounds >= 0, 'rounds', 'an integer >= 0'),
            (len(self.initial_steps) == 3 and min(self.initial_steps) > 0,
             'initial_steps', '3 positive numbers'),
            (self.sigma is None
             or self.sigma > 0, 'sigma', 'None or a positive number'),
            (len(self.elevation_range) == 2
             and self.elevation_range[0] < self.elevation_range[1],
             'elevation_range', '(low, high)'),
            (len(self.distance_range) == 2
             and 0 < self.distance_range[0] < self.distance_range[1],
             'distance_range', '(low, high) > 0'),
            (min(self.distances) > 0, 'distances', 'positive numbers'),
            (self.mesh in ('own', 'object'), 'mesh', "'own' or 'object'"),
            (0.0 <= self.min_iou < 1.0, 'min_iou', 'a number in [0, 1)'),
            (0.0 <= self.min_improvement < 1.0, 'min_improvement',
             'a number in [0, 1)'),
            (int(self.hypotheses) == self.hypotheses and self.hypotheses >= 1,
             'hypotheses', 'a positive integer'),
            (self.batch_size >= 1, 'batch_size', 'a positive integer'),
        )
        check_values(checks, self, 'semi_train_cfg.refine')

    @classmethod
    def from_dict(cls, cfg: Optional[Mapping]) -> Optional['RefineConfig']:
        """``None`` for no refinement; unknown keys are named."""
        if cfg is None or cfg is False:
            return None
        if isinstance(cfg, RefineConfig):
            return cfg
        cfg = dict(cfg)
        check_known_keys(cfg, [f.name for f in fields(cls)],
                         'semi_train_cfg.refine')
        return cls(**cfg)


class RefinedCameras(NamedTuple):
    """Cameras (N, 3) (azimuth°, elevation°, distance), the silhouette
    IoU (N,) of the mesh rendered from each, and which start (hypothesis)
    each was refined from (N,) (``None``: a single start)."""
    cameras: Tensor
    iou: Tensor
    hypothesis: Optional[Tensor] = None


def _render_iou(renderer, vertices: Tensor, faces: Tensor, cameras: Tensor,
                targets: Tensor) -> Tensor:
    silhouettes = renderer(vertices, faces, cameras_to_eyes(cameras))[:, 3]
    return silhouette_iou(silhouettes, targets)


def _clamp(cameras: Tensor, cfg: RefineConfig) -> Tensor:
    return torch.stack([
        wrap_degrees(cameras[:, 0]), cameras[:, 1].clamp(*cfg.elevation_range),
        cameras[:, 2].clamp(*cfg.distance_range)
    ], 1)


@torch.no_grad()
def coarse_search(renderer, vertices: Tensor, faces: Tensor, targets: Tensor,
                  start: Tensor, cfg: RefineConfig) -> RefinedCameras:
    """The best candidate camera of each image by silhouette IoU."""
    offsets = torch.cartesian_prod(*(torch.tensor(values, dtype=start.dtype)
                                     for values in (cfg.azimuth_offsets,
                                                    cfg.elevations,
                                                    cfg.distances)))  # (K, 3)
    num, k = len(start), len(offsets)
    candidates = torch.stack([
        start[:, None, 0] + offsets[None, :, 0], offsets[None, :, 1].expand(
            num, k), offsets[None, :, 2].expand(num, k)
    ], -1).reshape(-1, 3)
    index = torch.arange(num).repeat_interleave(k)
    iou = torch.cat([
        _render_iou(renderer, vertices[idx], faces, candidates[idx],
                    targets[idx]) for idx in index.split(cfg.batch_size * 4)
    ]).view(num, k)
    best_iou, best = iou.max(1)
    chosen = candidates.view(num, k, 3)[torch.arange(num), best]
    if cfg.min_improvement > 0:  # leave the retrieved view only for more
        at_start = _render_iou(renderer, vertices, faces, start, targets)
        stay = best_iou <= at_start + cfg.min_improvement
        chosen = torch.where(stay[:, None], start, chosen)
        best_iou = torch.where(stay, at_start, best_iou)
    return RefinedCameras(_clamp(chosen, cfg), best_iou)


@torch.no_grad()
def local_search(renderer, vertices: Tensor, faces: Tensor, targets: Tensor,
                 start: RefinedCameras, cfg: RefineConfig) -> RefinedCameras:
    """Pattern search from ``start``: each round tries one step up and
    down in azimuth, elevation and distance; an image moves to the best of
    those that beats it, and halves its steps when none does."""
    cams, best_iou = start.cameras.clone(), start.iou.clone()
    num = len(cams)
    if cfg.rounds == 0 or not num:
        return RefinedCameras(cams, best_iou)
    steps = torch.tensor(cfg.initial_steps, dtype=cams.dtype).repeat(num, 1)
    moves = torch.cat([torch.eye(3), -torch.eye(3)]).to(cams)  # (6, 3)
    for _ in range(cfg.rounds):
        # distance steps are relative: d·(1 ± step)
        delta = moves[None] * steps[:, None]  # (N, 6, 3)
        trial = cams[:, None].repeat(1, 6, 1)
        trial[..., :2] += delta[..., :2]
        trial[..., 2] *= 1.0 + delta[..., 2]
        trial = _clamp(trial.view(-1, 3), cfg)
        iou = _render_iou(renderer, vertices.repeat_interleave(6, 0), faces,
                          trial, targets.repeat_interleave(6, 0)).view(num, 6)
        top, which = iou.max(1)
        better = top > best_iou + cfg.min_improvement
        chosen = trial.view(num, 6, 3)[torch.arange(num), which]
        cams = torch.where(better[:, None], chosen, cams)
        best_iou = torch.where(better, top, best_iou)
        steps = torch.where(better[:, None], steps, steps / 2)
    return RefinedCameras(cams, best_iou)


def refine_cameras(renderer,
                   vertices: Tensor,
                   faces: Tensor,
                   targets: Tensor,
                   start: Tensor,
                   cfg: RefineConfig,
                   groups: Optional[Sequence[int]] = None) -> RefinedCameras:
    """Refine cameras (N, 3) of images with silhouettes ``targets``
    (N, S, S) against meshes ``vertices`` (N, V, 3) / ``faces``.

    ``start`` (N, H, 3) holds H hypotheses per image, most probable first:
    each is refined, and the best is chosen (see
    :attr:`RefineConfig.hypotheses`; the result's ``hypothesis`` says
    which).

    ``renderer`` is a :class:`SoftRasterizer` (copied when ``cfg.sigma``
    asks for another sharpness, never changed). With ``cfg.mesh='object'``,
    ``groups`` (N,) names each image's object and every image is fitted
    with the mean mesh of its object (without ``groups``, each image is an
    object of its own).
    """
    if cfg.sigma is not None:
        renderer = copy.copy(renderer)
        renderer.set_sigma(cfg.sigma)
    vertices = vertices.detach()
    if cfg.mesh == 'object' and groups is not None:
        groups = torch.as_tensor(groups, dtype=torch.long)
        _, inverse = torch.unique(groups, return_inverse=True)
        sums = torch.zeros(
            int(inverse.max()) + 1 if len(inverse) else 0,
            *vertices.shape[1:]).index_add_(0, inverse, vertices.float())
        counts = torch.bincount(inverse).clamp(min=1).to(sums)
        vertices = (sums / counts[:, None, None])[inverse].to(vertices)
    if start.dim() == 3:
        return _best_hypothesis([
            _refine_from(renderer, vertices, faces, targets, start[:, h], cfg)
            for h in range(start.shape[1])
        ], cfg.min_improvement)
    return _refine_from(renderer, vertices, faces, targets, start, cfg)


def _refine_from(renderer, vertices: Tensor, faces: Tensor, targets: Tensor,
                 start: Tensor, cfg: RefineConfig) -> RefinedCameras:
    cams, ious = [], []
    for idx in torch.arange(len(start)).split(cfg.batch_size):
        found = coarse_search(renderer, vertices[idx], faces, targets[idx],
                              start[idx], cfg)
        found = local_search(renderer, vertices[idx], faces, targets[idx],
                             found, cfg)
        cams.append(found.cameras)
        ious.append(found.iou)
    if not cams:
        return RefinedCameras(start.new_zeros(0, 3), start.new_zeros(0))
    return RefinedCameras(torch.cat(cams), torch.cat(ious))


def _best_hypothesis(found: Sequence[RefinedCameras],
                     min_improvement: float) -> RefinedCameras:
    """Per image, the best refined hypothesis; a later (less probable) one
    must beat the first by more than ``min_improvement``."""
    ious = torch.stack([f.iou for f in found], 1)  # (N, H)
    handicap = torch.full_like(ious[:1], min_improvement)
    handicap[:, 0] = 0.0
    best = (ious - handicap).argmax(1)
    rows = torch.arange(len(best))
    cameras = torch.stack([f.cameras for f in found], 1)[rows, best]
    return RefinedCameras(cameras, ious[rows, best], best)
