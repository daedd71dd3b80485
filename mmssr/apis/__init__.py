from .image_io import (FRAMING_RATIO, PreparedImage, estimate_silhouette,
                       prepare_image, read_image)
from .inference import (expected_image_size, inference_mesh, init_model,
                        load_rgba_image)
from .inferencer import MeshInferencer, save_prediction, write_mesh

__all__ = [
    'init_model', 'inference_mesh', 'load_rgba_image', 'expected_image_size',
    'MeshInferencer', 'save_prediction', 'write_mesh', 'FRAMING_RATIO',
    'PreparedImage', 'estimate_silhouette', 'prepare_image', 'read_image'
]
