"""SSR's pseudo-labelling, the model's side: the gate, the rule of
``semi_train_cfg`` applied to SiamVP's answers, refined cameras, and how a
pass's table merges with the previous one.

:class:`PseudoLabellerMixin` is a part of :class:`SSRReconstructor`; it
provides what ``SemiSupervisedViewpointHook`` calls
(:class:`mmssr.engine.hooks.protocols.PseudoLabeller`).
"""
from typing import Optional, Tuple, Union

import numpy as np
import torch
from mmengine.dist import all_reduce, broadcast, get_dist_info
from torch import Tensor

from mmssr.models.utils.seeds import step_generator
from mmssr.utils.misc import get_ori_model
from .pseudo_labeling import (PseudoLabels, ReferenceEmbeddings,
                              embed_references, refine_pseudo_cameras,
                              viewpoint_confidence)


class PseudoLabellerMixin:
    """Pseudo-labelling methods of a model with ``siamvp_module``,
    ``reconstructor``, ``semi_train_cfg``, ``viewpoint_source``,
    ``siamvp_accuracy``, ``rng_seed`` and ``train_steps``."""

    def pseudo_label_ready(self) -> bool:
        """Whether SiamVP's running accuracy passed ``semi_train_cfg.gate``.

        Ranks see different batches; the accuracy is averaged over them so
        that all agree (a rank that alone went on would wait forever).
        """
        accuracy = self.siamvp_accuracy.detach().clone().float()
        if get_dist_info()[1] > 1:
            all_reduce(accuracy, op='mean')
        return float(accuracy) >= self.semi_train_cfg.gate

    @property
    def pseudo_label_gate_value(self) -> float:
        """This rank's running SiamVP accuracy, compared with the gate."""
        return float(self.siamvp_accuracy)

    def broadcast_siamvp_buffers(self) -> None:
        """Give every rank rank 0's SiamVP BatchNorm statistics.

        DDP broadcasts buffers only at the start of a training forward, so
        each rank holds its own afterwards; pseudo-labels (eval mode) must
        come from one network.
        """
        if get_dist_info()[1] > 1:
            for buf in self.siamvp_module.buffers():
                broadcast(buf, src=0)

    def _as_model_images(self, images: Union[Tensor, np.ndarray]) -> Tensor:
        """uint8 or [0, 1] views (..., C, S, S) at the model's input size."""
        images = torch.as_tensor(images)
        lead = images.shape[:-3]
        flat = self.data_preprocessor(
            dict(inputs=images.reshape(-1, *images.shape[-3:])))['inputs']
        return flat.reshape(*lead, *flat.shape[-3:])

    @torch.no_grad()
    def embed_references(
            self, references: Union[Tensor,
                                    np.ndarray]) -> ReferenceEmbeddings:
        """SiamVP's embeddings of a category's reference views
        (R, V, C, S, S), uint8 or [0, 1]: computed once, they serve every
        :meth:`pseudo_label` call of the category in a pass."""
        return embed_references(self.siamvp_module,
                                self._as_model_images(references),
                                self.semi_train_cfg)

    @torch.no_grad()
    def pseudo_label(
            self,
            queries: Union[Tensor, np.ndarray],
            references: Union[Tensor, np.ndarray, ReferenceEmbeddings],
            stored_views: Optional[Tensor] = None,
            group_size: Optional[int] = None,
            image_objects: Optional[np.ndarray] = None,
            stored_cameras: Optional[np.ndarray] = None) -> PseudoLabels:
        """Viewpoints of query views by the rule of ``semi_train_cfg``.

        Args:
            queries: views (N, C, S, S) of unlabeled objects, uint8 or
                float in [0, 1].
            references: views (R, V, C, S, S) of R labeled objects of the
                queries' category, view v seen from view id v, or their
                :meth:`embed_references`.
            stored_views: the queries' stored view ids, the hidden truth;
                read only by the ``'oracle'`` ablation.
            group_size: queries per agreement group (consecutive queries;
                ``None``: all of them form one group).
            image_objects: the object of each query, for
                ``semi_train_cfg.refine.mesh='object'``.
            stored_cameras: the queries' true cameras (N, 3), NaN where
                unknown, the hidden truth; read only by the ``'oracle'``
                ablation, for images off the grid.

        Returns:
            :class:`PseudoLabels`: view ids (N,), -1 where the confidence
            does not exceed the threshold (or the reference objects agree
            on fewer than ``min_agreement`` of the views of the query's
            group), the confidence (N,), and ``agreement``: the share of
            queries on which every reference object alone names the same
            view, an estimate of whether viewpoints transfer between
            objects of the category that reads no hidden view id (NaN with
            one reference object); a float for one group, a (G,) tensor
            with ``group_size``; with ``semi_train_cfg.refine``, the refined
            camera of each accepted view (those whose refined silhouette IoU
            is below ``refine.min_iou`` are not accepted) and that IoU (of
            every refined view, accepted or not).
        """
        cfg = self.semi_train_cfg
        if not isinstance(references, ReferenceEmbeddings):
            references = self._as_model_images(references)
        refines = cfg.refine is not None and self.viewpoint_source.refines
        views, conf, agreement, ranked = viewpoint_confidence(
            self.siamvp_module, self._as_model_images(queries), references,
            cfg, group_size, cfg.refine.hypotheses if refines else 1)
        num_views = (
            references.num_views if isinstance(references, ReferenceEmbeddings)
            else references.shape[1])
        views, conf = self.viewpoint_source.choose(views, conf, stored_views,
                                                   num_views,
                                                   self._pseudo_generator)
        accept = conf > cfg.threshold
        if cfg.min_agreement > 0 and len(views):
            size = group_size or len(views)
            per_query = agreement.repeat_interleave(size)[:len(views)]
            # NaN (one reference object) never passes the gate
            accept &= per_query >= cfg.min_agreement
        cameras = self.viewpoint_source.cameras(stored_cameras)
        fit = None
        if cameras is not None:
            cameras[~accept] = float('nan')
        elif refines:
            cameras = torch.full((len(views), 3), float('nan'))
            chosen = accept.nonzero()[:, 0]
            images = self._as_model_images(queries)
            starts = ranked[chosen] if ranked.shape[1] > 1 else views[chosen]
            refined = refine_pseudo_cameras(
                get_ori_model(self.reconstructor),
                images[chosen.to(images.device)], starts, cfg.refine,
                None if image_objects is None else torch.as_tensor(
                    np.asarray(image_objects))[chosen], cfg.batch_size)
            cameras[chosen] = refined.cameras.cpu().float()
            fit = torch.full((len(views), ), float('nan'))
            fit[chosen] = refined.iou.cpu().float()
            if refined.hypothesis is not None:
                # the view id of the hypothesis whose camera won
                views = views.clone()
                views[chosen] = starts.gather(
                    1, refined.hypothesis.cpu()[:, None])[:, 0]
            low = chosen[refined.iou.cpu() < cfg.refine.min_iou]
            accept[low] = False
            cameras[low] = float('nan')
        views = torch.where(accept, views, torch.full_like(views, -1))
        if group_size is None:
            agreement = float(agreement[0])
        return PseudoLabels(views, conf, agreement, cameras, fit)

    def merge_pseudo_labels(self, previous: Tensor, new: Tensor) -> Tensor:
        """The table after a pass: ``new``, or with
        ``semi_train_cfg.keep_previous`` the accepted entries of ``new`` over
        ``previous``."""
        new = torch.as_tensor(new)
        if not self.semi_train_cfg.keep_previous:
            return new
        previous = torch.as_tensor(previous).to(new)
        return torch.where(new >= 0, new, previous)

    def merge_pseudo_cameras(self, previous: Tensor, new: Tensor,
                             new_views: Tensor) -> Tensor:
        """The refined cameras (one row per image) after a pass, merged as
        :meth:`merge_pseudo_labels` merges the view ids (``new_views``, the
        pass's ids in image order)."""
        new = torch.as_tensor(new, dtype=torch.float32)
        if not self.semi_train_cfg.keep_previous:
            return new
        accepted = torch.as_tensor(new_views).reshape(-1, 1) >= 0
        return torch.where(accepted, new, torch.as_tensor(previous).to(new))

    def _pseudo_generator(self) -> torch.Generator:
        return step_generator('random_viewpoints', self.rng_seed,
                              self.train_steps)

    @torch.no_grad()
    def viewpoint_confidence(
            self, queries: Union[Tensor, np.ndarray],
            references: Union[Tensor,
                              np.ndarray]) -> Tuple[Tensor, Tensor, float]:
        """SiamVP's best reference view of every query, its confidence and
        the reference objects' agreement (see :meth:`pseudo_label`), before
        the threshold."""
        views, conf, agreement, _ = viewpoint_confidence(
            self.siamvp_module, self._as_model_images(queries),
            self._as_model_images(references), self.semi_train_cfg)
        return views, conf, float(agreement[0])
