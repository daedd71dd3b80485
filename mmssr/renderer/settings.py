"""Typed settings of the renderer parts, in place of long argument lists."""
import math
from dataclasses import dataclass
from typing import Tuple


def influence_radius(sigma: float, dist_eps: float) -> float:
    """Screen distance beyond which an outside pixel is skipped (D < eps)."""
    return math.sqrt(sigma * math.log(1.0 / dist_eps - 1.0))


@dataclass(frozen=True)
class RasterizationSettings:
    """What decides which (triangle, pixel) pairs a rasterizer returns.

    Args:
        image_size: output resolution S (square images).
        sigma: silhouette sharpness; with ``dist_eps`` it sets how far
            outside a triangle a pixel still counts.
        dist_eps: outside pairs with ``D = sigmoid(-d^2 / sigma) < dist_eps``
            are skipped.
        near, far: a triangle counts only when all three of its vertices
            have camera depth within ``[near, far]``.
    """

    image_size: int = 64
    sigma: float = 1e-4
    dist_eps: float = 1e-10
    near: float = 1.0
    far: float = 100.0

    def __post_init__(self) -> None:
        if not self.sigma > 0:
            raise ValueError(f'sigma must be positive, got {self.sigma}')
        if not 0.0 < self.dist_eps < 0.5:
            raise ValueError(
                f'dist_eps must be in (0, 0.5), got {self.dist_eps}')
        if not 0.0 < self.near < self.far:
            raise ValueError(
                f'need 0 < near < far, got {self.near}, {self.far}')

    @property
    def threshold(self) -> float:
        """Squared distance at which an outside pair's D drops to eps."""
        return self.sigma * math.log(1.0 / self.dist_eps - 1.0)

    @property
    def radius(self) -> float:
        """Screen margin by which triangle bounding boxes are expanded."""
        return influence_radius(self.sigma, self.dist_eps)


@dataclass(frozen=True)
class BlendParams:
    """How fragments are turned into alpha and colour.

    Args:
        sigma: silhouette sharpness of ``D = sigmoid(delta d^2 / sigma)``.
        gamma: temperature of the softmax colour aggregation.
        background_color: RGB of pixels no triangle covers.
        bg_eps: normalized depth of the background term of softmax colour.
        fill_back: let back faces take part in colour (alpha always counts
            every face once, whatever its winding).
    """

    sigma: float = 1e-4
    gamma: float = 1e-4
    background_color: Tuple[float, float, float] = (0.0, 0.0, 0.0)
    bg_eps: float = 1e-3
    fill_back: bool = True

    def __post_init__(self) -> None:
        if not self.sigma > 0:
            raise ValueError(f'sigma must be positive, got {self.sigma}')
        if len(self.background_color) != 3:
            raise ValueError('background_color must be RGB, got '
                             f'{self.background_color}')
