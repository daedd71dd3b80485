from .softras_reconstructor import SoftRasReconstructor
from .ssr_reconstructor import SSRReconstructor

__all__ = ['SoftRasReconstructor', 'SSRReconstructor']
