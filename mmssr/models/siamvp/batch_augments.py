"""Random augmentations of a whole image batch (N, C, S, S), e.g. SiamVP's.

The colour augmentations matter with few labeled objects: SiamVP must tell
the viewpoints of unseen objects whose parts have other colours, and without
them it learns the colours of the labeled objects (docs/notes/benchmarks.md
measures the effect on pseudo-label accuracy). The zoom stands in for the
cameras the labeled grid views never use: unlabeled images taken closer,
farther, higher or lower than the grid's one distance and elevation
(docs/user_guides/unlabeled_views.md).

Each augment acts whenever it is called, in training and eval mode alike:
the caller decides when to augment. Random draws come from ``generator``
(a CPU generator) when given, so that training can be replayed exactly;
listing the augments in a fixed order fixes the order of the draws.
"""
import math
from typing import Optional, Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmssr.models.utils import rotate_images
from mmssr.registry import MODELS


def _check_images(images: Tensor, channels: int) -> None:
    if images.dim() != 4 or images.shape[1] < channels:
        raise ValueError(f'expected images (N, >={channels}, H, W), got '
                         f'{tuple(images.shape)}')


def _check_channels(channels: int) -> int:
    if int(channels) != channels or channels < 1:
        raise ValueError(f'channels must be a positive integer, got '
                         f'{channels}')
    return int(channels)


class _ColourAugment(nn.Module):
    """Changes the first ``channels`` (RGB) channels of each image by
    :meth:`transform`; the other channels (alpha) are kept as they are."""

    def __init__(self, channels: int = 3) -> None:
        super().__init__()
        self.channels = _check_channels(channels)

    def transform(self, rgb: Tensor,
                  generator: Optional[torch.Generator]) -> Tensor:
        raise NotImplementedError

    def forward(self,
                images: Tensor,
                generator: Optional[torch.Generator] = None) -> Tensor:
        _check_images(images, self.channels)
        rgb = self.transform(images[:, :self.channels], generator)
        return torch.cat([rgb, images[:, self.channels:]], 1)


@MODELS.register_module()
class RandomChannelShuffle(_ColourAugment):
    """Permute the first ``channels`` (RGB) channels of each image at random.

    The other channels (alpha) are kept as they are.
    """

    def transform(self, rgb: Tensor,
                  generator: Optional[torch.Generator]) -> Tensor:
        order = torch.rand(*rgb.shape[:2], generator=generator).argsort(1)
        order = order.to(rgb.device)[:, :, None, None]
        return torch.gather(rgb, 1, order.expand_as(rgb))

    def extra_repr(self) -> str:
        return f'channels={self.channels}'


@MODELS.register_module()
class RandomChannelGain(_ColourAugment):
    """Multiply each RGB channel of each image by its own random gain.

    Gains are uniform in ``[1 - magnitude, 1 + magnitude]``; the result is
    clamped to [0, 1]. Channels after the first ``channels`` (alpha) are
    kept as they are.
    """

    def __init__(self, magnitude: float, channels: int = 3) -> None:
        super().__init__(channels)
        if not 0.0 <= magnitude < 1.0:
            raise ValueError(f'magnitude must lie in [0, 1), got '
                             f'{magnitude}')
        self.magnitude = float(magnitude)

    def transform(self, rgb: Tensor,
                  generator: Optional[torch.Generator]) -> Tensor:
        gain = 1.0 + self.magnitude * (2.0 * torch.rand(
            *rgb.shape[:2], 1, 1, generator=generator) - 1.0)
        return (rgb * gain.to(rgb)).clamp(0.0, 1.0)

    def extra_repr(self) -> str:
        return f'magnitude={self.magnitude}, channels={self.channels}'


@MODELS.register_module()
class RandomInPlaneRotation(nn.Module):
    """Rotate all images of the batch by one random in-plane angle.

    The angle is uniform in ``[-max_angle, max_angle]`` degrees; all
    channels (alpha too) are rotated, pixels rotated in are zero.
    """

    def __init__(self, max_angle: float = 45.0) -> None:
        super().__init__()
        if not (math.isfinite(max_angle) and max_angle >= 0):
            raise ValueError(f'max_angle must be finite and >= 0, got '
                             f'{max_angle}')
        self.max_angle = float(max_angle)

    def forward(self,
                images: Tensor,
                generator: Optional[torch.Generator] = None) -> Tensor:
        _check_images(images, 1)
        angle = (torch.rand((), generator=generator) * 2 - 1) * \
            self.max_angle
        if not len(images):  # affine_grid refuses empty batches
            return images.clone()
        return rotate_images(images, angle.to(images.device))

    def extra_repr(self) -> str:
        return f'max_angle={self.max_angle}'


def _check_range(name: str, value, low: float) -> tuple:
    lo, hi = (float(v) for v in value)
    if not (math.isfinite(lo) and math.isfinite(hi) and low < lo <= hi):
        raise ValueError(f'{name} must be (low, high) with {low} < low <= '
                         f'high, got {tuple(value)}')
    return lo, hi


@MODELS.register_module()
class RandomZoom(nn.Module):
    """Zoom each image about its centre by its own random factors.

    The whole image is scaled by a factor uniform in ``scale`` (above 1:
    the object looks larger, as from a closer camera) and then its height
    alone by one uniform in ``vertical`` (an object seen from a little
    higher or lower looks taller or flatter). All channels (alpha too) are
    resampled bilinearly; pixels zoomed in from outside are zero.
    """

    def __init__(self,
                 scale: Sequence[float] = (0.88, 1.14),
                 vertical: Sequence[float] = (1.0, 1.0)) -> None:
        super().__init__()
        self.scale = _check_range('scale', scale, 0.0)
        self.vertical = _check_range('vertical', vertical, 0.0)

    def forward(self,
                images: Tensor,
                generator: Optional[torch.Generator] = None) -> Tensor:
        _check_images(images, 1)
        draws = torch.rand(2, images.shape[0], generator=generator)
        scale = self.scale[0] + (self.scale[1] - self.scale[0]) * draws[0]
        vertical = self.vertical[0] + (
            self.vertical[1] - self.vertical[0]) * draws[1]
        if not len(images):  # affine_grid refuses empty batches
            return images.clone()
        # affine_grid maps output to input coordinates: the inverse zoom
        mat = torch.zeros(images.shape[0], 2, 3, dtype=images.dtype)
        mat[:, 0, 0] = 1.0 / scale
        mat[:, 1, 1] = 1.0 / (scale * vertical)
        mat = mat.to(images.device)
        grid = F.affine_grid(mat, list(images.shape), align_corners=False)
        return F.grid_sample(images, grid, align_corners=False)

    def extra_repr(self) -> str:
        return f'scale={self.scale}, vertical={self.vertical}'
