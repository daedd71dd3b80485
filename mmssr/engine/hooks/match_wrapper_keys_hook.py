"""Checkpoints hold the keys of the unwrapped model, wrapped or not."""
from collections import OrderedDict

from mmengine.hooks import Hook

from mmssr.registry import HOOKS
from mmssr.utils.checkpoint.keys import (match_wrapper_keys,
                                         model_state_shapes, plain_key)


@HOOKS.register_module()
class MatchWrapperKeysHook(Hook):
    """Checkpoints hold the keys of the unwrapped model, and load into the
    model wrapped or not.

    In ``default_hooks`` (``configs/_base_/default_runtime.py``), so every
    runner built from an mmssr config has it: before a save, wrapper
    segments (``.module.`` of DDP-wrapped sub-modules) are dropped from the
    state-dict keys; after a load (resume) the keys are matched to the
    model's.
    """

    priority = 'VERY_HIGH'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict')
        if isinstance(state, dict):
            plain = OrderedDict((plain_key(k), v) for k, v in state.items())
            metadata = getattr(state, '_metadata', None)
            if metadata is not None:
                plain._metadata = OrderedDict(
                    (plain_key(k), v) for k, v in metadata.items())
            checkpoint['state_dict'] = plain

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        state = checkpoint.get('state_dict')
        if isinstance(state, dict):
            checkpoint['state_dict'] = match_wrapper_keys(
                state, model_state_shapes(runner.model))
