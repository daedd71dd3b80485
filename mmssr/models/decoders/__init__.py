from .template_mesh_decoder import TemplateMeshDecoder

__all__ = ['TemplateMeshDecoder']
