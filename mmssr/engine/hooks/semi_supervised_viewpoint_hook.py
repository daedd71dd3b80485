"""Pseudo-label the viewpoints of unlabeled images with SiamVP."""
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
from mmengine.dist import all_gather, all_reduce, broadcast, get_dist_info
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from torch import Tensor

from mmssr.models.utils import rotate_images
from mmssr.registry import HOOKS


@HOOKS.register_module()
class SemiSupervisedViewpointHook(Hook):
    """Keep the unlabeled set's table of pseudo viewpoints up to date.

    Every ``interval`` training iterations (or epochs with ``by_epoch``),
    once the model's running SiamVP accuracy reaches ``accuracy_gate``, every
    view of every unlabeled object is compared with the 24 reference views of
    labeled objects of its category; the most similar reference viewpoint
    becomes its pseudo-label when SiamVP's probability exceeds
    ``confidence_threshold`` (and, with ``rotation_check``, when a copy of the
    query and references rotated in-plane by ``rotation_angle`` agrees). The
    table (N_unlabeled, 24) in {-1, 0..23} is written into the unlabeled
    dataset, saved in checkpoints and restored on resume.

    The train dataloader's dataset must be ``ConcatDataset([labeled,
    unlabeled])`` of pair datasets (see ``SemiSupervisedPairSampler``).

    Args:
        interval: how often to pseudo-label.
        by_epoch: count ``interval`` in epochs instead of iterations.
        accuracy_gate: minimum running SiamVP training accuracy.
        confidence_threshold: τ, the minimum confidence.
        confidence: ``'probability'`` (the paper: SiamVP's same-viewpoint
            probability of the chosen reference view) or ``'margin'`` (that
            probability minus the one of the runner-up view). The margin is
            low when two reference views look alike to SiamVP, which the
            probability alone does not see; on the synthetic benchmark it
            ranks right pseudo-labels far better (see the README).
        reference: ``'first'`` (the first labeled object of the category, as
            in the paper) or ``'all'`` (every labeled object of it).
        rotation_check: also require agreement on a rotated copy.
        rotation_angle: in-plane rotation of that copy, in degrees.
        batch_size: images per SiamVP forward pass.
    """

    priority = 'NORMAL'

    def __init__(self,
                 interval: int = 200,
                 by_epoch: bool = False,
                 accuracy_gate: float = 0.99,
                 confidence_threshold: float = 0.8,
                 confidence: str = 'probability',
                 reference: str = 'first',
                 rotation_check: bool = False,
                 rotation_angle: float = 45.0,
                 batch_size: int = 256) -> None:
        if interval <= 0:
            raise ValueError(f'interval must be positive, got {interval}')
        if not 0.0 <= confidence_threshold < 1.0:
            raise ValueError('confidence_threshold must lie in [0, 1), got '
                             f'{confidence_threshold}')
        if confidence not in ('probability', 'margin'):
            raise ValueError("confidence must be 'probability' or 'margin', "
                             f'got {confidence!r}')
        if reference not in ('first', 'all'):
            raise ValueError("reference must be 'first' or 'all', got "
                             f'{reference!r}')
        self.interval = int(interval)
        self.by_epoch = by_epoch
        self.accuracy_gate = float(accuracy_gate)
        self.confidence_threshold = float(confidence_threshold)
        self.confidence = confidence
        self.reference = reference
        self.rotation_check = rotation_check
        self.rotation_angle = float(rotation_angle)
        self.batch_size = int(batch_size)
        self._restored: Optional[Tensor] = None
        self.num_updates = 0

    # -- datasets ---------------------------------------------------------
    @staticmethod
    def _datasets(runner):
        dataset = runner.train_dataloader.dataset
        parts = getattr(dataset, 'datasets', None)
        if parts is None or len(parts) != 2 or not hasattr(
                parts[1], 'set_pseudo_labels'):
            raise TypeError(
                'SemiSupervisedViewpointHook needs train_dataloader.dataset = '
                'ConcatDataset([labeled, unlabeled]) with an unlabeled '
                'ShapeNetDataset second; got '
                f'{type(dataset).__name__}')
        return parts[0], parts[1]

    @staticmethod
    def _siamvp(runner):
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if not hasattr(model, 'siamvp'):
            raise TypeError('SemiSupervisedViewpointHook needs a model with '
                            f'a `siamvp` head, got {type(model).__name__}')
        siamvp = model.siamvp
        # MMSeparateDistributedDataParallel wraps each part in DDP
        return model, getattr(siamvp, 'module', siamvp)

    # -- hook points ------------------------------------------------------
    def before_train(self, runner) -> None:
        _, unlabeled = self._datasets(runner)
        if self._restored is not None:
            unlabeled.set_pseudo_labels(self._restored)
            self._restored = None
        self._log_table(runner, unlabeled)

    def after_train_iter(self, runner, batch_idx: int,
                         data_batch=None, outputs=None) -> None:
        if not self.by_epoch and self.every_n_train_iters(
                runner, self.interval):
            self.update(runner)
        _, unlabeled = self._datasets(runner)
        self._log_table(runner, unlabeled)

    def after_train_epoch(self, runner) -> None:
        if self.by_epoch and self.every_n_epochs(runner, self.interval):
            self.update(runner)

    def after_train(self, runner) -> None:
        _, siamvp = self._siamvp(runner)
        self._sync_buffers(siamvp)

    @staticmethod
    def _sync_buffers(siamvp) -> None:
        """Give every rank rank 0's BatchNorm statistics.

        DDP broadcasts buffers only at the start of a training forward, so
        after it each rank holds its own statistics; pseudo-labels (eval
        mode) must come from one network.
        """
        if get_dist_info()[1] > 1:
            for buf in siamvp.buffers():
                broadcast(buf, src=0)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        _, unlabeled = self._datasets(runner)
        checkpoint['pseudo_labels'] = unlabeled.pseudo_labels.clone()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        table = checkpoint.get('pseudo_labels')
        if table is None:
            return
        self._restored = torch.as_tensor(table)
        try:
            _, unlabeled = self._datasets(runner)
        except (AttributeError, TypeError, RuntimeError):
            return  # applied in before_train once the dataloader exists
        unlabeled.set_pseudo_labels(self._restored)

    # -- pseudo-labelling -------------------------------------------------
    def update(self, runner) -> Optional[Tensor]:
        """Recompute the table if SiamVP passed the gate; return it."""
        model, siamvp = self._siamvp(runner)
        # Ranks see different batches; they must agree on passing the gate
        # or the shards' all_gather below would wait forever.
        gate = model.siamvp_accuracy.detach().clone().float()
        if get_dist_info()[1] > 1:
            all_reduce(gate, op='mean')
        gate_value = float(gate)
        if gate_value < self.accuracy_gate:
            runner.logger.info(
                f'SiamVP running accuracy {gate_value:.3f} < gate '
                f'{self.accuracy_gate}: no pseudo-labels yet')
            return None
        labeled, unlabeled = self._datasets(runner)
        self._sync_buffers(siamvp)
        table = self.compute_table(siamvp, labeled, unlabeled)
        unlabeled.set_pseudo_labels(table)
        self.num_updates += 1
        stats = self.table_stats(unlabeled)
        runner.logger.info(
            f'pseudo-labels updated: coverage {stats["coverage"]:.3f}, '
            f'accuracy {stats["accuracy"]:.3f}, objects with >= 2 views '
            f'{stats["eligible_objects"]}')
        return table

    def _references(self, labeled, category: str) -> np.ndarray:
        objects = [i for i, c in enumerate(labeled.object_categories)
                   if c == category]
        if not objects:
            raise ValueError(f'no labeled object of category "{category}" '
                             'to take reference views from')
        if self.reference == 'first':
            objects = objects[:1]
        views = np.arange(24)
        return np.stack([labeled.get_images([o] * 24, views)
                         for o in objects])  # (R, 24, 4, S, S)

    @torch.no_grad()
    def compute_table(self, siamvp, labeled, unlabeled) -> Tensor:
        """The pseudo-label table; each rank computes a shard of objects."""
        views, conf = self.predict_unlabeled(siamvp, labeled, unlabeled)
        table = torch.where(conf > self.confidence_threshold, views,
                            torch.full_like(views, -1))
        if get_dist_info()[1] > 1:
            device = next(siamvp.parameters()).device
            gathered = all_gather(table.to(device))
            table = torch.stack(gathered).amax(dim=0).cpu()
        return table

    @torch.no_grad()
    def predict_unlabeled(self, siamvp, labeled,
                          unlabeled) -> Tuple[Tensor, Tensor]:
        """SiamVP's answer for every view of this rank's unlabeled objects.

        Returns the most similar reference view and its ``confidence``,
        both (N_unlabeled, 24); rows of other ranks' objects are -1 and 0.
        With ``rotation_check`` the confidence is 0 where the rotated copy
        disagrees, so no threshold accepts those views.
        """
        rank, world_size = get_dist_info()
        device = next(siamvp.parameters()).device
        num_objects = unlabeled.num_objects
        views = torch.full((num_objects, 24), -1, dtype=torch.long)
        conf = torch.zeros(num_objects, 24)
        categories = unlabeled.object_categories
        by_category: Dict[str, List[int]] = {}
        for obj in range(rank, num_objects, world_size):
            by_category.setdefault(categories[obj], []).append(obj)
        objects_per_chunk = max(1, self.batch_size // 24)
        for category, objects in by_category.items():
            refs = torch.from_numpy(self._references(labeled, category))
            refs = refs.to(device).float().div_(255.0)
            for start in range(0, len(objects), objects_per_chunk):
                chunk = objects[start:start + objects_per_chunk]
                images = unlabeled.get_images(np.repeat(chunk, 24),
                                              np.tile(np.arange(24),
                                                      len(chunk)))
                images = torch.from_numpy(images).to(device).float() / 255.0
                chunk_views, chunk_conf = self._predict(siamvp, images, refs)
                views[chunk] = chunk_views.view(len(chunk), 24).cpu()
                conf[chunk] = chunk_conf.view(len(chunk), 24).float().cpu()
        return views, conf

    def _predict(self, siamvp, images: Tensor,
                 refs: Tensor) -> Tuple[Tensor, Tensor]:
        views, conf, probs = siamvp.predict_viewpoints(
            images, refs, batch_size=self.batch_size)
        if self.confidence == 'margin':
            top2 = probs.topk(2, dim=1).values
            conf = top2[:, 0] - top2[:, 1]
        if self.rotation_check:
            size = refs.shape[-3:]
            rot_refs = rotate_images(refs.reshape(-1, *size),
                                     self.rotation_angle).view_as(refs)
            rot_views, _, _ = siamvp.predict_viewpoints(
                rotate_images(images, self.rotation_angle), rot_refs,
                batch_size=self.batch_size)
            conf = torch.where(rot_views == views, conf,
                               torch.zeros_like(conf))
        return views, conf

    @staticmethod
    def table_stats(unlabeled) -> Dict[str, float]:
        """Coverage, accuracy against the stored view order, eligibility.

        The accuracy uses the true view ids (the stored image order), a
        diagnostic that never reaches the training losses.
        """
        table = unlabeled.pseudo_labels
        accepted = table >= 0
        truth = torch.arange(24).expand_as(table)
        num = int(accepted.sum())
        return dict(
            coverage=num / max(table.numel(), 1),
            accuracy=(float((table == truth)[accepted].float().mean())
                      if num else 0.0),
            eligible_objects=int((accepted.sum(1) >= 2).sum()))

    def _log_table(self, runner, unlabeled) -> None:
        stats = self.table_stats(unlabeled)
        hub = runner.message_hub
        hub.update_scalar('train/pseudo_coverage', stats['coverage'])
        hub.update_scalar('train/pseudo_accuracy', stats['accuracy'])
