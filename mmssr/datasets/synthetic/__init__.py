from .categories import BUILDERS, build_object
from .generator import META_FILE, generate_synthetic_dataset
from .objects import render_object_views, synthetic_object_mesh

__all__ = [
    'BUILDERS', 'build_object', 'generate_synthetic_dataset', 'META_FILE',
    'render_object_views', 'synthetic_object_mesh'
]
