from .conv_precision import (CONV_DTYPES, check_conv_dtype, conv_context,
                             cpu_has_native_bf16, to_channels_last)
from .icosphere import icosphere
from .image_ops import rotate_images
from .mesh_topology import interior_edge_quads, unique_edges, vertex_adjacency

__all__ = [
    'CONV_DTYPES', 'check_conv_dtype', 'conv_context', 'cpu_has_native_bf16',
    'to_channels_last', 'icosphere', 'interior_edge_quads', 'rotate_images',
    'unique_edges', 'vertex_adjacency'
]
