"""Small helpers shared by hooks, constructors and models."""
from mmengine.model import is_model_wrapper
from torch import nn


def get_ori_model(model: nn.Module) -> nn.Module:
    """The model inside a DDP (or other registered) wrapper, else itself."""
    return model.module if is_model_wrapper(model) else model
