from mmssr.datasets.transforms.foreground import (estimate_silhouette,
                                                  grabcut_silhouette)
from mmssr.datasets.transforms.framing import (FRAMING_RATIO, PreparedImage,
                                               prepare_image)
from .inference import expected_image_size, init_model
from .inferencer import MeshInferencer, save_prediction

__all__ = [
    'init_model', 'expected_image_size', 'MeshInferencer', 'save_prediction',
    'FRAMING_RATIO', 'PreparedImage', 'estimate_silhouette',
    'grabcut_silhouette', 'prepare_image'
]
