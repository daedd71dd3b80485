"""``tools/train.py --amp``: mmengine's mixed precision, where it exists.

mmengine's ``AmpOptimWrapper`` (float16 autocast with a loss scaler, or
``dtype='bfloat16'``) runs on accelerators only; on a CPU it stops with an
assertion. There the image networks already compute in bfloat16 where the
CPU has it natively (``compute_dtype='auto'`` of the encoder and SiamVP), so
``--amp`` on a CPU is a user error that says so. The renderer stays in
float32 under autocast either way (``mmssr.renderer.precision``).
"""
from mmengine.config import Config
from mmengine.device import get_device

from mmssr.errors import UserError

CPU_AMP_HINT = (
    '--amp: mixed precision (mmengine\'s AmpOptimWrapper) needs a GPU, and '
    'none is available. On a CPU the image networks already run in bfloat16 '
    'where the CPU supports it natively (compute_dtype=\'auto\' in the model '
    'configs); to force it, drop --amp and pass e.g. --cfg-options '
    'model.encoder.compute_dtype=bfloat16 (SSR: '
    'model.reconstructor.encoder.compute_dtype=bfloat16 '
    'model.siamvp.compute_dtype=bfloat16)')


def enable_amp(cfg: Config, device: str = None) -> Config:
    """Make every optimizer wrapper of ``cfg`` an ``AmpOptimWrapper``.

    Raises a :class:`~mmssr.errors.UserError` without an accelerator
    (``device``: mmengine's ``get_device()`` unless given).
    """
    device = get_device() if device is None else device
    if device == 'cpu':
        raise UserError(CPU_AMP_HINT)
    optim_wrapper = cfg.optim_wrapper
    if optim_wrapper.get('constructor') == 'MultiOptimWrapperConstructor':
        for sub in optim_wrapper.values():
            if isinstance(sub, dict) and 'optimizer' in sub:
                sub['type'] = 'AmpOptimWrapper'
    else:
        optim_wrapper['type'] = 'AmpOptimWrapper'
    return cfg
