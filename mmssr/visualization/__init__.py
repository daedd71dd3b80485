from .mesh_render import image_grid, render_mesh_views, rgba_to_rgb
from .vertex_colors import (face_id_map, render_colored_mesh_views,
                            vertex_colors_from_image, visible_vertices)

__all__ = [
    'image_grid', 'render_mesh_views', 'rgba_to_rgb', 'face_id_map',
    'render_colored_mesh_views', 'vertex_colors_from_image', 'visible_vertices'
]
