"""The soft rasterizer of SoftRas, composed of parts as PyTorch3D's renderer:
cameras -> rasterizer (fragments) -> blend / shading.

It imports nothing from models, datasets or engine; models, datasets
(rendering the dataset views) and visualization use it.
"""
from .blend import hard_rgb_blend, soft_silhouette_blend, softmax_rgb_blend
from .cameras import (LookAtPerspectiveCameras, look_at_rotation, perspective,
                      pixel_centers, world_to_camera)
from .fragments import Fragments, PairChunk
from .fused import fused_available, fused_silhouette, fused_soft_silhouette
from .rasterizer import (PAIRS_PER_CHUNK, PAIRS_PER_CHUNK_GPU,
                         SoftMeshRasterizer, default_pairs_per_chunk,
                         gather_face_vertices)
from .settings import BlendParams, RasterizationSettings, influence_radius
from .shading import face_normals, lambertian_face_colors
from .soft_rasterizer import SoftRasterizer, render_triangles

__all__ = [
    'SoftRasterizer', 'render_triangles', 'influence_radius',
    'LookAtPerspectiveCameras', 'look_at_rotation', 'perspective',
    'pixel_centers', 'world_to_camera', 'RasterizationSettings', 'BlendParams',
    'SoftMeshRasterizer', 'Fragments', 'PairChunk', 'PAIRS_PER_CHUNK',
    'PAIRS_PER_CHUNK_GPU', 'default_pairs_per_chunk', 'gather_face_vertices',
    'soft_silhouette_blend', 'hard_rgb_blend', 'softmax_rgb_blend',
    'face_normals', 'lambertian_face_colors', 'fused_available',
    'fused_silhouette', 'fused_soft_silhouette'
]
