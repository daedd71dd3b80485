from .icosphere import icosphere
from .image_ops import rotate_images
from .mesh_topology import interior_edge_quads, unique_edges, vertex_adjacency

__all__ = [
    'icosphere', 'interior_edge_quads', 'rotate_images', 'unique_edges',
    'vertex_adjacency'
]
