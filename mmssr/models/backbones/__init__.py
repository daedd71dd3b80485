from .softras_encoder import SoftRasEncoder

__all__ = ['SoftRasEncoder']
