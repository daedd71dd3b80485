from .icosphere import icosphere
from .image_ops import rotate_images
from .mesh_topology import interior_edge_quads, unique_edges, vertex_adjacency
from .precision import (COMPUTE_DTYPES, autocast_context, check_compute_dtype,
                        cpu_has_native_bf16, to_channels_last)

__all__ = [
    'COMPUTE_DTYPES', 'autocast_context', 'check_compute_dtype',
    'cpu_has_native_bf16', 'icosphere', 'interior_edge_quads',
    'rotate_images', 'to_channels_last', 'unique_edges', 'vertex_adjacency'
]
