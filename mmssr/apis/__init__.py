from .inference import (expected_image_size, inference_mesh, init_model,
                        load_rgba_image)

__all__ = [
    'init_model', 'inference_mesh', 'load_rgba_image', 'expected_image_size'
]
