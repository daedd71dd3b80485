import pytest
import torch

from mmssr.models import MeshDataPreprocessor


def test_stacks_and_scales():
    pre = MeshDataPreprocessor()
    views = [torch.full((4, 8, 8), 255, dtype=torch.uint8)] * 3
    out = pre(dict(inputs=views))
    assert out['inputs'].shape == (3, 4, 8, 8)
    assert out['inputs'].dtype == torch.float32
    assert out['inputs'].max() == 1.0
    pairs = [torch.zeros(2, 4, 8, 8, dtype=torch.uint8)] * 2
    assert pre(dict(inputs=pairs))['inputs'].shape == (2, 2, 4, 8, 8)


def test_rejects_bad_inputs():
    pre = MeshDataPreprocessor()
    with pytest.raises(ValueError, match='channels|4, S, S'):
        pre(dict(inputs=[torch.zeros(3, 8, 8, dtype=torch.uint8)]))
    with pytest.raises(ValueError, match='share a shape'):
        pre(
            dict(inputs=[
                torch.zeros(4, 8, 8, dtype=torch.uint8),
                torch.zeros(4, 16, 16, dtype=torch.uint8)
            ]))


def test_resizes_to_the_model_input_by_area_means():
    pre = MeshDataPreprocessor(image_size=4)
    views = torch.zeros(2, 2, 4, 8, 8, dtype=torch.uint8)
    views[..., :2, :2] = 255  # one 2x2 block of the top-left 4x4 quarter
    out = pre(dict(inputs=list(views)))['inputs']
    assert out.shape == (2, 2, 4, 4, 4)
    assert torch.allclose(out[..., 0, 0], torch.tensor(1.0))
    assert torch.allclose(out[..., 0, 1], torch.tensor(0.0))
    # a view already at the model's size is left alone
    same = torch.rand(1, 4, 4, 4)
    assert torch.equal(pre.resize(same), same)
    upsized = MeshDataPreprocessor(image_size=16).resize(same)
    assert upsized.shape == (1, 4, 16, 16)


def test_one_host_to_device_copy_per_batch():
    """Per-sample copies were B transfers of inputs plus one per field of
    every data sample. The model's device is 'meta' here, so that the
    copies can be counted on a CPU."""
    from torch.overrides import TorchFunctionMode

    from mmssr.structures import MeshDataSample

    class CountCopies(TorchFunctionMode):

        def __init__(self):
            super().__init__()
            self.copies = []

        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            out = func(*args, **kwargs)
            if isinstance(out, torch.Tensor) and out.device.type == 'meta' \
                    and isinstance(args[0], torch.Tensor) \
                    and args[0].device.type == 'cpu':
                self.copies.append((getattr(func, '__name__',
                                            func), args[0].dtype))
            return out

    pre = MeshDataPreprocessor()
    pre._device = torch.device('meta')  # what .to(device) would set
    samples = [
        MeshDataSample(
            eyes=torch.zeros(2, 3),
            view_ids=torch.tensor([0, 1]),
            gt_voxels=torch.zeros(32, 32, 32, dtype=torch.bool))
        for _ in range(8)
    ]
    views = [torch.zeros(2, 4, 8, 8, dtype=torch.uint8)] * 8
    with CountCopies() as counter:
        out = pre(dict(inputs=views, data_samples=samples))
    assert counter.copies == [('to', torch.uint8)]  # uint8, one transfer
    assert out['inputs'].device.type == 'meta'
    assert out['inputs'].shape == (8, 2, 4, 8, 8)
    assert out['inputs'].dtype == torch.float32
    assert out['data_samples'] is samples
    assert samples[0].gt_voxels.device.type == 'cpu'
