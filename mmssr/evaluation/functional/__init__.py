from .surface import chamfer_and_fscore, nearest_neighbours

__all__ = ['chamfer_and_fscore', 'nearest_neighbours']
