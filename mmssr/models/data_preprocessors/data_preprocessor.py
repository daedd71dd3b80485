"""Batch RGBA uint8 views into float tensors on the model's device."""
from typing import List, Optional, Union

import torch
import torch.nn.functional as F
from mmengine.model import BaseDataPreprocessor
from torch import Tensor

from mmssr.registry import MODELS


@MODELS.register_module()
class MeshDataPreprocessor(BaseDataPreprocessor):
    """Stack ``inputs``, scale them from uint8 to [0, 1] and resize them.

    Each input is an RGBA view (4, S, S) or a stack of views (K, 4, S, S);
    the batch becomes (B, 4, s, s) or (B, K, 4, s, s) float on the model's
    device. The views are stacked on the host and copied in one transfer,
    as uint8 (a quarter of the float bytes), then scaled on the device.
    Data samples stay on the host: the models move the few per-sample
    values they use (eyes, view ids) as one stacked tensor each, where
    moving every sample would be one small copy per field and sample
    (voxels of validation batches included, which the metric reads on the
    host anyway).

    Args:
        num_channels: channels of every view (RGBA: 4).
        image_size: the model's input size s. Larger views are averaged
            over pixel areas (the same block means the renders were made
            with), so a dataset can be read at its stored size; ``None``
            keeps the size the data has.
    """

    def __init__(self,
                 num_channels: int = 4,
                 image_size: Optional[int] = None) -> None:
        super().__init__()
        self.num_channels = num_channels
        self.image_size = image_size

    def forward(self, data: dict, training: bool = False) -> dict:
        inputs: Union[Tensor, List[Tensor]] = data['inputs']
        if isinstance(inputs, (list, tuple)):
            shapes = {tuple(x.shape) for x in inputs}
            if len(shapes) != 1:
                raise ValueError('inputs of one batch must share a shape, '
                                 f'got {sorted(shapes)}')
            inputs = torch.stack([torch.as_tensor(x) for x in inputs])
        inputs = self.cast_data(inputs)
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
        return dict(
            inputs=self.resize(inputs), data_samples=data.get('data_samples'))

    def resize(self, images: Tensor) -> Tensor:
        """Views (..., C, S, S) at ``image_size`` (area mean to shrink)."""
        size = self.image_size
        if size is None or images.shape[-1] == size and \
                images.shape[-2] == size:
            return images
        lead = images.shape[:-3]
        flat = images.reshape(-1, *images.shape[-3:])
        mode = 'area' if size < images.shape[-1] else 'bilinear'
        flat = F.interpolate(
            flat,
            size=(size, size),
            mode=mode,
            **({} if mode == 'area' else dict(align_corners=False)))
        return flat.reshape(*lead, *flat.shape[-3:])
