"""Labeled pairs with every category equally likely, as SoftRas draws them."""
from typing import Iterator, Optional

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmssr.registry import DATA_SAMPLERS
from mmssr.structures import NUM_VIEWS, encode_pair


@DATA_SAMPLERS.register_module()
class CategoryBalancedPairSampler(Sampler):
    """Infinite sampler of pairs: a uniform category, a uniform object of
    it, two independent uniform views.

    The SoftRas reference draws its joint 13-category batches this way
    (``examples/recon/datasets.py``, ``get_random_batch``), so a category
    with few objects is seen as often as a large one; mmengine's
    ``InfiniteSampler`` over pair indices weights categories by their
    object counts instead. Each rank draws its own stream, seeded by
    (seed, rank), so a resumed run that replays the sampler sees the same
    pairs.

    Args:
        dataset: a ``'pair'``-mode :class:`ShapeNetDataset`.
        seed: random seed (default: one shared by all ranks).
    """

    def __init__(self, dataset, seed: Optional[int] = None) -> None:
        if getattr(dataset, 'mode', None) != 'pair':
            raise TypeError('CategoryBalancedPairSampler needs a '
                            "'pair'-mode ShapeNetDataset, got "
                            f'{type(dataset).__name__}')
        self.dataset = dataset
        self.rank, _ = get_dist_info()
        self.seed = sync_random_seed() if seed is None else int(seed)
        dataset.full_init()
        self.groups = [
            np.asarray(objs, dtype=np.int64)
            for objs in dataset.objects_by_category().values() if objs
        ]

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng([self.seed, self.rank])
        chunk = 4096
        while True:
            cats = rng.integers(len(self.groups), size=chunk)
            pick = rng.random(chunk)
            objects = np.array([
                self.groups[c][int(p * len(self.groups[c]))]
                for c, p in zip(cats, pick)
            ])
            views = rng.integers(NUM_VIEWS, size=(chunk, 2))
            yield from encode_pair(objects, views[:, 0], views[:, 1]).tolist()

    def __len__(self) -> int:
        return len(self.dataset)

    def set_epoch(self, epoch: int) -> None:
        pass  # one infinite stream; nothing depends on the epoch
