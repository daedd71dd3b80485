"""SoftRas soft rasterization (Liu et al., ICCV 2019) as composed parts.

``SoftRasterizer`` is the registered model: it projects with a
:class:`LookAtPerspectiveCameras`, rasterizes with the binned
:class:`SoftMeshRasterizer` into sparse :class:`Fragments`, and blends them
into alpha (:func:`soft_silhouette_blend`, analytic backward) and colour
(:func:`hard_rgb_blend` or :func:`softmax_rgb_blend`). The parts live in
their own modules; this one only wires them.
"""
from typing import Optional, Sequence

import torch
from torch import Tensor, nn

from mmssr.registry import MODELS
from .blend import (background_rgb, hard_rgb_blend, soft_silhouette_blend,
                    softmax_rgb_blend)
from .cameras import LookAtPerspectiveCameras
from .fused import (BACKENDS, fused_silhouette, fused_soft_silhouette,
                    resolve_backend)
from .precision import full_precision
from .rasterizer import SoftMeshRasterizer, gather_face_vertices
from .settings import BlendParams, RasterizationSettings


@MODELS.register_module()
class SoftRasterizer(nn.Module):
    """Differentiable soft rasterizer of SoftRas with look-at cameras.

    Args:
        image_size: output resolution S.
        sigma_val: sharpness of the silhouette (SSR: 1e-4).
        gamma_val: temperature of the softmax colour aggregation.
        dist_eps: pairs outside a triangle with ``D < dist_eps`` are skipped.
        near, far: a triangle counts only when all three of its vertices have
            camera depth within ``[near, far]``.
        viewing_angle: half field of view θ in degrees (SSR: 15).
        aggr_func_rgb: ``'hard'`` (colour of the nearest covering triangle)
            or ``'softmax'`` (SoftRas' depth-weighted aggregation).
        fill_back: let back faces take part in colour. Alpha always counts
            every face once, whatever its winding.
        background_color: RGB of pixels no triangle covers.
        bg_eps: normalized-depth of the background term of softmax colour.
        backend: how the silhouette is computed: ``'torch'`` (binned
            fragments and blend, any device; the reference), ``'fused'``
            (one numba pass per direction, no per-pair tensors; CPU only,
            needs numba, else torch with a one-time warning) or ``'auto'``
            (the default: fused on CPU tensors when numba is installed,
            torch otherwise, e.g. on CUDA). Colour (``textures``) always
            takes the torch path.
        pairs_per_chunk: (triangle, pixel) pairs the torch path evaluates at
            once. ``None`` (the default) picks by device: 2**18 on a CPU
            (cache-sized), 2**23 on a GPU (each chunk costs ~180 kernel
            launches, so fewer, larger chunks; ~1.5 GB of intermediates).
            Results do not depend on it beyond rounding.

    The renderer computes in the precision of its inputs, float32 or
    float64, also under ``torch.autocast`` (``--amp``): half-precision inputs
    are promoted to float32 and autocast is off inside, since screen
    distances of order ``sigma = 1e-4`` do not survive float16 or bfloat16.

    Call ``renderer(vertices, faces, eyes, textures=None)`` with vertices
    (B, V, 3), faces (F, 3) or (B, F, 3) long, eyes (B, 3) and optional
    per-face RGB textures (B, F, 3); the result is (B, 4, S, S) RGBA with the
    alpha in channel 3. Without textures only the silhouette is computed and
    the RGB channels hold the background colour. Colour is differentiable
    w.r.t. the textures; gradients w.r.t. vertices flow through the alpha.
    """

    def __init__(self,
                 image_size: int = 64,
                 sigma_val: float = 1e-4,
                 gamma_val: float = 1e-4,
                 dist_eps: float = 1e-10,
                 near: float = 1.0,
                 far: float = 100.0,
                 viewing_angle: float = 15.0,
                 aggr_func_rgb: str = 'softmax',
                 fill_back: bool = True,
                 background_color: Sequence[float] = (0.0, 0.0, 0.0),
                 bg_eps: float = 1e-3,
                 backend: str = 'auto',
                 pairs_per_chunk: Optional[int] = None) -> None:
        super().__init__()
        if pairs_per_chunk is not None and not int(pairs_per_chunk) >= 1:
            raise ValueError('pairs_per_chunk must be a positive integer or '
                             f'None, got {pairs_per_chunk!r}')
        self.pairs_per_chunk = (None if pairs_per_chunk is None else
                                int(pairs_per_chunk))
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got '
                             f'{backend!r}')
        self.backend = backend
        if aggr_func_rgb not in ('hard', 'softmax'):
            raise ValueError("aggr_func_rgb must be 'hard' or 'softmax', "
                             f'got {aggr_func_rgb!r}')
        if not 0.0 < dist_eps < 0.5:
            raise ValueError(f'dist_eps must be in (0, 0.5), got {dist_eps}')
        if not 0.0 < near < far:
            raise ValueError(f'need 0 < near < far, got {near}, {far}')
        self.image_size = int(image_size)
        self.gamma_val = float(gamma_val)
        self.dist_eps = float(dist_eps)
        self.near = float(near)
        self.far = float(far)
        self.viewing_angle = float(viewing_angle)
        self.aggr_func_rgb = aggr_func_rgb
        self.fill_back = bool(fill_back)
        self.background_color = tuple(float(c) for c in background_color)
        self.bg_eps = float(bg_eps)
        self.set_sigma(sigma_val)

    def set_sigma(self, sigma: float) -> None:
        """Change the silhouette sharpness (for sigma schedules)."""
        if not sigma > 0:
            raise ValueError(f'sigma must be positive, got {sigma}')
        self.sigma_val = float(sigma)

    def extra_repr(self) -> str:
        return (f'image_size={self.image_size}, sigma_val={self.sigma_val}, '
                f'viewing_angle={self.viewing_angle}, '
                f'aggr_func_rgb={self.aggr_func_rgb!r}, '
                f'backend={self.backend!r}, '
                f'pairs_per_chunk={self.pairs_per_chunk}')

    def project(self, vertices: Tensor, eyes: Tensor) -> Tensor:
        """World vertices (B, V, 3) -> screen (x', y', z) (B, V, 3)."""
        return self.cameras(eyes).transform_points(vertices)

    @property
    def raster_settings(self) -> RasterizationSettings:
        """Rasterization settings of the current attributes."""
        return RasterizationSettings(self.image_size, self.sigma_val,
                                     self.dist_eps, self.near, self.far)

    @property
    def blend_params(self) -> BlendParams:
        """Blend parameters of the current attributes."""
        return BlendParams(self.sigma_val, self.gamma_val,
                           self.background_color, self.bg_eps, self.fill_back)

    def cameras(self, eyes: Tensor) -> LookAtPerspectiveCameras:
        """Cameras at ``eyes`` (B, 3) with this renderer's viewing angle."""
        return LookAtPerspectiveCameras(eyes, self.viewing_angle)

    def forward(self,
                vertices: Tensor,
                faces: Tensor,
                eyes: Tensor,
                textures: Optional[Tensor] = None) -> Tensor:
        """RGBA (B, 4, S, S) of meshes seen from ``eyes``."""
        # a named scope, so that profiles (benchmark_training.py) can tell
        # the renderer's share of a step
        with torch.profiler.record_function('mmssr.renderer'), \
                full_precision(vertices) as promote:
            vertices, textures = promote(vertices), promote(textures)
            vertices, faces, eyes = self._check_inputs(
                vertices, faces, eyes, textures)
            screen = self.project(vertices, eyes)
            if textures is None and resolve_backend(self.backend,
                                                    screen) == 'fused':
                return _silhouette_rgba(
                    fused_silhouette(screen, faces, self.raster_settings,
                                     self.sigma_val), self.blend_params)
            return _render(
                gather_face_vertices(screen, faces), self.raster_settings,
                self.blend_params, textures, self.aggr_func_rgb,
                self.pairs_per_chunk)

    @staticmethod
    def _check_inputs(vertices, faces, eyes, textures):
        if vertices.dim() != 3 or vertices.shape[-1] != 3:
            raise ValueError('vertices must be (B, V, 3), got '
                             f'{tuple(vertices.shape)}')
        if not vertices.dtype.is_floating_point:
            raise TypeError(f'vertices must be float, got {vertices.dtype}')
        batch = vertices.shape[0]
        if eyes.shape != (batch, 3):
            raise ValueError(f'eyes must be (B, 3) = ({batch}, 3), got '
                             f'{tuple(eyes.shape)}')
        faces = faces.to(device=vertices.device, dtype=torch.long)
        if faces.dim() not in (2, 3) or faces.shape[-1] != 3 or (
                faces.dim() == 3 and faces.shape[0] != batch):
            raise ValueError('faces must be (F, 3) or (B, F, 3), got '
                             f'{tuple(faces.shape)}')
        if faces.numel():
            # one host sync for both bounds (each is one on a GPU)
            low, high = torch.stack([faces.min(), faces.max()]).tolist()
            if low < 0 or high >= vertices.shape[1]:
                raise IndexError('faces index vertices outside [0, '
                                 f'{vertices.shape[1]})')
        if textures is not None and textures.shape != (batch, faces.shape[-2],
                                                       3):
            raise ValueError('textures must be per-face RGB (B, F, 3) = '
                             f'({batch}, {faces.shape[-2]}, 3), got '
                             f'{tuple(textures.shape)}')
        return vertices, faces, eyes.to(vertices)


def _render(face_vertices: Tensor,
            raster_settings: RasterizationSettings,
            blend_params: BlendParams,
            textures: Optional[Tensor],
            aggr_func_rgb: str,
            pairs_per_chunk: Optional[int] = None) -> Tensor:
    """Screen triangles (B, F, 3, 3) -> RGBA (B, 4, S, S)."""
    fragments = SoftMeshRasterizer(
        raster_settings, pairs_per_chunk).rasterize_faces(
        face_vertices, with_barycentrics=textures is not None)
    alpha = soft_silhouette_blend(fragments, blend_params.sigma)
    if textures is None:
        rgb = background_rgb(fragments, blend_params)
    elif aggr_func_rgb == 'hard':
        rgb = hard_rgb_blend(textures, fragments, blend_params)
    else:
        rgb = softmax_rgb_blend(textures, fragments, blend_params,
                                raster_settings.near, raster_settings.far)
    return torch.cat([rgb, alpha.unsqueeze(-1)], -1).permute(0, 3, 1, 2)


def _silhouette_rgba(alpha: Tensor, blend_params: BlendParams) -> Tensor:
    """RGBA (B, 4, S, S): the background colour and alpha (B, S, S)."""
    rgb = torch.as_tensor(
        blend_params.background_color, dtype=alpha.dtype,
        device=alpha.device).view(1, 3, 1, 1)
    return torch.cat(
        [rgb.expand(alpha.shape[0], 3, *alpha.shape[1:]),
         alpha.unsqueeze(1)], 1)


def render_triangles(face_vertices: Tensor,
                     raster_settings: RasterizationSettings,
                     blend_params: Optional[BlendParams] = None,
                     textures: Optional[Tensor] = None,
                     aggr_func_rgb: str = 'softmax',
                     backend: str = 'auto',
                     pairs_per_chunk: Optional[int] = None) -> Tensor:
    """RGBA images (B, 4, S, S) of triangles already on the screen.

    ``face_vertices`` (B, F, 3, 3): screen coordinates in ``[..., :2]`` and
    the camera depth in ``[..., 2]`` (what :meth:`SoftRasterizer.project`
    and :func:`~mmssr.renderer.gather_face_vertices` give). ``blend_params``
    defaults to the raster settings' sigma; the other arguments are those
    of :class:`SoftRasterizer`.
    """
    if aggr_func_rgb not in ('hard', 'softmax'):
        raise ValueError("aggr_func_rgb must be 'hard' or 'softmax', "
                         f'got {aggr_func_rgb!r}')
    if blend_params is None:
        blend_params = BlendParams(sigma=raster_settings.sigma)
    with full_precision(face_vertices) as promote:
        face_vertices, textures = promote(face_vertices), promote(textures)
        if textures is None and resolve_backend(backend,
                                                face_vertices) == 'fused':
            return _silhouette_rgba(
                fused_soft_silhouette(face_vertices, raster_settings),
                blend_params)
        return _render(face_vertices, raster_settings, blend_params,
                       textures, aggr_func_rgb, pairs_per_chunk)
