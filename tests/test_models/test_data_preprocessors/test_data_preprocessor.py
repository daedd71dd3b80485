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
        pre(dict(inputs=[torch.zeros(4, 8, 8, dtype=torch.uint8),
                         torch.zeros(4, 16, 16, dtype=torch.uint8)]))
