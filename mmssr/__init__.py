"""mmssr: SSR (Semi-supervised Soft Rasterizer) on mmengine."""
from .version import __version__, version_info

__all__ = ['__version__', 'version_info']
