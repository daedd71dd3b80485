"""Mesh files: reading them with their colours, writing them whole.

Mesh library: **open3d** (already a dependency), no trimesh. Measured on a
test .obj/.mtl (open3d 0.19/0.20): ``read_triangle_mesh`` gives neither
vertex colours nor the ``Kd`` of the .mtl (only material ids), but
``read_triangle_model`` (assimp) returns one mesh per material with its
``base_color`` (= ``Kd``), its ``albedo_img`` (``map_Kd``) and the
triangles' UVs, and reads .gltf/.glb/.fbx/.dae too; a missing .mtl gives
its default material (grey 0.6). It cannot read .ply and reads .off vertex
colours in 0–255, so .ply/.off/.stl go through ``read_triangle_mesh``
(vertex colours in 0–1). That covers what the renders need (one RGB per
face), so trimesh would not earn a new dependency.

Face colour = material ``Kd`` × the texture sampled at 4 points of the
face (if any) × the mean of the face's vertex colours (if any); a mesh
without any colour is :data:`NEUTRAL_GREY`.

Writing (:func:`write_mesh`) is whole or not at all: open3d's writers report
success even when the disk fills up mid-file, so the temporary file is read
back before it is renamed into place; .glb files are written by
:mod:`mmssr.io.glb`.
"""
import os
import os.path as osp
from typing import Optional, Tuple

import numpy as np

from mmssr.errors import DataError, OutputError, UserError
from mmssr.utils.fileio import atomic_write
from mmssr.utils.misc import import_open3d
from .glb import write_glb
from .mesh_checks import declared_too_large

MODEL_EXTS = ('.obj', '.gltf', '.glb', '.fbx', '.dae', '.3ds')
LEGACY_EXTS = ('.ply', '.off', '.stl')
MESH_EXTS = MODEL_EXTS + LEGACY_EXTS
NEUTRAL_GREY = (0.6, 0.6, 0.6)


class MeshSkipped(DataError):
    """A mesh that cannot be used; ``str`` is the reason."""


# -- reading -----------------------------------------------------------------
def _texture_colors(image: np.ndarray, uvs: np.ndarray) -> np.ndarray:
    """Mean colour (F, 3) of a texture at 4 points of each face (UVs (F, 3,
    2); v = 0 is the bottom row, wrapping)."""
    img = image.astype(np.float64)
    if img.ndim == 2:
        img = img[..., None]
    img = img[..., :3] if img.shape[-1] >= 3 else np.repeat(
        img[..., :1], 3, -1)
    if image.dtype == np.uint8:
        img = img / 255.0
    h, w = img.shape[:2]
    centre = uvs.mean(1, keepdims=True)
    points = np.concatenate([centre, (centre + uvs) / 2], 1)  # (F, 4, 2)
    u, v = points[..., 0] % 1.0, points[..., 1] % 1.0
    cols = np.minimum((u * w).astype(np.int64), w - 1)
    rows = np.minimum(((1.0 - v) * h).astype(np.int64), h - 1)
    return img[rows, cols].mean(1)


def _vertex_face_colors(mesh, faces: np.ndarray) -> Optional[np.ndarray]:
    if not mesh.has_vertex_colors():
        return None
    colors = np.asarray(mesh.vertex_colors, np.float64)
    if colors.size and colors.max() > 1.0:  # assimp's .off: 0-255
        colors = colors / 255.0
    return colors[faces].mean(1)


def _read_model(o3d, path: str):
    model = o3d.io.read_triangle_model(path)
    verts, faces, colors, offset = [], [], [], 0
    for part in model.meshes:
        mesh = part.mesh
        tris = np.asarray(mesh.triangles, np.int64)
        if len(tris) == 0:
            continue
        color = np.ones((len(tris), 3))
        if 0 <= part.material_idx < len(model.materials):
            mat = model.materials[part.material_idx]
            color *= np.asarray(mat.base_color, np.float64)[:3]
            if mat.albedo_img is not None and mesh.has_triangle_uvs():
                uvs = np.asarray(mesh.triangle_uvs).reshape(-1, 3, 2)
                color *= _texture_colors(np.asarray(mat.albedo_img), uvs)
        else:
            color *= NEUTRAL_GREY
        vertex = _vertex_face_colors(mesh, tris)
        if vertex is not None:
            color *= vertex
        verts.append(np.asarray(mesh.vertices, np.float64))
        faces.append(tris + offset)
        colors.append(color)
        offset += len(verts[-1])
    if not faces:
        return None
    return np.concatenate(verts), np.concatenate(faces), np.concatenate(colors)


def _read_legacy(o3d, path: str):
    mesh = o3d.io.read_triangle_mesh(path)
    verts = np.asarray(mesh.vertices, np.float64).reshape(-1, 3)
    faces = np.asarray(mesh.triangles, np.int64).reshape(-1, 3)
    if len(faces) == 0:
        if len(verts):
            raise MeshSkipped('empty: the mesh has vertices but no triangles')
        return None
    colors = _vertex_face_colors(mesh, faces)
    if colors is None:
        colors = np.broadcast_to(NEUTRAL_GREY, (len(faces), 3))
    return verts, faces, colors


def read_mesh(path: str) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vertices (V, 3) float64, faces (F, 3) int64 and face colours (F, 3)
    float32 in [0, 1] of a mesh file, checked and with zero-area faces
    dropped; :class:`MeshSkipped` (unreadable, empty, NaN, degenerate)."""
    o3d = import_open3d()
    o3d.utility.set_verbosity_level(o3d.utility.VerbosityLevel.Error)
    if not osp.isfile(path) or osp.getsize(path) == 0:
        raise MeshSkipped('empty: the file is empty or missing')
    too_large = declared_too_large(path)
    if too_large:
        raise MeshSkipped(too_large)
    loaded = None
    if path.lower().endswith(MODEL_EXTS):
        loaded = _read_model(o3d, path)
    if loaded is None:
        loaded = _read_legacy(o3d, path)
    if loaded is None:
        raise MeshSkipped('unreadable: open3d read no triangles')
    verts, faces, colors = loaded
    if faces.min() < 0 or faces.max() >= len(verts):
        raise MeshSkipped('unreadable: faces index missing vertices')
    if not np.isfinite(verts).all():
        raise MeshSkipped('NaN: vertices hold NaN or infinite values')
    tri = verts[faces]
    area = np.linalg.norm(
        np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    extent = float(np.ptp(verts[faces.ravel()], axis=0).max())
    keep = area > (extent * 1e-7)**2
    if extent <= 0 or not keep.any():
        raise MeshSkipped('degenerate: every triangle has zero area')
    colors = np.clip(np.nan_to_num(np.asarray(colors)[keep]), 0, 1)
    return verts, faces[keep], colors.astype(np.float32)


# -- writing -----------------------------------------------------------------
def write_mesh(path: str,
               vertices: np.ndarray,
               faces: np.ndarray,
               vertex_colors: Optional[np.ndarray] = None) -> None:
    """Write a mesh (with vertex colours), whole or not at all.

    .glb goes to :func:`~mmssr.io.glb.write_glb` (open3d's has no binary
    chunk and no linear colour); other formats to open3d, whose writers
    report success even when the disk fills up mid-file, so the temporary
    file is read back and compared with the mesh before it is renamed.
    """
    ext = osp.splitext(path)[1].lower()
    if ext == '.glb':
        return write_glb(path, vertices, faces, vertex_colors)
    o3d = import_open3d()
    mesh = o3d.geometry.TriangleMesh(
        o3d.utility.Vector3dVector(np.asarray(vertices, np.float64)),
        o3d.utility.Vector3iVector(np.asarray(faces, np.int32)))
    if vertex_colors is not None:
        mesh.vertex_colors = o3d.utility.Vector3dVector(
            np.asarray(vertex_colors, np.float64).clip(0, 1))
    mesh.compute_vertex_normals()
    if ext != '.stl':  # .stl needs face normals; .obj would write them
        mesh.triangle_normals = o3d.utility.Vector3dVector()
    with atomic_write(path, suffix=ext) as tmp:
        try:
            if not o3d.io.write_triangle_mesh(
                    tmp, mesh, write_vertex_colors=True):
                raise UserError(f'{path}: open3d could not write this file')
            _check_written_mesh(o3d, tmp, path, len(vertices), len(faces))
        finally:
            mtl = osp.splitext(tmp)[0] + '.mtl'  # .obj writes a material
            if osp.exists(mtl):
                os.remove(mtl)


def _check_written_mesh(o3d, tmp: str, path: str, num_vertices: int,
                        num_faces: int) -> None:
    """A :class:`OutputError` unless ``tmp`` holds the whole mesh."""
    ext = osp.splitext(path)[1].lower()
    back = o3d.io.read_triangle_mesh(tmp)
    whole = len(back.triangles) == num_faces and (ext == '.stl' or len(
        back.vertices) == num_vertices)
    if not whole:
        raise OutputError(
            f'{path}: cannot write this file (the written file is '
            'incomplete: is the disk full?); nothing was written under this '
            'name')
