"""Converters of other data into the SoftRas / NMR ShapeNet file format."""
from .convert import (CACHE_DIR, META_FILE, check_settings, convert_meshes,
                      print_report)
from .geometry import sample_surface, solid_voxels, surface_cells
from .mesh_io import MeshSkipped, discover, read_mesh, to_canonical
from .render import render_views

__all__ = [
    'CACHE_DIR', 'META_FILE', 'check_settings', 'convert_meshes',
    'print_report', 'sample_surface', 'solid_voxels', 'surface_cells',
    'MeshSkipped', 'discover', 'read_mesh', 'to_canonical', 'render_views'
]
