"""SiamVP: a siamese network that tells whether two images share a viewpoint.

Only the network and its retrieval of viewpoints live here; the pair loss is
:class:`~mmssr.models.losses.SiamVPPairLoss` and the training augmentations
are the batch augments of :mod:`mmssr.models.data_preprocessors`.
"""
from typing import Optional, Tuple

import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmssr.errors import ConfigError
from mmssr.models.utils.precision import (autocast_context,
                                          check_compute_dtype,
                                          to_channels_last)
from mmssr.registry import MODELS


class GridAvgPool2d(nn.AdaptiveAvgPool2d):
    """``AdaptiveAvgPool2d`` whose backward stays usable in deterministic
    mode.

    CUDA has no deterministic backward of adaptive average pooling, so under
    ``torch.use_deterministic_algorithms(True)`` (mmengine's
    ``randomness.deterministic=True``) it raises. When the input divides
    into the output grid the windows are those of a plain average pool,
    which has one; that is used then. Otherwise, and outside deterministic
    mode, this is the adaptive pool (the same numbers, its usual speed).
    """

    def forward(self, x: Tensor) -> Tensor:
        out = self.output_size
        out = (out, out) if isinstance(out, int) else tuple(out)
        h, w = x.shape[-2:]
        if (torch.are_deterministic_algorithms_enabled() and None not in out
                and h % out[0] == 0 and w % out[1] == 0):
            kernel = (h // out[0], w // out[1])
            return nn.functional.avg_pool2d(x, kernel, kernel)
        return super().forward(x)


@MODELS.register_module()
class SiamVP(BaseModule):
    """Siamese viewpoint network of SSR.

    An embedding CNN f(·) on RGB (four conv-BN-ReLU-pool blocks, pooled to
    4x4 so the layout of the object survives, then a linear layer); the
    logit that two images share a viewpoint is a linear layer on
    ``|f(I₁) − f(I₂)|``.

    Args:
        in_channels: channels used from the input (RGB: the first 3).
        channels: widths of the conv blocks.
        embed_dim: embedding size.
        channels_last, compute_dtype: layout and precision of the embedding
            CNN, as for :class:`~mmssr.models.backbones.SoftRasEncoder`.
        init_cfg: mmengine initialisation config.
    """

    def __init__(self,
                 in_channels: int = 3,
                 channels: Tuple[int, ...] = (32, 64, 128, 128),
                 embed_dim: int = 256,
                 channels_last: bool = False,
                 compute_dtype: str = 'float32',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.in_channels = in_channels
        self.channels_last = bool(channels_last)
        self.compute_dtype = check_compute_dtype(compute_dtype)
        self.features, self.embed, self.classifier = self._build(
            tuple(channels), embed_dim)
        if self.channels_last:
            self.features.to(memory_format=torch.channels_last)

    def _build(self, channels: Tuple[int, ...], embed_dim: int):
        """The embedding CNN, its projection and the pair classifier."""
        layers, prev = [], self.in_channels
        for ch in channels:
            layers += [
                nn.Conv2d(prev, ch, 3, padding=1, bias=False),
                nn.BatchNorm2d(ch),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(2)
            ]
            prev = ch
        features = nn.Sequential(*layers, GridAvgPool2d(4))
        return features, nn.Linear(prev * 16,
                                   embed_dim), nn.Linear(embed_dim, 1)

    def forward(self, images: Tensor) -> Tensor:
        """Same-viewpoint logits (N, N) of all pairs of a batch.

        ``logits[i, j]`` is the logit that ``images[i]`` and ``images[j]``
        (N, C >= in_channels, S, S) share a viewpoint. Training calls this
        (not :meth:`embed_images`) so that DistributedDataParallel sees
        every parameter used. With fewer than two images there is no pair:
        the network is not run (BatchNorm statistics stay as they are) and
        the logits are zeros tied to every parameter, so a loss of
        ``logits.sum() * 0`` still gives each parameter a (zero) gradient.
        """
        self._check_images(images)
        n = images.shape[0]
        if n < 2:
            zero = sum(p.sum() for p in self.parameters()) * 0.0
            return images.new_zeros(n, n) + zero
        emb = self.embed_images(images)
        return self.pair_logits(emb[:, None], emb[None])

    def embed_images(self, images: Tensor) -> Tensor:
        """Embeddings (N, D) of images (N, C >= in_channels, S, S)."""
        self._check_images(images)
        x = to_channels_last(images[:, :self.in_channels], self.channels_last)
        with autocast_context(self.compute_dtype, images):
            return self.embed(torch.flatten(self.features(x), 1)).float()

    def pair_logits(self, emb1: Tensor, emb2: Tensor) -> Tensor:
        """Same-viewpoint logits of embeddings broadcast against each other."""
        return self.classifier((emb1 - emb2).abs()).squeeze(-1)

    def _check_images(self, images: Tensor) -> None:
        if images.dim() != 4 or images.shape[1] < self.in_channels:
            raise ValueError(f'expected images (N, >={self.in_channels}, S, '
                             f'S), got {tuple(images.shape)}')

    @torch.no_grad()
    def predict_viewpoints(
            self,
            images: Tensor,
            reference_images: Tensor,
            batch_size: int = 256) -> Tuple[Tensor, Tensor, Tensor]:
        """Most similar reference viewpoint of each image.

        Args:
            images: (N, C, S, S) float in [0, 1].
            reference_images: (R, V, C, S, S) or (V, C, S, S): V reference
                viewpoints of R reference objects, or their embeddings
                (R, V, D) from :meth:`embed_references`.
            batch_size: images per forward pass.

        Returns:
            view ids (N,), their probability (N,) and all probabilities
            (N, V), the same-viewpoint probability averaged over the R
            reference objects. Runs in eval mode (BatchNorm statistics) and
            restores the training flag afterwards.
        """
        probs = self.reference_probabilities(images, reference_images,
                                             batch_size).mean(1)
        if not len(probs):
            return (torch.zeros(0, dtype=torch.long, device=probs.device),
                    probs.new_zeros(0), probs)
        conf, view = probs.max(1)
        return view, conf, probs

    @torch.no_grad()
    def embed_references(self,
                         reference_images: Tensor,
                         batch_size: int = 256) -> Tensor:
        """Embeddings (R, V, D) of reference views (R, V, C, S, S) (or
        (V, C, S, S): R = 1), in eval mode, ``batch_size`` at a time; for
        :meth:`reference_probabilities` of many query batches."""
        if reference_images.dim() == 4:
            reference_images = reference_images[None]
        num_refs, num_views = reference_images.shape[:2]
        was_training = self.training
        self.eval()  # batch statistics must not depend on the batching
        try:
            return torch.cat([
                self.embed_images(chunk)
                for chunk in reference_images.flatten(0, 1).split(batch_size)
            ]).view(num_refs, num_views, -1)
        finally:
            self.train(was_training)

    @torch.no_grad()
    def reference_probabilities(self,
                                images: Tensor,
                                reference_images: Tensor,
                                batch_size: int = 256) -> Tensor:
        """Same-viewpoint probabilities (N, R, V) of every image against
        every view of every reference object, in eval mode.

        ``reference_images`` are views (R, V, C, S, S) or (V, C, S, S), or
        their embeddings (R, V, D) from :meth:`embed_references`.
        """
        if reference_images.dim() == 3:
            ref_emb = reference_images
        else:
            ref_emb = self.embed_references(reference_images, batch_size)
        num_refs, num_views = ref_emb.shape[:2]
        was_training = self.training
        self.eval()  # batch statistics must not depend on the batching
        try:
            probs = [
                torch.sigmoid(
                    self.pair_logits(
                        self.embed_images(chunk)[:, None, None],
                        ref_emb[None])) for chunk in images.split(batch_size)
            ]
        finally:
            self.train(was_training)
        if not probs:
            return images.new_zeros(0, num_refs, num_views)
        return torch.cat(probs)


@MODELS.register_module()
class ReferenceSiamVP(SiamVP):
    """SiamVP with the network of the SSR reference (``src/models.py``,
    ``Siamese``): conv 10x10 (64) - ReLU - max pool - conv 7x7 (128) - ReLU
    - max pool - conv 4x4 (128) - ReLU, then linear to 4096 with a sigmoid;
    the logit is a linear layer on ``|f(I1) - f(I2)|``. No normalisation
    layers; at 64x64 the flattened features are 6272 wide, as there.

    Args:
        image_size: input resolution (the layers need at least 64).
        in_channels, channels_last, compute_dtype, init_cfg: as
            :class:`SiamVP`.
    """

    def __init__(self,
                 image_size: int = 64,
                 in_channels: int = 3,
                 embed_dim: int = 4096,
                 channels_last: bool = False,
                 compute_dtype: str = 'float32',
                 init_cfg: Optional[dict] = None) -> None:
        self.image_size = int(image_size)
        super().__init__(
            in_channels=in_channels,
            channels=(64, 128, 128),
            embed_dim=embed_dim,
            channels_last=channels_last,
            compute_dtype=compute_dtype,
            init_cfg=init_cfg)

    def _build(self, channels: Tuple[int, ...], embed_dim: int):
        c1, c2, c3 = channels
        features = nn.Sequential(
            nn.Conv2d(self.in_channels, c1, 10), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), nn.Conv2d(c1, c2, 7), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), nn.Conv2d(c2, c3, 4), nn.ReLU(inplace=True))
        side = ((self.image_size - 9) // 2 - 6) // 2 - 3
        if side < 1:
            raise ConfigError(f'ReferenceSiamVP: image_size '
                              f'{self.image_size} is too small for its '
                              'layers (64 or more)')
        embed = nn.Sequential(
            nn.Linear(c3 * side * side, embed_dim), nn.Sigmoid())
        return features, embed, nn.Linear(embed_dim, 1)
