from .soft_rasterizer import SoftRasterizer, influence_radius, rasterize

__all__ = ['SoftRasterizer', 'rasterize', 'influence_radius']
