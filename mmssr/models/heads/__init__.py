from .siamvp_head import SiamVPHead

__all__ = ['SiamVPHead']
