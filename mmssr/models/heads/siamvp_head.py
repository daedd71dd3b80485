"""SiamVP: a siamese network that tells whether two images share a viewpoint."""
from typing import Dict, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmssr.models.utils import rotate_images
from mmssr.registry import MODELS


@MODELS.register_module()
class SiamVPHead(BaseModule):
    """Siamese viewpoint network of SSR.

    An embedding CNN f(·) on RGB (four conv-BN-ReLU-pool blocks, pooled to
    4x4 so the layout of the object survives, then a linear layer); the
    logit that two images share a viewpoint is a linear layer on
    ``|f(I₁) − f(I₂)|``.

    Args:
        in_channels: channels used from the input (RGB: the first 3).
        channels: widths of the conv blocks.
        embed_dim: embedding size.
        num_random_pairs: random positive and random negative pairs added to
            the hardest ones of each anchor in the loss.
        rotation_aug: rotate all images of a training batch by one random
            in-plane angle in [-max_rotation, max_rotation].
        max_rotation: degrees.
    """

    def __init__(self,
                 in_channels: int = 3,
                 channels: Tuple[int, ...] = (32, 64, 128, 128),
                 embed_dim: int = 256,
                 num_random_pairs: int = 32,
                 rotation_aug: bool = False,
                 max_rotation: float = 45.0,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        layers, prev = [], in_channels
        for ch in channels:
            layers += [
                nn.Conv2d(prev, ch, 3, padding=1, bias=False),
                nn.BatchNorm2d(ch),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2)
            ]
            prev = ch
        self.features = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(4))
        self.embed = nn.Linear(prev * 16, embed_dim)
        self.classifier = nn.Linear(embed_dim, 1)
        self.num_random_pairs = num_random_pairs
        self.rotation_aug = rotation_aug
        self.max_rotation = max_rotation

    def forward(self, images: Tensor) -> Tensor:
        """Embeddings (N, D) of images (N, C >= in_channels, S, S)."""
        if images.dim() != 4 or images.shape[1] < self.in_channels:
            raise ValueError(f'expected images (N, >={self.in_channels}, S, '
                             f'S), got {tuple(images.shape)}')
        x = images[:, :self.in_channels]
        return self.embed(torch.flatten(self.features(x), 1))

    def pair_logits(self, emb1: Tensor, emb2: Tensor) -> Tensor:
        """Same-viewpoint logits of embeddings broadcast against each other."""
        return self.classifier((emb1 - emb2).abs()).squeeze(-1)

    def loss(self, images: Tensor, view_ids: Tensor) -> Dict[str, Tensor]:
        """BCE on pairs inside the batch (target 1 when view ids are equal).

        Per anchor, the hardest positive (lowest logit among same-view
        images) and the hardest negative (highest logit among other views),
        plus ``num_random_pairs`` random positive and negative pairs.
        Returns ``loss_siamvp`` and ``acc_siamvp`` (fraction of the scored
        pairs on the right side of probability 0.5).
        """
        n = images.shape[0]
        if n < 2:
            zero = sum(p.sum() for p in self.parameters()) * 0.0
            return dict(loss_siamvp=zero,
                        acc_siamvp=images.new_tensor(0.0))
        if self.rotation_aug and self.training:
            angle = (torch.rand((), device=images.device) * 2 - 1) * \
                self.max_rotation
            images = rotate_images(images, angle)
        emb = self(images)
        logits = self.pair_logits(emb[:, None], emb[None])  # (N, N)
        view_ids = view_ids.to(images.device).view(-1)
        same = view_ids[:, None] == view_ids[None]
        not_self = ~torch.eye(n, dtype=torch.bool, device=images.device)
        pos = same & not_self
        neg = ~same
        inf = torch.finfo(logits.dtype).max
        scored, targets = [], []
        has_pos = pos.any(1)
        if has_pos.any():
            hard_pos = torch.where(pos, logits, torch.full_like(logits, inf))
            scored.append(hard_pos.min(1).values[has_pos])
            targets.append(torch.ones(int(has_pos.sum()), device=emb.device))
        has_neg = neg.any(1)
        if has_neg.any():
            hard_neg = torch.where(neg, logits, torch.full_like(logits, -inf))
            scored.append(hard_neg.max(1).values[has_neg])
            targets.append(torch.zeros(int(has_neg.sum()),
                                       device=emb.device))
        for mask, target in ((pos, 1.0), (neg, 0.0)):
            idx = torch.nonzero(torch.triu(mask, 1))
            if len(idx) and self.num_random_pairs:
                pick = torch.randint(len(idx), (self.num_random_pairs, ),
                                     device=idx.device)
                pairs = idx[pick]
                scored.append(logits[pairs[:, 0], pairs[:, 1]])
                targets.append(torch.full((len(pairs), ), target,
                                          device=emb.device))
        scored = torch.cat(scored)
        targets = torch.cat(targets).to(scored)
        loss = F.binary_cross_entropy_with_logits(scored, targets)
        acc = ((scored > 0).to(targets) == targets).float().mean()
        return dict(loss_siamvp=loss, acc_siamvp=acc.detach())

    @torch.no_grad()
    def predict_viewpoints(self,
                           images: Tensor,
                           reference_images: Tensor,
                           batch_size: int = 256
                           ) -> Tuple[Tensor, Tensor, Tensor]:
        """Most similar reference viewpoint of each image.

        Args:
            images: (N, C, S, S) float in [0, 1].
            reference_images: (R, V, C, S, S) or (V, C, S, S): V reference
                viewpoints of R reference objects.
            batch_size: images per forward pass.

        Returns:
            view ids (N,), their probability (N,) and all probabilities
            (N, V), the same-viewpoint probability averaged over the R
            reference objects. Runs in eval mode (BatchNorm statistics).
        """
        was_training = self.training
        self.eval()  # batch statistics must not depend on the batching
        try:
            return self._predict(images, reference_images, batch_size)
        finally:
            self.train(was_training)

    def _predict(self, images: Tensor, reference_images: Tensor,
                 batch_size: int) -> Tuple[Tensor, Tensor, Tensor]:
        if reference_images.dim() == 4:
            reference_images = reference_images[None]
        num_refs, num_views = reference_images.shape[:2]
        ref_emb = torch.cat([
            self(chunk) for chunk in reference_images.flatten(0, 1).split(
                batch_size)
        ]).view(num_refs, num_views, -1)
        probs = []
        for chunk in images.split(batch_size):
            emb = self(chunk)  # (n, D)
            logit = self.pair_logits(emb[:, None, None], ref_emb[None])
            probs.append(torch.sigmoid(logit).mean(1))  # (n, V)
        probs = torch.cat(probs) if probs else images.new_zeros(0, num_views)
        conf, view = probs.max(1) if len(probs) else (
            probs.new_zeros(0), torch.zeros(0, dtype=torch.long))
        return view, conf, probs
