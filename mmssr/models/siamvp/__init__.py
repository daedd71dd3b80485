"""SiamVP, the siamese viewpoint network, and the batch augments of its
training images."""
from .batch_augments import (RandomChannelGain, RandomChannelShuffle,
                             RandomInPlaneRotation, RandomZoom)
from .siamvp import ReferenceSiamVP, SiamVP

__all__ = [
    'SiamVP', 'ReferenceSiamVP', 'RandomChannelGain', 'RandomChannelShuffle',
    'RandomInPlaneRotation', 'RandomZoom'
]
