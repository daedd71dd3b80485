"""SSR: SoftRas plus a siamese viewpoint network for unlabeled images."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from mmssr.models.utils.seeds import step_seed
from mmssr.registry import MODELS
from mmssr.structures import MeshDataSample
from mmssr.utils.misc import get_ori_model
from .pseudo_labeling import SemiTrainConfig
from .pseudo_labeller import PseudoLabellerMixin
from .viewpoint_sources import build_viewpoint_source


@MODELS.register_module()
class SSRReconstructor(PseudoLabellerMixin, BaseModel):
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
        self.viewpoint_source = build_viewpoint_source(
            self.semi_train_cfg.viewpoints)
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
        if self.viewpoint_source.viewpoint_free and bool(unlabeled.any()):
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
            seed = step_seed('siamvp_augments', self.rng_seed,
                             self.train_steps)
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
