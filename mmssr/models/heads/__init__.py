from .siamvp_head import ReferenceSiamVP, SiamVPHead

__all__ = ['ReferenceSiamVP', 'SiamVPHead']
