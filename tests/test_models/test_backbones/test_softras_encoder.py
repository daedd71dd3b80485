import pytest
import torch

from mmssr.models import SoftRasEncoder


@pytest.mark.parametrize('size,fc_in', [(64, 16384), (32, 4096)])
def test_shapes(size, fc_in):
    enc = SoftRasEncoder(image_size=size)
    assert enc.fcs[0].in_features == fc_in
    assert enc(torch.rand(3, 4, size, size)).shape == (3, 512)


def test_wrong_input_is_refused():
    enc = SoftRasEncoder(image_size=32)
    with pytest.raises(ValueError, match=r'\(N, 4, 32, 32\)'):
        enc(torch.rand(2, 3, 32, 32))
    with pytest.raises(ValueError, match='multiple of 8'):
        SoftRasEncoder(image_size=30)
