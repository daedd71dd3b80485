"""Labeled and unlabeled pairs of one ShapeNet-format dataset, together."""
from typing import Iterator, List, NamedTuple, Optional, Sequence

import numpy as np
from mmengine.dataset import ConcatDataset

from mmssr.errors import ConfigError, DataError
from mmssr.registry import DATASETS
from mmssr.structures.view_cameras import nearest_grid_views


class PseudoLabelQuery(NamedTuple):
    """A chunk of unlabeled objects of one category, ready to be labelled.

    ``images``: all their images (K, 4, S, S) uint8 in stored order
    (``len(objects)·NUM_VIEWS`` views in the grid format);
    ``references``: the views (R, NUM_VIEWS, 4, S, S) of the category's
    labeled objects; ``stored_views``: the grid views of ``images`` (of
    their true cameras where those are off the grid, -1 where unknown) and
    ``stored_cameras`` their true cameras (K, 3), NaN where unknown: the
    hidden truth, read only by the 'oracle' ablation and by diagnostics;
    ``image_indices``: the images' numbers in the unlabeled split's
    pseudo-label table; ``image_objects``: the object of each image.
    """
    category: str
    objects: List[int]
    images: np.ndarray
    references: np.ndarray
    stored_views: np.ndarray
    image_indices: np.ndarray
    image_objects: np.ndarray
    stored_cameras: np.ndarray


@DATASETS.register_module()
class SemiSupervisedShapeNetDataset(ConcatDataset):
    """``ConcatDataset([labeled pairs, unlabeled pairs])`` from one config.

    The first ``num_labeled`` training objects of each category come with
    their viewpoints; the rest of the training objects are unlabeled (their
    viewpoints come from the pseudo-label table). Sharing one set of
    arguments lets configs change ``num_labeled`` or ``categories`` in a
    single place. Pair with ``SemiSupervisedPairSampler`` and the
    ``SemiSupervisedViewpointHook``.

    Args:
        dataset_type: ``'ShapeNetDataset'`` or ``'SyntheticShapeNetDataset'``.
        num_labeled: labeled objects per category (N).
        max_unlabeled: use at most this many unlabeled objects per category
            (the rest of the training file is left out; for studies of the
            gain against the amount of unlabeled data).
        unlabeled_views: where the unlabeled images come from: ``'grid'``
            (the views of the train images file) or ``'file'`` (the
            per-image views files ``{synset}_train_views.npz``, any
            viewpoints, see :class:`UnlabeledViewsDataset`).
        **kwargs: the remaining arguments of ``dataset_type`` (data_root,
            categories, pipeline, ...), given to both parts.
    """

    def __init__(self,
                 dataset_type: str = 'ShapeNetDataset',
                 num_labeled: int = 2,
                 categories: Optional[Sequence[str]] = None,
                 max_unlabeled: Optional[int] = None,
                 unlabeled_views: str = 'grid',
                 **kwargs) -> None:
        if unlabeled_views not in ('grid', 'file'):
            raise DataError("unlabeled_views: expected 'grid' or 'file', got "
                            f'{unlabeled_views!r}')
        for key in ('split', 'mode', 'test_mode'):
            if key in kwargs:
                raise ConfigError(
                    f'train_dataloader.dataset.{key}: '
                    'SemiSupervisedShapeNetDataset sets it itself (labeled '
                    'and unlabeled pairs); remove it from the config')
        common = dict(
            type=dataset_type,
            num_labeled=num_labeled,
            categories=categories,
            mode='pair',
            **kwargs)
        if max_unlabeled is not None and max_unlabeled < 1:
            raise DataError(f'max_unlabeled: expected >= 1 (0 unlabeled '
                            f'objects is SoftRas), got {max_unlabeled}')
        labeled = DATASETS.build(dict(common, split='labeled'))
        cap = [
            c for c in (kwargs.get('max_objects'), max_unlabeled)
            if c is not None
        ]
        unlabeled_cfg = dict(
            common, split='unlabeled', max_objects=min(cap) if cap else None)
        if unlabeled_views == 'file':
            # the labeled part, built first, made any synthetic data
            unlabeled_cfg.pop('synthetic_cfg', None)
            unlabeled_cfg['type'] = 'UnlabeledViewsDataset'
        unlabeled = DATASETS.build(unlabeled_cfg)
        super().__init__([labeled, unlabeled])

    @property
    def labeled(self):
        return self.datasets[0]

    @property
    def unlabeled(self):
        return self.datasets[1]

    def pseudo_label_queries(
            self,
            rank: int = 0,
            world_size: int = 1,
            objects_per_call: int = 16) -> Iterator[PseudoLabelQuery]:
        """What a pseudo-labeller needs, a chunk of objects at a time.

        Yields a :class:`PseudoLabelQuery` per chunk of the unlabeled
        objects of one category (every ``world_size``-th from ``rank``).
        """
        groups = self.unlabeled.objects_by_category()
        for category, objects in groups.items():
            mine = objects[rank::world_size]
            if not mine:
                continue
            references = self.labeled.reference_views(category)
            table = self.unlabeled.pseudo_table
            for start in range(0, len(mine), objects_per_call):
                chunk = mine[start:start + objects_per_call]
                numbers, images = self.unlabeled.object_images(chunk)
                yield PseudoLabelQuery(
                    category, chunk, images, references,
                    nearest_grid_views(table.true_cameras[numbers]), numbers,
                    table.image_objects[numbers], table.true_cameras[numbers])
