"""SSR's pseudo-labelling rule: its settings and SiamVP's answers.

:class:`SSRReconstructor` owns the rule through these; the hook that applies
it only decides when.
"""
from dataclasses import dataclass, fields
from typing import Mapping, NamedTuple, Optional, Union

import torch
from torch import Tensor

from mmssr.errors import check_known_keys, check_values
from mmssr.models.utils import rotate_images
from mmssr.structures import NUM_VIEWS
from mmssr.structures.view_cameras import grid_cameras
from .camera_refinement import RefineConfig, RefinedCameras, refine_cameras
from .viewpoint_sources import VIEWPOINT_SOURCES

# Objects whose views share one agreement estimate (the min_agreement gate).
AGREEMENT_GROUP = 16


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
        batch_size: images per SiamVP forward pass while pseudo-labelling
            (a pass sends about four such batches of queries per call, see
            :func:`objects_per_call`; on a GPU larger is faster).
        viewpoints: where the unlabeled pairs' viewpoints come from:
            ``'pseudo'`` (SiamVP, the method), or, for ablations,
            ``'oracle'`` (the true viewpoints, an upper bound),
            ``'random'`` (uniformly random viewpoints) and ``'free'`` (no
            viewpoint: every unlabeled view is drawn, and its loss is its
            own mesh's best silhouette match over all viewpoints, see
            ``SoftRasReconstructor.viewpoint_free_losses``); each is a
            class of :mod:`.viewpoint_sources`, where a subclass adds one.
        min_agreement: a group of queries (the views of
            :data:`AGREEMENT_GROUP` = 16 unlabeled objects of a category in
            a pass) keeps its pseudo-labels only when the reference objects
            agree on at least this share of its views (see
            :meth:`SSRReconstructor.pseudo_label`); 0 accepts all.
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
             f'one of {tuple(VIEWPOINT_SOURCES)}'),
            (0.0 <= self.min_agreement <= 1.0, 'min_agreement',
             'a number in [0, 1]'),
        )
        check_values(checks, self, 'semi_train_cfg')

    @classmethod
    def from_dict(cls, cfg: Optional[Mapping]) -> 'SemiTrainConfig':
        """Build from a config dict; unknown keys are named with a hint."""
        cfg = dict(cfg or {})
        check_known_keys(cfg, [f.name for f in fields(cls)], 'semi_train_cfg')
        return cls(**cfg)


class PseudoLabels(NamedTuple):
    """What :meth:`SSRReconstructor.pseudo_label` returns.

    ``agreement`` is a float for one group of queries, and the (G,) tensor
    of the groups' agreements when the queries come in groups; ``cameras``
    (N, 3) are the refined cameras (NaN where not accepted), ``None``
    without ``semi_train_cfg.refine``; ``silhouette_iou`` (N,) the IoU of
    each refined camera's render of the mesh with the image's silhouette
    (NaN where not refined, ``None`` without refinement): the one measure
    of a pseudo-label's fit that needs no true camera.
    """
    views: Tensor
    confidence: Tensor
    agreement: Union[float, Tensor]
    cameras: Optional[Tensor] = None
    silhouette_iou: Optional[Tensor] = None


@dataclass
class ReferenceEmbeddings:
    """SiamVP embeddings of a category's reference views, made once per
    pseudo-labelling pass instead of once per call.

    Attributes:
        plain: (R, V, D) embeddings of the R reference objects' V views.
        rotated: (R', V, D) of the references the rule uses (R' = 1 for
            ``reference='first'``) rotated in-plane, for the rotation check.
    """
    plain: Tensor
    rotated: Optional[Tensor] = None

    @property
    def num_views(self) -> int:
        return self.plain.shape[1]


def objects_per_call(cfg: SemiTrainConfig) -> int:
    """Unlabeled objects a pseudo-labelling pass hands to the model at once:
    about four SiamVP batches of queries, in whole agreement groups."""
    groups = round(4 * cfg.batch_size / (AGREEMENT_GROUP * NUM_VIEWS))
    return AGREEMENT_GROUP * max(1, groups)


def _used(references, cfg: SemiTrainConfig):
    return references[:1] if cfg.reference == 'first' else references


def _rotated(references: Tensor, cfg: SemiTrainConfig) -> Tensor:
    size = references.shape[-3:]
    return rotate_images(references.reshape(-1, *size),
                         cfg.rotation_angle).view_as(references)


class ViewpointAnswers(NamedTuple):
    """What :func:`viewpoint_confidence` returns.

    ``views`` (N,): SiamVP's best reference view of each query;
    ``confidence`` (N,); ``agreement`` (G,), see there; ``ranked`` (N, K):
    its K most probable views, most probable first (``ranked[:, 0]`` is
    ``views``).
    """
    views: Tensor
    confidence: Tensor
    agreement: Tensor
    ranked: Tensor


@torch.no_grad()
def refine_pseudo_cameras(reconstructor,
                          images: Tensor,
                          views: Tensor,
                          cfg: RefineConfig,
                          groups: Optional[Tensor] = None,
                          batch_size: int = 256) -> RefinedCameras:
    """Cameras of ``images`` (N, C, S, S) at the model's size, refined from
    grid views ``views`` (N,), or from the hypotheses (N, H) of each image,
    most probable first (see :func:`refine_cameras`), with the
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
def embed_references(siamvp, references: Tensor,
                     cfg: SemiTrainConfig) -> ReferenceEmbeddings:
    """SiamVP's embeddings of reference views (R, V, C, S, S), float at the
    model's size, with those the rotation check needs."""
    rotated = None
    if cfg.rotation_check:
        rotated = siamvp.embed_references(
            _rotated(_used(references, cfg), cfg), cfg.batch_size)
    return ReferenceEmbeddings(
        siamvp.embed_references(references, cfg.batch_size), rotated)


def _group_agreement(per_ref: Tensor, group_size: Optional[int]) -> Tensor:
    """Per group of ``group_size`` queries (one group: all), the share on
    which each reference object alone names the same view; NaN with one
    reference object."""
    n = len(per_ref)
    size = group_size or max(n, 1)
    num_groups = -(-n // size) if group_size else 1
    if per_ref.shape[1] <= 1 or not n:
        return torch.full((num_groups, ), float('nan'))
    answers = per_ref.argmax(-1)
    same = (answers == answers[:, :1]).all(1).float().cpu()
    group = torch.arange(n) // size
    counts = torch.zeros(num_groups).index_add_(0, group, torch.ones(n))
    return torch.zeros(num_groups).index_add_(0, group, same) / counts


@torch.no_grad()
def viewpoint_confidence(siamvp,
                         queries: Tensor,
                         references: Union[Tensor, ReferenceEmbeddings],
                         cfg: SemiTrainConfig,
                         group_size: Optional[int] = None,
                         num_ranked: int = 1) -> ViewpointAnswers:
    """SiamVP's best reference view of every query and its confidence.

    ``queries`` (N, C, S, S) are float images at the model's size;
    ``references`` the views (R, V, C, S, S) of R labeled objects, or their
    :class:`ReferenceEmbeddings`. Also returns the reference objects'
    agreement per group of ``group_size`` queries (G,) (one group when
    ``None``): the share of queries on which each reference object alone
    names the same view (NaN with one reference object). It reads no hidden
    view id: when viewpoints transfer between objects of a category, the
    labeled objects agree; when they cannot, they disagree.
    """
    if isinstance(references, ReferenceEmbeddings):
        refs, rotated = references.plain, references.rotated
    else:
        refs = references
        rotated = _rotated(_used(refs, cfg), cfg) if cfg.rotation_check \
            else None
    per_ref = siamvp.reference_probabilities(queries, refs,
                                             cfg.batch_size)  # (N, R, V)
    agreement = _group_agreement(per_ref, group_size)
    if cfg.reference == 'first':
        per_ref = per_ref[:, :1]
    probs = per_ref.mean(1)
    if not len(probs):
        return ViewpointAnswers(
            torch.zeros(0, dtype=torch.long), torch.zeros(0), agreement,
            torch.zeros(0, num_ranked, dtype=torch.long))
    ranked = probs.topk(min(num_ranked, probs.shape[1]), dim=1).indices
    conf, views = probs.max(1)
    if cfg.confidence == 'margin':
        top2 = probs.topk(2, dim=1).values
        conf = top2[:, 0] - top2[:, 1]
    if cfg.rotation_check:
        rot_views, _, _ = siamvp.predict_viewpoints(
            rotate_images(queries, cfg.rotation_angle),
            rotated,
            batch_size=cfg.batch_size)
        conf = torch.where(rot_views == views, conf, torch.zeros_like(conf))
    return ViewpointAnswers(views.cpu(), conf.float().cpu(), agreement,
                            ranked.cpu())
