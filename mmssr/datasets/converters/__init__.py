"""Converters of other data into the SoftRas / NMR ShapeNet file format."""
from .convert import CACHE_DIR, META_FILE, check_settings, convert_meshes
from .discovery import SourceMesh, discover
from .report import print_report

__all__ = [
    'CACHE_DIR', 'META_FILE', 'check_settings', 'convert_meshes',
    'print_report', 'SourceMesh', 'discover'
]
