"""Pack dataset items into model inputs and data samples."""
import numpy as np
import torch
from mmcv.transforms import BaseTransform

from mmssr.registry import TRANSFORMS
from mmssr.structures import MeshDataSample

META_KEYS = ('category', 'synset', 'obj_index', 'object_idx', 'sample_idx',
             'is_labeled')
TENSOR_META_KEYS = ('view_ids', 'source_view_ids', 'eyes')


@TRANSFORMS.register_module()
class PackMeshInputs(BaseTransform):
    """``{'inputs': uint8 (K, 4, S, S) or (4, S, S), 'data_samples'}``.

    Pairs keep their two views stacked; single views ('view' mode) drop the
    view axis. Viewpoint metadata become tensors in the sample's metainfo,
    ``gt_voxels`` a bool data field and ``gt_points`` (P, 6) a float one.
    """

    def transform(self, results: dict) -> dict:
        images = np.ascontiguousarray(results['images'])
        if images.ndim != 4 or images.shape[1] != 4:
            raise ValueError('images must be (K, 4, S, S) RGBA views, got '
                             f'{images.shape}')
        inputs = torch.from_numpy(images)
        if inputs.shape[0] == 1:
            inputs = inputs[0]
        sample = MeshDataSample()
        meta = {k: results[k] for k in META_KEYS if k in results}
        for key in TENSOR_META_KEYS:
            if key in results:
                meta[key] = torch.as_tensor(np.asarray(results[key]))
        sample.set_metainfo(meta)
        if 'gt_voxels' in results:
            sample.gt_voxels = torch.from_numpy(
                np.asarray(results['gt_voxels'], dtype=bool))
        if 'gt_points' in results:  # (P, 6) surface points: xyz + normal
            sample.gt_points = torch.from_numpy(
                np.ascontiguousarray(results['gt_points'], dtype=np.float32))
        return dict(inputs=inputs, data_samples=sample)
