"""When to pseudo-label unlabeled viewpoints, and where the table goes."""
import time
from collections import defaultdict
from typing import Optional, Tuple

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
from .protocols import PseudoLabeller, SemiSupervisedData


@HOOKS.register_module()
class SemiSupervisedViewpointHook(Hook):
    """Refresh the unlabeled set's pseudo viewpoints every ``interval``.

    The rule is the model's (``SSRReconstructor.semi_train_cfg``). This hook
    decides when to apply it, shards the unlabeled objects over ranks,
    gathers the table of view ids (-1: none; (N_unlabeled, NUM_VIEWS) in
    the grid format) and of refined cameras (one row per image, NaN: none)
    into the unlabeled dataset, keeps both in checkpoints and logs their
    coverage, accuracy and camera errors, and with refinement the pass's
    mean silhouette IoU (the fit of the accepted cameras, the one figure
    that needs no true camera). The train dataset must be
    ``SemiSupervisedShapeNetDataset``.

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
        self._restored_cameras: Optional[Tensor] = None
        self.agreement = {}
        self.silhouette_iou = float('nan')

    @staticmethod
    def _dataset(runner) -> SemiSupervisedData:
        dataset = runner.train_dataloader.dataset
        if not isinstance(dataset, SemiSupervisedData):
            raise ConfigError(
                'train_dataloader.dataset: SemiSupervisedViewpointHook needs '
                'a semi-supervised dataset (SemiSupervisedShapeNetDataset), '
                f'got {type(dataset).__name__}')
        return dataset

    @staticmethod
    def _model(runner) -> PseudoLabeller:
        model = get_ori_model(runner.model)
        if not isinstance(model, PseudoLabeller):
            raise ConfigError(
                'model: SemiSupervisedViewpointHook needs a model that '
                'pseudo-labels (SSRReconstructor), got '
                f'{type(model).__name__}')
        return model

    def before_train(self, runner) -> None:
        unlabeled = self._dataset(runner).unlabeled
        if self._restored is not None:
            unlabeled.set_pseudo_labels(self._restored, self._restored_cameras)
            self._restored = self._restored_cameras = None
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
        unlabeled = self._dataset(runner).unlabeled
        checkpoint['pseudo_labels'] = unlabeled.pseudo_labels.clone()
        checkpoint['pseudo_cameras'] = unlabeled.pseudo_cameras.clone()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if checkpoint.get('pseudo_labels') is not None:
            # Applied in before_train, once the train dataloader exists.
            self._restored = torch.as_tensor(checkpoint['pseudo_labels'])
            cameras = checkpoint.get('pseudo_cameras')  # none before v2
            self._restored_cameras = (None if cameras is None else
                                      torch.as_tensor(cameras))

    def update(self, runner) -> Optional[Tensor]:
        """Recompute the table if the model is ready; return it."""
        model = self._model(runner)
        if not model.pseudo_label_ready():
            runner.logger.info(
                f'SiamVP running accuracy {model.pseudo_label_gate_value:.3f}'
                f' < gate {model.semi_train_cfg.gate}: no pseudo-labels yet')
            return None
        model.broadcast_siamvp_buffers()
        unlabeled = self._dataset(runner).unlabeled
        start = time.perf_counter()
        views, cameras = self.compute_table(model, self._dataset(runner))
        table = model.merge_pseudo_labels(unlabeled.pseudo_labels, views)
        cameras = model.merge_pseudo_cameras(unlabeled.pseudo_cameras, cameras,
                                             views.view(-1))
        unlabeled.set_pseudo_labels(table, cameras)
        stats = unlabeled.pseudo_label_stats()
        message = (f'pseudo-labels updated in '
                   f'{time.perf_counter() - start:.1f} s: coverage '
                   f'{stats["coverage"]:.3f}, ')
        if not np.isnan(stats['accuracy']):  # only where cameras are known
            message += f'accuracy {stats["accuracy"]:.3f}, '
        message += f'objects with >= 2 views {stats["eligible_objects"]}'
        if not np.isnan(self.silhouette_iou):
            message += f', silhouette IoU {self.silhouette_iou:.3f}'
        if not np.isnan(stats['camera_azimuth']):
            message += (f', camera error: azimuth '
                        f'{stats["camera_azimuth"]:.2f}°, elevation '
                        f'{stats["camera_elevation"]:.2f}°, distance '
                        f'{stats["camera_distance"]:.3f}')
        runner.logger.info(message)
        return table

    def compute_table(self, model: PseudoLabeller,
                      dataset: SemiSupervisedData) -> Tuple[Tensor, Tensor]:
        """The view ids (the table's shape) and cameras (one row per image,
        NaN: none); each rank labels its share. Keeps, per category, the
        reference objects' agreement on this rank's share (an estimate over
        every ``world_size``-th object) in ``self.agreement``, and the mean
        silhouette IoU of the refined cameras of the views accepted in the
        pass (NaN without refinement) in ``self.silhouette_iou``.

        The model gets the views of several agreement groups per call
        (:func:`objects_per_call`: about four SiamVP batches) and embeds a
        category's reference views once per pass.
        """
        rank, world_size = get_dist_info()
        unlabeled = dataset.unlabeled
        table = torch.full(tuple(unlabeled.pseudo_labels.shape), -1)
        flat = table.view(-1)
        cameras = torch.zeros(len(unlabeled.pseudo_cameras), 3)
        agree = defaultdict(list)
        fit = torch.zeros(2, dtype=torch.float64)  # IoU sum, count
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
                group_size=AGREEMENT_GROUP * NUM_VIEWS,
                image_objects=query.image_objects,
                stored_cameras=query.stored_cameras)
            numbers = torch.as_tensor(query.image_indices)
            flat[numbers] = found.views
            if found.cameras is not None:
                cameras[numbers] = found.cameras.nan_to_num(0.0)
            if found.silhouette_iou is not None:
                ious = found.silhouette_iou[found.views >= 0].double()
                ious = ious[torch.isfinite(ious)]
                fit += torch.stack([ious.sum(), ious.new_tensor(len(ious))])
            # one agreement per group of AGREEMENT_GROUP objects' views
            agree[query.category] += found.agreement.repeat_interleave(
                AGREEMENT_GROUP)[:len(query.objects)].tolist()
        self.agreement = {
            k: float(np.nanmean(v))
            for k, v in agree.items() if not np.isnan(v).all()
        }
        if world_size > 1:  # other ranks' rows hold -1 and zeros
            device = next(model.parameters()).device
            table, cameras = table.to(device), cameras.to(device)
            fit = fit.to(device)
            all_reduce(table, op='max')
            all_reduce(cameras, op='sum')
            all_reduce(fit, op='sum')
        table, cameras, fit = table.cpu(), cameras.cpu(), fit.cpu()
        self.silhouette_iou = (float(fit[0] / fit[1])
                               if fit[1] > 0 else float('nan'))
        # a camera's distance is positive: a zero row was never refined
        refined = (cameras != 0).any(1) & (table.view(-1) >= 0)
        cameras[~refined] = float('nan')
        return table, cameras

    def _log(self, runner, unlabeled) -> None:
        stats = unlabeled.pseudo_label_stats()
        scalars = {
            f'pseudo_{k}': stats[k]
            for k in ('coverage', 'accuracy', 'camera_azimuth',
                      'camera_elevation', 'camera_distance')
            if not np.isnan(stats[k])
        }
        if not np.isnan(self.silhouette_iou):
            scalars['pseudo_silhouette_iou'] = self.silhouette_iou
        scalars.update(
            (f'agreement/{k}', v) for k, v in self.agreement.items())
        for key, value in scalars.items():
            runner.message_hub.update_scalar(f'train/{key}', value)
