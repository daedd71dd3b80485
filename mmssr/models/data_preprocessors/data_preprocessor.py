"""Batch RGBA uint8 views into float tensors on the model's device."""
from typing import List, Union

import torch
from mmengine.model import BaseDataPreprocessor
from torch import Tensor

from mmssr.registry import MODELS


@MODELS.register_module()
class MeshDataPreprocessor(BaseDataPreprocessor):
    """Stack ``inputs`` and scale them from uint8 to [0, 1].

    Each input is an RGBA view (4, S, S) or a stack of views (K, 4, S, S);
    the batch becomes (B, 4, S, S) or (B, K, 4, S, S) float on the model's
    device, and data samples move there too.
    """

    def __init__(self, num_channels: int = 4) -> None:
        super().__init__()
        self.num_channels = num_channels

    def forward(self, data: dict, training: bool = False) -> dict:
        data = self.cast_data(data)
        inputs: Union[Tensor, List[Tensor]] = data['inputs']
        if isinstance(inputs, (list, tuple)):
            shapes = {tuple(x.shape) for x in inputs}
            if len(shapes) != 1:
                raise ValueError('inputs of one batch must share a shape, '
                                 f'got {sorted(shapes)}')
            inputs = torch.stack(list(inputs))
        if inputs.dim() not in (4, 5) or inputs.shape[-3] != \
                self.num_channels:
            raise ValueError(
                f'expected inputs (B, {self.num_channels}, S, S) or '
                f'(B, K, {self.num_channels}, S, S), got '
                f'{tuple(inputs.shape)}')
        if inputs.dtype == torch.uint8:
            inputs = inputs.float() / 255.0
        else:
            inputs = inputs.float()
        return dict(inputs=inputs, data_samples=data.get('data_samples'))
