"""When to pseudo-label unlabeled viewpoints, and where the table goes."""
from collections import defaultdict
from typing import Optional

import numpy as np
import torch
from mmengine.dist import all_reduce, get_dist_info
from mmengine.hooks import Hook
from torch import Tensor

from mmssr.errors import ConfigError
from mmssr.models.reconstructors.pseudo_labeling import (AGREEMENT_GROUP,
                                                         objects_per_call)
from mmssr.registry import HOOKS
from mmssr.structures import NUM_VIEWS
from mmssr.utils import get_ori_model


@HOOKS.register_module()
class SemiSupervisedViewpointHook(Hook):
    """Refresh the unlabeled set's pseudo viewpoints every ``interval``.

    The rule is the model's (``SSRReconstructor.semi_train_cfg``). This hook
    decides when to apply it, shards the unlabeled objects over ranks,
    gathers the table (N_unlabeled, NUM_VIEWS) of view ids (-1: none) into
    the unlabeled dataset, keeps it in checkpoints and logs its coverage and
    accuracy. The train dataset must be ``SemiSupervisedShapeNetDataset``.

    Args:
        interval: how often, in iterations (or epochs with ``by_epoch``).
        by_epoch: count ``interval`` in epochs.
    """

    priority = 'NORMAL'

    def __init__(self, interval: int = 200, by_epoch: bool = False) -> None:
        if interval <= 0:
            raise ConfigError(
                f'SemiSupervisedViewpointHook.interval: expected '
                f'a positive number, got {interval}')
        self.interval, self.by_epoch = int(interval), by_epoch
        self._restored: Optional[Tensor] = None
        self.agreement = {}

    @staticmethod
    def _dataset(runner):
        dataset = runner.train_dataloader.dataset
        if not hasattr(dataset, 'pseudo_label_queries'):
            raise TypeError('SemiSupervisedViewpointHook needs the train '
                            'dataset SemiSupervisedShapeNetDataset, got '
                            f'{type(dataset).__name__}')
        return dataset

    def before_train(self, runner) -> None:
        unlabeled = self._dataset(runner).unlabeled
        if self._restored is not None:
            unlabeled.set_pseudo_labels(self._restored)
            self._restored = None
        self._log(runner, unlabeled)

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None) -> None:
        if not self.by_epoch and self.every_n_train_iters(
                runner, self.interval):
            self.update(runner)
        self._log(runner, self._dataset(runner).unlabeled)

    def after_train_epoch(self, runner) -> None:
        if self.by_epoch and self.every_n_epochs(runner, self.interval):
            self.update(runner)

    def after_train(self, runner) -> None:
        get_ori_model(runner.model).broadcast_siamvp_buffers()

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        table = self._dataset(runner).unlabeled.pseudo_labels
        checkpoint['pseudo_labels'] = table.clone()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if checkpoint.get('pseudo_labels') is not None:
            # Applied in before_train, once the train dataloader exists.
            self._restored = torch.as_tensor(checkpoint['pseudo_labels'])

    def update(self, runner) -> Optional[Tensor]:
        """Recompute the table if the model is ready; return it."""
        model = get_ori_model(runner.model)
        if not model.pseudo_label_ready():
            runner.logger.info(
                f'SiamVP running accuracy {model.pseudo_label_gate_value:.3f}'
                f' < gate {model.semi_train_cfg.gate}: no pseudo-labels yet')
            return None
        model.broadcast_siamvp_buffers()
        unlabeled = self._dataset(runner).unlabeled
        table = model.merge_pseudo_labels(
            unlabeled.pseudo_labels,
            self.compute_table(model, self._dataset(runner)))
        unlabeled.set_pseudo_labels(table)
        runner.logger.info(
            'pseudo-labels updated: coverage {coverage:.3f}, '
            'accuracy {accuracy:.3f}, objects with >= 2 views '
            '{eligible_objects}'.format(**unlabeled.pseudo_label_stats()))
        return table

    def compute_table(self, model, dataset) -> Tensor:
        """The table; each rank labels its share. Keeps, per category, the
        reference objects' agreement on this rank's share (an estimate over
        every ``world_size``-th object) in ``self.agreement``.

        The model gets the views of several agreement groups per call
        (:func:`objects_per_call`: about four SiamVP batches) and embeds a
        category's reference views once per pass.
        """
        rank, world_size = get_dist_info()
        table = torch.full((dataset.unlabeled.num_objects, NUM_VIEWS), -1)
        agree = defaultdict(list)
        embedded = {}
        queries = dataset.pseudo_label_queries(
            rank, world_size, objects_per_call(model.semi_train_cfg))
        for query in queries:
            if query.category not in embedded:  # a category's first call
                embedded = {
                    query.category: model.embed_references(query.references)
                }
            found = model.pseudo_label(
                query.images,
                embedded[query.category],
                query.stored_views,
                group_size=AGREEMENT_GROUP * NUM_VIEWS)
            table[query.objects] = found.views.view(-1, NUM_VIEWS)
            agree[query.category] += found.agreement.repeat_interleave(
                AGREEMENT_GROUP)[:len(query.objects)].tolist()
        self.agreement = {
            k: float(np.nanmean(v))
            for k, v in agree.items() if not np.isnan(v).all()
        }
        if world_size > 1:  # other ranks' rows hold -1
            table = table.to(next(model.parameters()).device)
            all_reduce(table, op='max')
        return table.cpu()

    def _log(self, runner, unlabeled) -> None:
        stats = unlabeled.pseudo_label_stats()
        scalars = {f'pseudo_{k}': stats[k] for k in ('coverage', 'accuracy')}
        scalars.update(
            (f'agreement/{k}', v) for k, v in self.agreement.items())
        for key, value in scalars.items():
            runner.message_hub.update_scalar(f'train/{key}', value)
