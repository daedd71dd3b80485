from .formatting import PackMeshInputs

__all__ = ['PackMeshInputs']
