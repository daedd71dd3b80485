"""Batches that mix labeled pairs with pseudo-labelled unlabeled pairs."""
from typing import Iterator, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmssr.errors import ConfigError
from mmssr.registry import DATA_SAMPLERS
from mmssr.structures import NUM_VIEWS, encode_pair


@DATA_SAMPLERS.register_module()
class SemiSupervisedPairSampler(Sampler):
    """Infinite sampler of SSR batches for ``SemiSupervisedShapeNetDataset``.

    Each batch of ``batch_size`` indices (the dataloader's ``batch_size``;
    ``tools/train.py`` fills it in from there when the config leaves it out,
    see :func:`fill_sampler_batch_size`) is ``batch_size − num_unlabeled``
    labeled pairs followed by ``num_unlabeled`` pairs of unlabeled objects
    that have at least two pseudo-labelled images (two distinct accepted
    images each, seen from their pseudo-labels' cameras). Until such objects
    exist, whole batches are labeled. The pseudo-label table is read when
    each batch is drawn.

    Labeled pairs come in twins (``twin_labeled``): a uniform object and two
    uniform views, then another labeled object of the same category seen
    from the same two views. Every object and view stays equally likely for
    the reconstructor, and SiamVP gets same-viewpoint pairs of different
    objects of one category, its positives, in every batch; with two
    labeled objects per category random pairs almost never contain any.

    Each batch comes from its own generator seeded by (seed, rank, batch
    number), so a replayed sampler (mmengine skips trained batches on resume)
    yields the same indices; in DDP every rank draws its own batches.
    """

    def __init__(self,
                 dataset,
                 batch_size: Optional[int] = None,
                 num_unlabeled: Optional[int] = None,
                 seed: Optional[int] = None,
                 twin_labeled: bool = True) -> None:
        parts = getattr(dataset, 'datasets', None)
        if parts is None or len(parts) != 2 or any(
                getattr(d, 'mode', None) != 'pair' for d in parts):
            raise TypeError(
                'SemiSupervisedPairSampler needs a ConcatDataset of two '
                "'pair'-mode datasets [labeled, unlabeled] (e.g. "
                f'SemiSupervisedShapeNetDataset), got {type(dataset).__name__}'
            )
        if batch_size is None:
            raise ConfigError(
                'train_dataloader.sampler.batch_size: not set; give it '
                'the dataloader\'s batch_size (tools/train.py and '
                'mmssr.utils.prepare_runner_cfg fill it in)')
        if num_unlabeled is None:
            raise ConfigError('train_dataloader.sampler.num_unlabeled (the '
                              'unlabeled pairs of each batch): not set')
        if not 0 <= num_unlabeled <= batch_size:
            raise ConfigError(
                f'train_dataloader.sampler.num_unlabeled: expected a number '
                f'in [0, batch_size={batch_size}], got {num_unlabeled}')
        self.dataset = dataset
        self.labeled, self.unlabeled = parts
        self.offset = len(self.labeled)
        self.batch_size = int(batch_size)
        self.num_unlabeled = int(num_unlabeled)
        self.rank, self.world_size = get_dist_info()
        self.seed = sync_random_seed() if seed is None else int(seed)
        self.epoch = 0
        self.twin_labeled = twin_labeled
        cats = np.asarray(self.labeled.object_categories)
        self._same_category = [np.nonzero(cats == c)[0] for c in cats]

    def _batch(self, number: int) -> np.ndarray:
        rng = np.random.default_rng([self.seed, self.rank, number])
        table = self.unlabeled.pseudo_table
        accepted = table.accepted()
        per_object = np.bincount(
            table.image_objects[accepted], minlength=len(table.counts))
        eligible = np.nonzero(per_object >= 2)[0]
        num_unl = self.num_unlabeled if len(eligible) else 0
        num_lab = self.batch_size - num_unl
        if self.twin_labeled:
            first = rng.integers(
                self.labeled.num_objects, size=(num_lab + 1) // 2)
            twins = []
            for obj in first:
                others = self._same_category[obj]
                others = others[others != obj] if len(others) > 1 else others
                twins.append(others[rng.integers(len(others))])
            objects = np.stack([first, np.asarray(twins)], 1).reshape(-1)
            views = np.repeat(
                rng.integers(NUM_VIEWS, size=(len(first), 2)), 2, 0)
            objects, views = objects[:num_lab], views[:num_lab]
        else:
            objects = rng.integers(self.labeled.num_objects, size=num_lab)
            views = rng.integers(NUM_VIEWS, size=(num_lab, 2))
        indices = encode_pair(objects, views[:, 0], views[:, 1])
        if num_unl:
            chosen = eligible[rng.integers(len(eligible), size=num_unl)]
            pairs = []
            for obj in chosen:
                mine = accepted[table.object_images(obj)]
                a, b = rng.choice(np.nonzero(mine)[0], 2, replace=False)
                pairs.append(self.offset +
                             self.unlabeled.pair_index(obj, a, b))
            indices = np.concatenate([indices, np.asarray(pairs)])
        return indices

    def __iter__(self) -> Iterator[int]:
        number = 0
        while True:
            yield from self._batch(number).tolist()
            number += 1

    def __len__(self) -> int:
        # Infinite; one "epoch" is a pass over the labeled pairs.
        return len(self.labeled)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch


def fill_sampler_batch_size(dataloader_cfg: dict) -> None:
    """Give a ``SemiSupervisedPairSampler`` its dataloader's batch size.

    The sampler draws whole batches, so both sizes must agree; filling one
    from the other keeps configs from stating it twice. A sampler that
    states a different size is an error.
    """
    sampler = dataloader_cfg.get('sampler') or {}
    if not isinstance(sampler, dict) or sampler.get('type') not in (
            'SemiSupervisedPairSampler', SemiSupervisedPairSampler):
        return
    size = dataloader_cfg.get('batch_size')
    if sampler.get('batch_size') is None:
        sampler['batch_size'] = size
    elif size is not None and sampler['batch_size'] != size:
        raise ValueError(
            f'sampler.batch_size={sampler["batch_size"]} differs from the '
            f'dataloader\'s batch_size={size}; set only the dataloader\'s')
