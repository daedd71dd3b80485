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


def test_missing_libusb_names_the_package(monkeypatch):
    import builtins

    import pytest

    from mmssr.errors import UserError
    from mmssr.utils.misc import import_open3d
    real_import = builtins.__import__

    def no_libusb(name, *args, **kwargs):
        if name == 'open3d':
            raise OSError('libusb-1.0.so.0: cannot open shared object file: '
                          'No such file or directory')
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', no_libusb)
    with pytest.raises(UserError, match='apt-get install libusb-1.0-0'):
        import_open3d()
