from .category_balanced_sampler import CategoryBalancedPairSampler
from .semi_supervised_sampler import (SemiSupervisedPairSampler,
                                      fill_sampler_batch_size)

__all__ = [
    'CategoryBalancedPairSampler', 'SemiSupervisedPairSampler',
    'fill_sampler_batch_size'
]
