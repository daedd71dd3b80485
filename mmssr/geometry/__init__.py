"""Geometry of triangle meshes: templates, topology, the canonical frame,
voxels and surface samples (one module each)."""
from .canonical import axis_rotation, to_canonical
from .icosphere import icosphere
from .sampling import sample_surface
from .topology import interior_edge_quads, unique_edges, vertex_adjacency
from .voxelize import (exterior_cells, solid_voxels, surface_cells,
                       voxel_centers, voxelize_mesh)
from .voxelize_reference import (voxelize_mesh_reference,
                                 voxelize_meshes_reference)

__all__ = [
    'axis_rotation', 'to_canonical', 'icosphere', 'sample_surface',
    'interior_edge_quads', 'unique_edges', 'vertex_adjacency',
    'exterior_cells', 'solid_voxels', 'surface_cells', 'voxel_centers',
    'voxelize_mesh', 'voxelize_mesh_reference', 'voxelize_meshes_reference'
]
