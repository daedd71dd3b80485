from .semi_supervised_sampler import (SemiSupervisedPairSampler,
                                      fill_sampler_batch_size)

__all__ = ['SemiSupervisedPairSampler', 'fill_sampler_batch_size']
