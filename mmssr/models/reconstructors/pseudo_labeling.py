"""SSR's pseudo-labelling rule: its settings and SiamVP's answers.

:class:`SSRReconstructor` owns the rule through these; the hook that applies
it only decides when.
"""
from dataclasses import dataclass, fields
from typing import Mapping, NamedTuple, Optional, Tuple

import torch
from torch import Tensor

from mmssr.models.utils import rotate_images
from mmssr.structures.view_cameras import grid_cameras
from mmssr.utils.errors import ConfigError, did_you_mean
from .camera_refinement import RefineConfig, RefinedCameras, refine_cameras

VIEWPOINT_SOURCES = ('pseudo', 'oracle', 'random', 'free')


@dataclass(frozen=True)
class SemiTrainConfig:
    """How :class:`SSRReconstructor` pseudo-labels unlabeled views.

    Attributes:
        gate: minimum running SiamVP training accuracy (on random labeled
            pairs) before any pseudo-label is made (paper: 0.99).
        confidence: ``'probability'`` (the paper: SiamVP's same-viewpoint
            probability of the chosen reference view) or ``'margin'`` (that
            probability minus the runner-up view's). The margin is low when
            two reference views look alike to SiamVP, which the probability
            alone does not see; on the synthetic benchmark it ranks right
            pseudo-labels far better (docs/notes/benchmarks.md).
        threshold: τ; a view is pseudo-labelled when its confidence exceeds
            it.
        reference: ``'first'`` (reference views of the first labeled object
            of the category, as in the paper) or ``'all'`` (every labeled
            object of it, probabilities averaged).
        rotation_check: also require the same answer on a copy of query and
            references rotated in-plane by ``rotation_angle`` degrees.
        rotation_angle: degrees.
        batch_size: images per SiamVP forward pass while pseudo-labelling.
        viewpoints: where the unlabeled pairs' viewpoints come from:
            ``'pseudo'`` (SiamVP, the method), or, for ablations,
            ``'oracle'`` (the true viewpoints, an upper bound),
            ``'random'`` (uniformly random viewpoints) and ``'free'`` (no
            viewpoint: every unlabeled view is drawn, and its loss is its
            own mesh's best silhouette match over all viewpoints, see
            ``SoftRasReconstructor.viewpoint_free_losses``).
        min_agreement: a chunk of queries keeps its pseudo-labels only when
            the reference objects agree on at least this share of its views
            (see :meth:`SSRReconstructor.pseudo_label`); 0 accepts all.
        keep_previous: a view that a pass does not accept keeps the label an
            earlier pass gave it, as in the reference (which writes accepted
            entries only, ``src/losses.py`` ``add_pseudo_labels``); by
            default each pass replaces the whole table.
        refine: ``None`` (a pseudo-label is the retrieved grid view), or the
            settings of :class:`RefineConfig` (a dict): each accepted
            image's camera is refined from its retrieved view by
            render-and-compare with the reconstructor's mesh, and the image
            is supervised from that camera (continuous pseudo-labels).
    """

    gate: float = 0.99
    confidence: str = 'probability'
    threshold: float = 0.8
    reference: str = 'first'
    rotation_check: bool = False
    rotation_angle: float = 45.0
    batch_size: int = 256
    viewpoints: str = 'pseudo'
    min_agreement: float = 0.0
    keep_previous: bool = False
    refine: Optional[RefineConfig] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, 'refine', RefineConfig.from_dict(self.refine))
        checks = (
            (0.0 <= self.gate <= 1.0, 'gate', 'a number in [0, 1]'),
            (self.confidence in ('probability', 'margin'), 'confidence',
             "'probability' or 'margin'"),
            (0.0 <= self.threshold < 1.0, 'threshold', 'a number in [0, 1)'),
            (self.reference
             in ('first', 'all'), 'reference', "'first' or 'all'"),
            (self.batch_size >= 1, 'batch_size', 'a positive integer'),
            (self.viewpoints in VIEWPOINT_SOURCES, 'viewpoints',
             "'pseudo', 'oracle', 'random' or 'free'"),
            (0.0 <= self.min_agreement <= 1.0, 'min_agreement',
             'a number in [0, 1]'),
        )
        for ok, key, expected in checks:
            if not ok:
                raise ConfigError(f'semi_train_cfg.{key}: expected '
                                  f'{expected}, got {getattr(self, key)!r}')

    @classmethod
    def from_dict(cls, cfg: Optional[Mapping]) -> 'SemiTrainConfig':
        """Build from a config dict; unknown keys are named with a hint."""
        cfg = dict(cfg or {})
        known = [f.name for f in fields(cls)]
        for key in cfg:
            if key not in known:
                raise ConfigError(f'semi_train_cfg.{key}: unknown setting '
                                  f'(expected one of {known})'
                                  f'{did_you_mean(key, known)}')
        return cls(**cfg)


class PseudoLabels(NamedTuple):
    """What :meth:`SSRReconstructor.pseudo_label` returns: ``cameras``
    (N, 3) are the refined cameras (NaN where not accepted), ``None``
    without ``semi_train_cfg.refine``."""
    views: Tensor
    confidence: Tensor
    agreement: float
    cameras: Optional[Tensor] = None


@torch.no_grad()
def refine_pseudo_cameras(reconstructor,
                          images: Tensor,
                          views: Tensor,
                          cfg: RefineConfig,
                          groups: Optional[Tensor] = None,
                          batch_size: int = 256) -> RefinedCameras:
    """Cameras of ``images`` (N, C, S, S) at the model's size, refined from
    grid views ``views`` (N,) (see :func:`refine_cameras`), with the
    reconstructor's meshes of the images (in eval mode)."""
    was_training = reconstructor.training
    reconstructor.eval()
    try:
        meshes = [
            reconstructor.reconstruct(chunk)
            for chunk in images.split(batch_size)
        ]
    finally:
        reconstructor.train(was_training)
    if not meshes:
        return RefinedCameras(images.new_zeros(0, 3), images.new_zeros(0))
    vertices = torch.cat([m[0] for m in meshes]).float()
    start = torch.as_tensor(grid_cameras(views.cpu().numpy())).to(vertices)
    return refine_cameras(reconstructor.renderer, vertices, meshes[0][1],
                          images[:, 3].float(), start, cfg, groups)


@torch.no_grad()
def viewpoint_confidence(siamvp, queries: Tensor, references: Tensor,
                         cfg: SemiTrainConfig) -> Tuple[Tensor, Tensor, float]:
    """SiamVP's best reference view of every query and its confidence.

    ``queries`` (N, C, S, S) and ``references`` (R, V, C, S, S) are float
    images at the model's size. Also returns the reference objects'
    agreement: the share of queries on which each reference object alone
    names the same view (NaN with one reference object). It reads no hidden
    view id: when viewpoints transfer between objects of a category, the
    labeled objects agree; when they cannot, they disagree.
    """
    per_ref = siamvp.reference_probabilities(queries, references,
                                             cfg.batch_size)  # (N, R, V)
    agreement = float('nan')
    if per_ref.shape[1] > 1 and len(per_ref):
        answers = per_ref.argmax(-1)
        agreement = float((answers == answers[:, :1]).all(1).float().mean())
    if cfg.reference == 'first':
        references, per_ref = references[:1], per_ref[:, :1]
    probs = per_ref.mean(1)
    if not len(probs):
        return (torch.zeros(0, dtype=torch.long), torch.zeros(0), agreement)
    conf, views = probs.max(1)
    if cfg.confidence == 'margin':
        top2 = probs.topk(2, dim=1).values
        conf = top2[:, 0] - top2[:, 1]
    if cfg.rotation_check:
        size = references.shape[-3:]
        rotated = rotate_images(
            references.reshape(-1, *size),
            cfg.rotation_angle).view_as(references)
        rot_views, _, _ = siamvp.predict_viewpoints(
            rotate_images(queries, cfg.rotation_angle),
            rotated,
            batch_size=cfg.batch_size)
        conf = torch.where(rot_views == views, conf, torch.zeros_like(conf))
    return views.cpu(), conf.float().cpu(), agreement
