"""SSR: SoftRas plus a siamese viewpoint network for unlabeled images."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import torch
from mmengine.dist import all_reduce, broadcast, get_dist_info
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from mmssr.registry import MODELS
from mmssr.structures import MeshDataSample
from mmssr.utils.misc import get_ori_model
from .pseudo_labeling import (PseudoLabels, ReferenceEmbeddings,
                              SemiTrainConfig, embed_references,
                              refine_pseudo_cameras, viewpoint_confidence)


@MODELS.register_module()
class SSRReconstructor(BaseModel):
    """Semi-supervised Soft Rasterizer (Laradji et al., 2021).

    Holds a mesh ``reconstructor`` (a :class:`SoftRasReconstructor` config)
    and a ``siamvp`` viewpoint network, each with its own optimizer (keys
    ``reconstructor`` and ``siamvp`` of ``MultiOptimWrapperConstructor``).
    Each training batch holds labeled pairs (``is_labeled``) and possibly
    pairs of pseudo-labelled unlabeled views. The reconstructor learns from
    every pair with known viewpoints; SiamVP learns from the labeled views.

    The model owns the pseudo-labelling rule (``semi_train_cfg``, see
    :class:`SemiTrainConfig`): :meth:`pseudo_label_ready` is the gate and
    :meth:`pseudo_label` labels query views against reference views. The
    ``SemiSupervisedViewpointHook`` only decides when, and moves the table
    between the model and the dataset.

    For DDP use ``model_wrapper_cfg=dict(type=
    'MMSeparateDistributedDataParallel')`` (``configs/_base_/models/ssr.py``):
    it wraps each part in DDP and keeps this two-optimizer ``train_step``, so
    the parts are called through ``forward`` in training.

    Args:
        reconstructor: config of the mesh reconstructor.
        siamvp: config of the SiamVP embedding network.
        siamvp_loss: config of its pair loss.
        siamvp_augments: batch augments of SiamVP's training images, applied
            in order.
        siamvp_extra_steps: further SiamVP updates in each training step,
            each on the same labeled views passed through its own list of
            batch augments (the reference's real-data setting adds one on a
            copy rotated by a random angle: ``[[dict(type=
            'RandomInPlaneRotation', max_angle=180)]]``, ``src/losses.py``
            ``augment_loss``). The gate reads the first update's accuracy.
        semi_train_cfg: the pseudo-labelling settings.
        pseudo_loss_weight: weight of the reconstruction losses of
            pseudo-labelled pairs relative to labeled ones.
        acc_momentum: momentum of the running SiamVP training accuracy that
            gates pseudo-labelling.
        data_preprocessor: defaults to ``MeshDataPreprocessor`` at the
            reconstructor's ``image_size``.
    """

    def __init__(self,
                 reconstructor: dict,
                 siamvp: dict,
                 siamvp_loss: dict = dict(type='SiamVPPairLoss'),
                 siamvp_augments: Sequence[dict] = (),
                 siamvp_extra_steps: Sequence[Sequence[dict]] = (),
                 semi_train_cfg: Optional[dict] = None,
                 pseudo_loss_weight: float = 1.0,
                 acc_momentum: float = 0.9,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        data_preprocessor = dict(
            data_preprocessor or dict(type='MeshDataPreprocessor'))
        data_preprocessor.setdefault('image_size',
                                     reconstructor.get('image_size'))
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.reconstructor = MODELS.build(reconstructor)
        self.siamvp = MODELS.build(siamvp)
        self.siamvp_loss_fn = MODELS.build(siamvp_loss)
        self.siamvp_augments = torch.nn.ModuleList(
            MODELS.build(aug) for aug in siamvp_augments)
        self.siamvp_extra_steps = torch.nn.ModuleList(
            torch.nn.ModuleList(MODELS.build(aug) for aug in step)
            for step in siamvp_extra_steps)
        self.semi_train_cfg = SemiTrainConfig.from_dict(semi_train_cfg)
        self.pseudo_loss_weight = float(pseudo_loss_weight)
        self.acc_momentum = float(acc_momentum)
        # Running SiamVP training accuracy: saved in checkpoints with the
        # weights, so the pseudo-labelling gate survives a resume.
        self.register_buffer('siamvp_accuracy', torch.zeros(()))
        # The random pair choices of SiamVP come from a generator seeded by
        # (rng_seed, step), both in the state dict: a resumed run replays
        # them exactly, whatever else consumed the global RNG meanwhile.
        self.register_buffer('rng_seed', torch.randint(2**31 - 1, ()))
        self.register_buffer('train_steps', torch.zeros((), dtype=torch.long))

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[MeshDataSample]] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        return self.reconstructor(inputs, data_samples, mode)

    @property
    def siamvp_module(self):
        """SiamVP itself, also when DDP wraps it."""
        return get_ori_model(self.siamvp)

    # -- training ---------------------------------------------------------
    @staticmethod
    def _split(data_samples: List[MeshDataSample]):
        labeled = torch.tensor([bool(ds.is_labeled) for ds in data_samples])
        return labeled, ~labeled

    def loss(self, inputs: Tensor,
             data_samples: List[MeshDataSample]) -> Dict[str, Tensor]:
        """Reconstruction losses of labeled and pseudo-labelled pairs, from
        one pass of the reconstructor over both (``*_pseudo`` losses are
        averaged over the pseudo-labelled pairs and weighted)."""
        labeled, unlabeled = self._split(data_samples)
        if self.semi_train_cfg.viewpoints == 'free' and bool(unlabeled.any()):
            # the ablation without viewpoints: its own loss, its own pass
            losses = self.reconstructor(
                inputs[labeled.to(inputs.device)],
                [ds for ds, keep in zip(data_samples, labeled) if keep],
                mode='loss')
            free = self.reconstructor(
                inputs[unlabeled.to(inputs.device)],
                [ds for ds, keep in zip(data_samples, unlabeled) if keep],
                mode='loss',
                viewpoint_free=True)
            losses.update((f'{k}_pseudo', v) for k, v in free.items())
        else:
            groups = ['' if keep else '_pseudo' for keep in labeled.tolist()]
            losses = self.reconstructor(
                inputs, data_samples, mode='loss', groups=groups)
        for name in [k for k in losses if k.endswith('_pseudo')]:
            losses[name] = losses[name] * self.pseudo_loss_weight
        return losses

    def siamvp_loss(self,
                    inputs: Tensor,
                    data_samples: List[MeshDataSample],
                    step: int = 0) -> Dict[str, Tensor]:
        """SiamVP pair loss on the views of the labeled pairs.

        Pairs are formed inside each category only: pseudo-labelling
        compares an image with reference views of its own category.
        ``step`` 0 uses ``siamvp_augments``, ``k > 0`` the augments of the
        k-th of ``siamvp_extra_steps``, each with its own random draws.
        """
        labeled, _ = self._split(data_samples)
        samples = [ds for ds, keep in zip(data_samples, labeled) if keep]
        if step == 0:
            augments = self.siamvp_augments
            seed = int(self.rng_seed) * 1_000_003 + int(self.train_steps)
        else:
            augments = self.siamvp_extra_steps[step - 1]
            seed = int(
                np.random.SeedSequence(
                    [int(self.rng_seed),
                     int(self.train_steps), step]).generate_state(1)[0])
        generator = torch.Generator().manual_seed(seed)
        images = inputs[labeled.to(inputs.device)].flatten(0, 1)
        view_ids = torch.stack([ds.view_ids for ds in samples]).flatten() \
            if samples else torch.zeros(0, dtype=torch.long)
        names = sorted({ds.get('category', '') for ds in samples})
        groups = torch.tensor(
            [names.index(ds.get('category', '')) for ds in samples],
            dtype=torch.long).repeat_interleave(2)
        for augment in augments:
            images = augment(images, generator)
        logits = self.siamvp(images)
        return self.siamvp_loss_fn(
            logits,
            view_ids.to(inputs.device),
            groups=groups.to(inputs.device),
            generator=generator)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """One update of the reconstructor, then one of SiamVP."""
        data = self.data_preprocessor(data, True)
        inputs, data_samples = data['inputs'], data['data_samples']
        recon_wrapper = optim_wrapper['reconstructor']
        with recon_wrapper.optim_context(self.reconstructor):
            losses = self.loss(inputs, data_samples)
        parsed, log_vars = self.parse_losses(losses)
        recon_wrapper.update_params(parsed)

        siam_wrapper = optim_wrapper['siamvp']
        with siam_wrapper.optim_context(self.siamvp):
            siam_losses = self.siamvp_loss(inputs, data_samples)
        accuracy = siam_losses.pop('acc_siamvp', None)
        parsed, siam_logs = self.parse_losses(siam_losses)
        siam_wrapper.update_params(parsed)
        for step in range(1, len(self.siamvp_extra_steps) + 1):
            with siam_wrapper.optim_context(self.siamvp):
                extra = self.siamvp_loss(inputs, data_samples, step)
            extra.pop('acc_siamvp', None)
            parsed, _ = self.parse_losses(extra)
            siam_wrapper.update_params(parsed)
        recon_total = log_vars.pop('loss')
        log_vars.update(siam_logs)
        log_vars['loss'] = recon_total + siam_logs['loss']
        self.train_steps += 1
        if accuracy is not None:
            accuracy = accuracy.detach().float()
            self.siamvp_accuracy.mul_(self.acc_momentum).add_(
                accuracy * (1.0 - self.acc_momentum))
            log_vars['acc_siamvp'] = accuracy
            log_vars['acc_siamvp_running'] = self.siamvp_accuracy.clone()
        return log_vars

    # -- pseudo-labelling -------------------------------------------------
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
            image_objects: Optional[np.ndarray] = None) -> PseudoLabels:
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
            is below ``refine.min_iou`` are not accepted).
        """
        cfg = self.semi_train_cfg
        if not isinstance(references, ReferenceEmbeddings):
            references = self._as_model_images(references)
        views, conf, agreement = viewpoint_confidence(
            self.siamvp_module, self._as_model_images(queries), references,
            cfg, group_size)
        if cfg.viewpoints == 'oracle':
            if stored_views is None:
                raise ValueError("semi_train_cfg.viewpoints='oracle' needs "
                                 'the stored view ids of the queries')
            views = torch.as_tensor(stored_views).long().cpu()
            conf = torch.ones(len(views))
        elif cfg.viewpoints == 'random':
            num_views = (
                references.num_views if isinstance(
                    references, ReferenceEmbeddings) else references.shape[1])
            views = torch.randint(
                num_views, (len(views), ), generator=self._pseudo_generator())
            conf = torch.ones(len(views))
        elif cfg.viewpoints == 'free':
            # every view is drawn; the loss ignores the (SiamVP) view ids
            conf = torch.ones(len(views))
        accept = conf > cfg.threshold
        if cfg.min_agreement > 0 and len(views):
            size = group_size or len(views)
            per_query = agreement.repeat_interleave(size)[:len(views)]
            # NaN (one reference object) never passes the gate
            accept &= per_query >= cfg.min_agreement
        cameras = None
        if cfg.refine is not None and cfg.viewpoints == 'pseudo':
            cameras = torch.full((len(views), 3), float('nan'))
            chosen = accept.nonzero()[:, 0]
            images = self._as_model_images(queries)
            refined = refine_pseudo_cameras(
                get_ori_model(self.reconstructor),
                images[chosen.to(images.device)], views[chosen], cfg.refine,
                None if image_objects is None else torch.as_tensor(
                    np.asarray(image_objects))[chosen], cfg.batch_size)
            cameras[chosen] = refined.cameras.cpu().float()
            low = chosen[refined.iou.cpu() < cfg.refine.min_iou]
            accept[low] = False
            cameras[low] = float('nan')
        views = torch.where(accept, views, torch.full_like(views, -1))
        if group_size is None:
            agreement = float(agreement[0])
        return PseudoLabels(views, conf, agreement, cameras)

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
        return torch.Generator().manual_seed(
            int(self.rng_seed) * 1_000_033 + int(self.train_steps))

    @torch.no_grad()
    def viewpoint_confidence(
            self, queries: Union[Tensor, np.ndarray],
            references: Union[Tensor,
                              np.ndarray]) -> Tuple[Tensor, Tensor, float]:
        """SiamVP's best reference view of every query, its confidence and
        the reference objects' agreement (see :meth:`pseudo_label`), before
        the threshold."""
        views, conf, agreement = viewpoint_confidence(
            self.siamvp_module, self._as_model_images(queries),
            self._as_model_images(references), self.semi_train_cfg)
        return views, conf, float(agreement[0])
