"""A test-only hook: each rank writes its weights and pseudo-label table."""
import os.path as osp

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmssr.registry import HOOKS


@HOOKS.register_module()
class RankStateDumpHook(Hook):

    def after_train(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        state = {
            k: v.detach().cpu().clone()
            for k, v in model.state_dict().items()
        }
        # MMSeparateDistributedDataParallel keeps parts wrapped: unify keys
        state = {k.replace('.module.', '.'): v for k, v in state.items()}
        table = runner.train_dataloader.dataset.datasets[1].pseudo_labels
        torch.save(
            dict(state=state, table=table.clone()),
            osp.join(runner.work_dir, f'rank{get_rank()}.pt'))
