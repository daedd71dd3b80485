from .blend import hard_rgb_blend, soft_silhouette_blend, softmax_rgb_blend
from .cameras import LookAtPerspectiveCameras
from .fragments import Fragments, PairChunk
from .fused import fused_available, fused_silhouette, fused_soft_silhouette
from .rasterizer import (PAIRS_PER_CHUNK, PAIRS_PER_CHUNK_GPU,
                         SoftMeshRasterizer, default_pairs_per_chunk,
                         gather_face_vertices)
from .settings import BlendParams, RasterizationSettings, influence_radius
from .shader import face_normals, lambertian_face_colors
from .soft_rasterizer import SoftRasterizer, rasterize

__all__ = [
    'SoftRasterizer', 'rasterize', 'influence_radius',
    'LookAtPerspectiveCameras', 'RasterizationSettings', 'BlendParams',
    'SoftMeshRasterizer', 'Fragments', 'PairChunk', 'PAIRS_PER_CHUNK',
    'PAIRS_PER_CHUNK_GPU', 'default_pairs_per_chunk', 'gather_face_vertices',
    'soft_silhouette_blend', 'hard_rgb_blend', 'softmax_rgb_blend',
    'face_normals', 'lambertian_face_colors', 'fused_available',
    'fused_silhouette', 'fused_soft_silhouette'
]
