"""Small helpers shared by hooks, constructors and models."""
from mmengine.model import is_model_wrapper
from torch import nn


def get_ori_model(model: nn.Module) -> nn.Module:
    """The model inside a DDP (or other registered) wrapper, else itself."""
    return model.module if is_model_wrapper(model) else model


# open3d-cpu loads the system library libusb-1.0 when it is imported.
LIBUSB_HINT = ('open3d needs the system library libusb-1.0, which is '
               'missing: on Debian/Ubuntu run `apt-get install libusb-1.0-0`')


def import_open3d():
    """``import open3d``, with the missing system library named plainly.

    Without libusb-1.0 the import fails with a loader error that does not
    say what to install; this says it.
    """
    try:
        import open3d
    except (ImportError, OSError) as err:
        if 'libusb' in str(err):
            from mmssr.errors import UserError
            raise UserError(LIBUSB_HINT) from err
        raise
    return open3d
