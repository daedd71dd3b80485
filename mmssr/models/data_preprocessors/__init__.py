from .batch_augments import (RandomChannelGain, RandomChannelShuffle,
                             RandomInPlaneRotation)
from .data_preprocessor import MeshDataPreprocessor

__all__ = [
    'MeshDataPreprocessor', 'RandomChannelGain', 'RandomChannelShuffle',
    'RandomInPlaneRotation'
]
