"""Load a reconstructor and turn images into meshes."""
import os.path as osp
from typing import Optional, Union

import torch
from mmengine.config import Config

from mmssr.registry import MODELS
from mmssr.structures.color import (MODEL_COLOR_CONVENTION,
                                    check_color_convention)
from mmssr.utils import register_all_modules
from mmssr.utils.checkpoint import load_checkpoint_strict


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               prefix: Optional[str] = None) -> torch.nn.Module:
    """Build the model of ``config`` and load ``checkpoint`` into it.

    Checkpoints load with torch's safe ``weights_only=True`` unpickler and
    strictly: a checkpoint of another model type, image size or template
    size raises :class:`~mmssr.errors.CheckpointError` saying which.
    ``prefix='reconstructor.'`` loads the reconstructor of an SSR checkpoint
    into a SoftRas config. ``model.dataset_meta`` is the checkpoint's record
    of its training data (``{}`` without a checkpoint); see
    :func:`input_color_convention`.
    """
    if isinstance(config, str):
        if not osp.isfile(config):
            raise FileNotFoundError(f'config file not found: {config}')
        config = Config.fromfile(config)
    register_all_modules()
    model = MODELS.build(config.model)
    model.dataset_meta = {}
    if checkpoint is not None:
        loaded = load_checkpoint_strict(model, checkpoint, prefix=prefix)
        meta = loaded.get('meta') if isinstance(loaded, dict) else None
        dataset_meta = meta.get('dataset_meta') if isinstance(meta,
                                                              dict) else None
        model.dataset_meta = {'checkpoint': True, **(dataset_meta or {})}
    model.cfg = config
    return model.to(device).eval()


def input_color_convention(model: torch.nn.Module) -> str:
    """The colour convention the model's inputs must be in.

    What its checkpoint was trained on (``dataset_meta['color_convention']``
    of the checkpoint); true colour for checkpoints of mmssr versions that
    did not record it (they were trained on true-colour files); the model
    convention for a model without a checkpoint.
    """
    meta = getattr(model, 'dataset_meta', None) or {}
    if 'color_convention' in meta:
        return check_color_convention(meta['color_convention'])
    return 'true' if meta.get('checkpoint') else MODEL_COLOR_CONVENTION


def expected_image_size(model: torch.nn.Module) -> int:
    """The input resolution the model's renderer is configured for."""
    recon = getattr(model, 'reconstructor', model)
    return int(recon.renderer.image_size)
