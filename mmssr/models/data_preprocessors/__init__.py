from .data_preprocessor import MeshDataPreprocessor

__all__ = ['MeshDataPreprocessor']
