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
        color_jitter: multiply each RGB channel of every training image by
            its own random gain in [1 - color_jitter, 1 + color_jitter].
        channel_shuffle: also permute the RGB channels of every training
            image at random.

    The colour augmentations matter with few labeled objects: SiamVP must
    tell viewpoints of unseen objects whose parts have other colours, and
    without them it learns the two labeled objects' colours. The README
    ("What made the gain") measures the effect on pseudo-label accuracy.
    """

    def __init__(self,
                 in_channels: int = 3,
                 channels: Tuple[int, ...] = (32, 64, 128, 128),
                 embed_dim: int = 256,
                 num_random_pairs: int = 32,
                 rotation_aug: bool = False,
                 max_rotation: float = 45.0,
                 color_jitter: float = 0.0,
                 channel_shuffle: bool = False,
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
        if not 0.0 <= color_jitter < 1.0:
            raise ValueError(f'color_jitter must lie in [0, 1), got '
                             f'{color_jitter}')
        self.color_jitter = float(color_jitter)
        self.channel_shuffle = bool(channel_shuffle)

    def forward(self, images: Tensor, view_ids: Optional[Tensor] = None,
                **loss_kwargs):
        """Embeddings (N, D) of images (N, C >= in_channels, S, S).

        With ``view_ids`` it returns :meth:`loss` instead: calling the head
        (not its methods) keeps gradients synchronised when the head is
        wrapped by DistributedDataParallel.
        """
        if view_ids is not None:
            return self.loss(images, view_ids, **loss_kwargs)
        return self.embed_images(images)

    def embed_images(self, images: Tensor) -> Tensor:
        """Embeddings (N, D) of images (N, C >= in_channels, S, S)."""
        if images.dim() != 4 or images.shape[1] < self.in_channels:
            raise ValueError(f'expected images (N, >={self.in_channels}, S, '
                             f'S), got {tuple(images.shape)}')
        x = images[:, :self.in_channels]
        return self.embed(torch.flatten(self.features(x), 1))

    def pair_logits(self, emb1: Tensor, emb2: Tensor) -> Tensor:
        """Same-viewpoint logits of embeddings broadcast against each other."""
        return self.classifier((emb1 - emb2).abs()).squeeze(-1)

    def loss(self,
             images: Tensor,
             view_ids: Tensor,
             groups: Optional[Tensor] = None,
             generator: Optional[torch.Generator] = None
             ) -> Dict[str, Tensor]:
        """BCE on pairs inside the batch (target 1 when view ids are equal).

        The hardest positive pair of the batch (lowest logit among
        same-view pairs) and the hardest negative (highest logit among
        different-view pairs), mixed with ``num_random_pairs`` random
        positive and random negative pairs, as in the SSR reference. With
        ``groups`` (e.g. category ids) only pairs inside a group are used:
        pseudo-labelling compares images with references of their own
        category, so that is the task to learn.

        Returns ``loss_siamvp`` and ``acc_siamvp``, the accuracy on the
        random pairs (balanced between positives and negatives; hard pairs
        would make it depend on the batch's worst case). Random choices come
        from ``generator`` (a CPU generator) when given, so that training can
        be replayed exactly.
        """
        n = images.shape[0]
        zero = sum(p.sum() for p in self.parameters()) * 0.0
        if n < 2:
            return dict(loss_siamvp=zero, acc_siamvp=images.new_tensor(0.0))
        if self.rotation_aug and self.training:
            angle = (torch.rand((), generator=generator) * 2 - 1) * \
                self.max_rotation
            images = rotate_images(images, angle.to(images.device))
        if self.training:
            images = self._augment_colors(images, generator)
        emb = self.embed_images(images)
        logits = self.pair_logits(emb[:, None], emb[None])  # (N, N)
        view_ids = view_ids.to(images.device).view(-1)
        upper = torch.triu(torch.ones(n, n, dtype=torch.bool,
                                      device=images.device), 1)
        if groups is not None:
            groups = groups.to(images.device).view(-1)
            upper &= groups[:, None] == groups[None]
        same = view_ids[:, None] == view_ids[None]
        pos, neg = upper & same, upper & ~same
        scored, targets, random_mask = [], [], []
        for mask, target, pick_hard in ((pos, 1.0, torch.argmin),
                                        (neg, 0.0, torch.argmax)):
            idx = torch.nonzero(mask)
            if not len(idx):
                continue
            values = logits[idx[:, 0], idx[:, 1]]
            hard = pick_hard(values)
            chosen = [values[hard:hard + 1]]
            if self.num_random_pairs:
                pick = torch.randint(len(idx), (self.num_random_pairs, ),
                                     generator=generator).to(idx.device)
                chosen.append(values[pick])
            chosen = torch.cat(chosen)
            scored.append(chosen)
            targets.append(torch.full_like(chosen, target))
            flag = torch.ones_like(chosen, dtype=torch.bool)
            flag[0] = False
            random_mask.append(flag)
        if not scored:
            return dict(loss_siamvp=zero, acc_siamvp=images.new_tensor(0.0))
        scored, targets = torch.cat(scored), torch.cat(targets)
        random_mask = torch.cat(random_mask)
        loss = F.binary_cross_entropy_with_logits(scored, targets)
        correct = ((scored > 0).to(targets) == targets)[random_mask]
        acc = correct.float().mean() if len(correct) else zero.detach()
        return dict(loss_siamvp=loss, acc_siamvp=acc.detach())

    def _augment_colors(self, images: Tensor,
                        generator: Optional[torch.Generator]) -> Tensor:
        """Random per-image channel gains and channel order (RGB only)."""
        if not self.color_jitter and not self.channel_shuffle:
            return images
        n, c = images.shape[0], self.in_channels
        rgb = images[:, :c]
        if self.channel_shuffle:
            order = torch.rand(n, c, generator=generator).argsort(1)
            order = order.to(images.device)[:, :, None, None]
            rgb = torch.gather(rgb, 1, order.expand_as(rgb))
        if self.color_jitter:
            gain = 1.0 + self.color_jitter * (
                2.0 * torch.rand(n, c, 1, 1, generator=generator) - 1.0)
            rgb = (rgb * gain.to(rgb)).clamp(0.0, 1.0)
        return torch.cat([rgb, images[:, c:]], 1)

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
            self.embed_images(chunk)
            for chunk in reference_images.flatten(0, 1).split(
                batch_size)
        ]).view(num_refs, num_views, -1)
        probs = []
        for chunk in images.split(batch_size):
            emb = self.embed_images(chunk)  # (n, D)
            logit = self.pair_logits(emb[:, None, None], ref_emb[None])
            probs.append(torch.sigmoid(logit).mean(1))  # (n, V)
        probs = torch.cat(probs) if probs else images.new_zeros(0, num_views)
        conf, view = probs.max(1) if len(probs) else (
            probs.new_zeros(0), torch.zeros(0, dtype=torch.long))
        return view, conf, probs
