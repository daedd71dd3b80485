from .mesh_render import (face_normals, image_grid, lambertian_face_colors,
                          render_mesh_views, rgba_to_rgb)

__all__ = [
    'face_normals', 'image_grid', 'lambertian_face_colors',
    'render_mesh_views', 'rgba_to_rgb'
]
