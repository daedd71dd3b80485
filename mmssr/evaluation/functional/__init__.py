from .surface import chamfer_and_fscore, nearest_neighbours, sample_surface

__all__ = ['sample_surface', 'chamfer_and_fscore', 'nearest_neighbours']
