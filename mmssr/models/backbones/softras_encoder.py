"""The SoftRas image encoder."""
import torch
from mmengine.model import BaseModule
from torch import Tensor, nn

from mmssr.models.utils.precision import (autocast_context,
                                          check_compute_dtype,
                                          to_channels_last)
from mmssr.registry import MODELS


@MODELS.register_module()
class SoftRasEncoder(BaseModule):
    """Three 5x5 stride-2 convolutions and three fully connected layers.

    ``in_channels`` (RGBA: 4) -> 64 -> 128 -> 256 channels at S/8 x S/8,
    then FC ``256·(S/8)²`` -> 1024 -> 1024 -> ``out_channels``, all ReLU
    (16384 inputs for 64x64 images, as in SoftRas).

    Args:
        channels_last: run the convolutions on channels-last tensors (the
            same arithmetic, faster on CPU with oneDNN).
        compute_dtype: ``'float32'``, ``'bfloat16'`` or ``'auto'`` (bfloat16
            on CPUs with native bfloat16, float32 elsewhere): the precision
            of the convolutions and fully connected layers, under autocast;
            the output is float32. See :mod:`mmssr.models.utils.precision`.
    """

    def __init__(self,
                 in_channels: int = 4,
                 image_size: int = 64,
                 channels: tuple = (64, 128, 256),
                 hidden_dims: tuple = (1024, 1024),
                 out_channels: int = 512,
                 channels_last: bool = False,
                 compute_dtype: str = 'float32',
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        if image_size % 8:
            raise ValueError(f'image_size must be a multiple of 8, got '
                             f'{image_size}')
        self.in_channels = in_channels
        self.image_size = image_size
        self.channels_last = bool(channels_last)
        self.compute_dtype = check_compute_dtype(compute_dtype)
        layers, prev = [], in_channels
        for ch in channels:
            layers += [
                nn.Conv2d(prev, ch, 5, stride=2, padding=2),
                nn.ReLU(inplace=True)
            ]
            prev = ch
        self.convs = nn.Sequential(*layers)
        if self.channels_last:
            self.convs.to(memory_format=torch.channels_last)
        dims = [
            prev * (image_size // 2**len(channels))**2, *hidden_dims,
            out_channels
        ]
        fcs = []
        for a, b in zip(dims[:-1], dims[1:]):
            fcs += [nn.Linear(a, b), nn.ReLU(inplace=True)]
        self.fcs = nn.Sequential(*fcs)

    def forward(self, images: Tensor) -> Tensor:
        if images.dim() != 4 or images.shape[1:] != (self.in_channels,
                                                     self.image_size,
                                                     self.image_size):
            raise ValueError(
                f'expected images (N, {self.in_channels}, {self.image_size}, '
                f'{self.image_size}), got {tuple(images.shape)}')
        with autocast_context(self.compute_dtype, images):
            features = self.convs(to_channels_last(images, self.channels_last))
            return self.fcs(torch.flatten(features, 1)).float()
