"""Fused soft silhouette: rasterization and alpha blend in one pass (CPU).

The torch path (:class:`~mmssr.renderer.rasterizer.SoftMeshRasterizer`
then :func:`~mmssr.renderer.blend.soft_silhouette_blend`) materialises
every (triangle, pixel) pair of a batch as tensors. This backend plugs in at
the same fragment/blend seam but never builds a per-pair tensor: a numba
kernel walks each triangle's pixels and multiplies ``1 - D`` straight into
the pixel's transmittance ``1 - A``, and the analytic backward recomputes each
pair's geometry, sums the triangle's gradient in registers and adds it to its
three vertices. Both kernels run one batch item per parallel iteration, so
nothing races and the result does not depend on the thread count. In memory:
the vertices, the faces and three per-pixel buffers, nothing per pair.

The per-pair maths is that of ``_pair_geometry`` and ``_SoftSilhouette``:
squared distance ``d2`` to the nearest edge (the first edge winning ties), the
same signed-area inside test, ``D = sigmoid(delta d2 / sigma)``, pairs outside
with ``d2 >= threshold`` skipped, faces dropped unless all three depths lie in
[near, far] and are finite, and ``d(d2)/dS = -2 (1 - t) r``,
``d(d2)/dE = -2 t r`` at the closest point of the nearest edge. What differs
from the torch path changes no result beyond rounding: the kernels work in
float64 whatever the input dtype (the output is cast back); the product of
``1 - D`` replaces the exponentiated sum of ``log(1 - D)``; and a pixel row
only visits the columns within the influence radius of all three edge lines
(a conservative cut of the bounding box: the pixels it skips have
``d2 > threshold`` and lie outside).

numba is optional. It is imported on first use; without it (or for CUDA
tensors, which numba's CPU kernels cannot read) :func:`resolve_backend` falls
back to the torch path, warning once. Kernels are compiled on first call and
cached on disk (``cache=True``), so later processes only load them.
"""
import importlib
import threading
import warnings
from typing import Optional

import torch
from torch import Tensor

from ..settings import RasterizationSettings

BACKENDS = ('torch', 'fused', 'auto')

_kernels = None  # (forward, backward) once compiled, False if unavailable
_import_error: Optional[str] = None
_warned = set()
# numba's workqueue threading layer aborts on concurrent calls from several
# Python threads; serialise kernel launches (they are parallel inside).
_lock = threading.Lock()
_launched = []


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, RuntimeWarning, stacklevel=3)


def _get_kernels():
    """The compiled kernels, or None when numba is unavailable."""
    global _kernels, _import_error
    if _kernels is None:
        try:
            kernels = importlib.import_module(__name__ + '.kernels')
        except ImportError as exc:  # numba missing or broken
            _kernels = False
            _import_error = str(exc)
        else:
            _kernels = (kernels.silhouette_forward,
                        kernels.silhouette_backward)
    return _kernels or None


def fused_available() -> bool:
    """Whether numba can be imported, so that the fused path can run."""
    return _get_kernels() is not None


def resolve_backend(backend: str, like: Tensor) -> str:
    """``'torch'`` or ``'fused'``: what ``backend`` means for tensor ``like``.

    ``'auto'`` picks fused on CPU tensors when numba is installed and torch
    otherwise (CUDA tensors always take the torch path). ``'fused'`` falls
    back to torch, with a one-time warning, where it cannot run.
    """
    if backend not in BACKENDS:
        raise ValueError(f'backend must be one of {BACKENDS}, got '
                         f'{backend!r}')
    if backend == 'torch':
        return 'torch'
    if like.device.type != 'cpu':
        if backend == 'fused':
            _warn_once(
                'device', 'the fused silhouette runs on CPU tensors only; '
                f'using the torch renderer on {like.device.type}')
        return 'torch'
    if not fused_available():
        _warn_once(
            'numba', 'numba is not installed (' + str(_import_error) +
            '), so the fused silhouette is unavailable; using the torch '
            'renderer. `pip install numba` for the faster path.')
        return 'torch'
    return 'fused'


def _num_threads() -> int:
    import numba
    return max(1, min(torch.get_num_threads(), numba.config.NUMBA_NUM_THREADS))


def _launch(kernel, *args) -> None:
    """Run a kernel with torch's thread count, one launch at a time."""
    import numba
    with _lock:
        if not _launched:
            # numba probes its threading layers when it first starts its
            # threads and warns about an unusable TBB even when it goes on
            # with another layer.
            with warnings.catch_warnings():
                warnings.filterwarnings('ignore', message='.*TBB')
                numba.set_num_threads(_num_threads())
                kernel(*args)
            _launched.append(True)
        else:
            numba.set_num_threads(_num_threads())
            kernel(*args)


class _FusedSilhouette(torch.autograd.Function):
    """Alpha ``1 - prod(1 - D)`` per pixel, fused, with the analytic
    backward into the screen x, y of the vertices."""

    @staticmethod
    def forward(ctx, screen: Tensor, faces: Tensor,
                settings: RasterizationSettings, sigma: float) -> Tensor:
        forward_kernel, _ = _get_kernels()
        s = settings.image_size
        batch = screen.shape[0]
        verts = screen.detach().to(torch.float64).contiguous().numpy()
        faces_np = faces.contiguous().numpy()
        face_batch = (torch.arange(batch) if faces.shape[0] > 1 else
                      torch.zeros(batch, dtype=torch.int64)).numpy()
        args = (face_batch, s, sigma, settings.threshold, settings.radius,
                settings.near, settings.far)
        trans = torch.ones(batch * s * s, dtype=torch.float64)
        if faces_np.shape[1] and verts.shape[1]:
            _launch(forward_kernel, verts, faces_np, *args, trans.numpy())
        ctx.save_for_backward(trans)
        ctx.verts, ctx.faces, ctx.args = verts, faces_np, args
        ctx.dtype = screen.dtype
        return (1.0 - trans).view(batch, s, s).to(screen.dtype)

    @staticmethod
    def backward(ctx, grad_alpha: Tensor):
        trans, = ctx.saved_tensors
        _, backward_kernel = _get_kernels()
        sigma = ctx.args[2]
        # dA/dx = (1 - A) D for x = delta d2 / sigma, d(d2) = -2 r ...
        weight = (grad_alpha.reshape(-1).to(torch.float64) * trans *
                  (-2.0 / sigma)).contiguous()
        grad = torch.zeros(ctx.verts.shape, dtype=torch.float64)
        if ctx.faces.shape[1] and ctx.verts.shape[1]:
            _launch(backward_kernel, ctx.verts, ctx.faces, *ctx.args,
                    weight.numpy(), grad.numpy())
        return grad.to(ctx.dtype), None, None, None


def _check_faces(faces: Tensor, num_verts: int, batch: int) -> Tensor:
    """(B or 1, F, 3) int64 vertex indices in range, negative ones wrapped
    where torch indexing would wrap them; IndexError otherwise."""
    if faces.dim() == 2:
        faces = faces[None]
    faces = faces.to(torch.int64)
    if faces.shape[0] not in (1, batch) or faces.shape[-1] != 3:
        raise ValueError('faces must be (F, 3) or (B, F, 3), got '
                         f'{tuple(faces.shape)}')
    if faces.numel():
        low, high = int(faces.min()), int(faces.max())
        if high >= num_verts or low < -num_verts:
            raise IndexError(f'face vertex index out of range [0, '
                             f'{num_verts}): {low if low < 0 else high}')
        if low < 0:
            faces = torch.where(faces < 0, faces + num_verts, faces)
    return faces.contiguous()


def fused_silhouette(screen: Tensor,
                     faces: Tensor,
                     settings: RasterizationSettings,
                     sigma: Optional[float] = None) -> Tensor:
    """Soft silhouette (B, S, S) of meshes in screen space, fused.

    Args:
        screen: (B, V, 3) vertices as ``(x', y', camera depth)``, e.g.
            ``LookAtPerspectiveCameras.transform_points``.
        faces: (F, 3) shared or (B, F, 3) vertex indices.
        settings: image size, influence cut-off and depth range.
        sigma: sharpness of ``D`` (default ``settings.sigma``).

    Equal to ``soft_silhouette_blend(SoftMeshRasterizer(settings)(...),
    sigma)`` to rounding, differentiable w.r.t. the screen x, y; CPU only,
    needs numba (see :func:`resolve_backend` for the fallback).
    """
    if _get_kernels() is None:
        raise RuntimeError('the fused silhouette needs numba: '
                           f'{_import_error}')
    if screen.device.type != 'cpu':
        raise RuntimeError('the fused silhouette runs on CPU tensors only')
    faces = _check_faces(faces, screen.shape[1], screen.shape[0])
    return _FusedSilhouette.apply(
        screen, faces, settings,
        float(settings.sigma if sigma is None else sigma))


def fused_soft_silhouette(face_vertices: Tensor,
                          settings: RasterizationSettings,
                          sigma: Optional[float] = None) -> Tensor:
    """Soft silhouette (B, S, S) of screen triangles (B, F, 3, 3), fused:
    the fused counterpart of ``soft_silhouette_blend(SoftMeshRasterizer(
    settings).rasterize_faces(face_vertices), sigma)``."""
    batch, num_faces = face_vertices.shape[:2]
    corners = torch.arange(
        num_faces * 3, device=face_vertices.device).view(num_faces, 3)
    return fused_silhouette(
        face_vertices.reshape(batch, num_faces * 3, 3), corners, settings,
        sigma)
