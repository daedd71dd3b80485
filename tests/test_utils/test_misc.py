import torch
from torch import nn

from mmssr.utils import get_ori_model


def test_get_ori_model_unwraps_ddp_style_wrappers():
    model = nn.Linear(2, 2)
    assert get_ori_model(model) is model

    class Wrapped(torch.nn.parallel.DistributedDataParallel):

        def __init__(self, module):  # no process group needed
            nn.Module.__init__(self)
            self.module = module

    assert get_ori_model(Wrapped(model)) is model
