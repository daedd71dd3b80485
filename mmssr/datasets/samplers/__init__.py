from .semi_supervised_sampler import SemiSupervisedPairSampler

__all__ = ['SemiSupervisedPairSampler']
