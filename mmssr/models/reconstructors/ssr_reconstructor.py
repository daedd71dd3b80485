"""SSR: SoftRas plus a siamese viewpoint network for unlabeled images."""
from typing import Dict, List, Optional, Union

import torch
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapperDict
from torch import Tensor

from mmssr.registry import MODELS
from mmssr.structures import MeshDataSample


@MODELS.register_module()
class SSRReconstructor(BaseModel):
    """Semi-supervised Soft Rasterizer (Laradji et al., 2021).

    Holds a mesh ``reconstructor`` (a :class:`SoftRasReconstructor` config)
    and a ``siamvp`` viewpoint head, each with its own optimizer: build the
    optimizers with ``MultiOptimWrapperConstructor`` and the keys
    ``reconstructor`` and ``siamvp``. Each training batch holds labeled pairs
    (``is_labeled``) and possibly pairs of pseudo-labelled unlabeled views
    (their ``view_ids`` come from the SemiSupervisedViewpointHook's table).
    The reconstructor learns from every pair with known viewpoints; SiamVP
    learns from the labeled views only.

    For distributed training use ``model_wrapper_cfg=dict(
    type='MMSeparateDistributedDataParallel')`` (set in
    ``configs/_base_/models/ssr.py``): it wraps each part in DDP and keeps
    this two-optimizer ``train_step``. The parts are therefore only ever
    called (``forward``), never through their other methods.

    Args:
        reconstructor: config of the mesh reconstructor.
        siamvp: config of the SiamVP head.
        pseudo_loss_weight: weight of the reconstruction losses of
            pseudo-labelled pairs relative to labeled ones.
        acc_momentum: momentum of the running SiamVP training accuracy that
            gates pseudo-labelling.
        data_preprocessor: defaults to ``MeshDataPreprocessor``.
    """

    def __init__(self,
                 reconstructor: dict,
                 siamvp: dict,
                 pseudo_loss_weight: float = 1.0,
                 acc_momentum: float = 0.9,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        if data_preprocessor is None:
            data_preprocessor = dict(type='MeshDataPreprocessor')
        super().__init__(data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        self.reconstructor = MODELS.build(reconstructor)
        self.siamvp = MODELS.build(siamvp)
        self.pseudo_loss_weight = float(pseudo_loss_weight)
        self.acc_momentum = float(acc_momentum)
        # Running SiamVP training accuracy: saved in checkpoints with the
        # weights, so the pseudo-labelling gate survives a resume.
        self.register_buffer('siamvp_accuracy', torch.zeros(()))
        # The random pair choices of SiamVP come from a generator seeded by
        # (rng_seed, step), both in the state dict: a resumed run replays
        # them exactly, whatever else consumed the global RNG meanwhile.
        self.register_buffer('rng_seed', torch.randint(2**31 - 1, ()))
        self.register_buffer('train_steps', torch.zeros((),
                                                        dtype=torch.long))

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[MeshDataSample]] = None,
                mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        return self.reconstructor(inputs, data_samples, mode)

    @staticmethod
    def _split(data_samples: List[MeshDataSample]):
        labeled = torch.tensor([bool(ds.is_labeled) for ds in data_samples])
        return labeled, ~labeled

    def loss(self, inputs: Tensor,
             data_samples: List[MeshDataSample]) -> Dict[str, Tensor]:
        """Reconstruction losses of labeled and pseudo-labelled pairs."""
        labeled, unlabeled = self._split(data_samples)
        losses = self.reconstructor(
            inputs[labeled.to(inputs.device)],
            [ds for ds, keep in zip(data_samples, labeled) if keep],
            mode='loss')
        if bool(unlabeled.any()):
            pseudo = self.reconstructor(
                inputs[unlabeled.to(inputs.device)],
                [ds for ds, keep in zip(data_samples, unlabeled) if keep],
                mode='loss')
            for name, value in pseudo.items():
                losses[f'{name}_pseudo'] = value * self.pseudo_loss_weight
        return losses

    def siamvp_loss(self, inputs: Tensor,
                    data_samples: List[MeshDataSample]) -> Dict[str, Tensor]:
        """SiamVP pair loss on the views of the labeled pairs.

        Pairs are formed inside each category only: pseudo-labelling
        compares an image with reference views of its own category.
        """
        labeled, _ = self._split(data_samples)
        samples = [ds for ds, keep in zip(data_samples, labeled) if keep]
        generator = torch.Generator().manual_seed(
            int(self.rng_seed) * 1_000_003 + int(self.train_steps))
        if not samples:
            return self.siamvp(inputs[:0].flatten(0, 1),
                               torch.zeros(0, dtype=torch.long),
                               generator=generator)
        images = inputs[labeled.to(inputs.device)].flatten(0, 1)
        view_ids = torch.stack([ds.view_ids for ds in samples]).flatten()
        names = sorted({ds.get('category', '') for ds in samples})
        groups = torch.tensor([names.index(ds.get('category', ''))
                               for ds in samples]).repeat_interleave(2)
        return self.siamvp(images, view_ids.to(inputs.device),
                           groups=groups.to(inputs.device),
                           generator=generator)

    def train_step(self, data: Union[dict, tuple, list],
                   optim_wrapper: OptimWrapperDict) -> Dict[str, Tensor]:
        """One update of the reconstructor, then one of SiamVP."""
        data = self.data_preprocessor(data, True)
        inputs, data_samples = data['inputs'], data['data_samples']
        log_vars = {}
        recon_wrapper = optim_wrapper['reconstructor']
        with recon_wrapper.optim_context(self.reconstructor):
            losses = self.loss(inputs, data_samples)
        parsed, recon_logs = self.parse_losses(losses)
        recon_wrapper.update_params(parsed)
        log_vars.update(recon_logs)

        siam_wrapper = optim_wrapper['siamvp']
        with siam_wrapper.optim_context(self.siamvp):
            siam_losses = self.siamvp_loss(inputs, data_samples)
        accuracy = siam_losses.pop('acc_siamvp', None)
        parsed, siam_logs = self.parse_losses(siam_losses)
        siam_wrapper.update_params(parsed)
        log_vars.update(siam_logs)
        log_vars.pop('loss', None)
        log_vars['loss'] = (recon_logs['loss'] + siam_logs['loss'])
        self.train_steps += 1
        if accuracy is not None:
            accuracy = accuracy.detach().float()
            self.siamvp_accuracy.mul_(self.acc_momentum).add_(
                accuracy * (1.0 - self.acc_momentum))
            log_vars['acc_siamvp'] = accuracy
            log_vars['acc_siamvp_running'] = self.siamvp_accuracy.clone()
        return log_vars

    @property
    def pseudo_label_gate_value(self) -> float:
        """The running SiamVP accuracy compared with the hook's gate."""
        return float(self.siamvp_accuracy)
