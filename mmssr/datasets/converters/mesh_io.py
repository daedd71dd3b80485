"""Finding meshes, reading them with their colours, and the canonical frame.

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

Canonical frame (ShapeNet's, docs conventions.md): up is +y, the front
faces −z, right-handed. ``up``/``front`` name the input's axes (default
``+y``/``-z``: ShapeNetCore v1 and v2 are already in this pose); the mesh is
rotated to it, its bounding box centred at the origin and scaled so its
longest side is ``scale`` (1.0: it fills the voxel cube [−0.5, 0.5]³, the
span of the 32³ cell centres). ``normalized=True`` keeps the coordinates
as they are (meshes already in that frame and scale).
"""
import os
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Optional, Tuple

import numpy as np

from mmssr.datasets.categories import SHAPENET_CATEGORIES, resolve_categories
from mmssr.utils.errors import DataError
from mmssr.utils.misc import import_open3d
from .mesh_checks import declared_too_large

MODEL_EXTS = ('.obj', '.gltf', '.glb', '.fbx', '.dae', '.3ds')
LEGACY_EXTS = ('.ply', '.off', '.stl')
MESH_EXTS = MODEL_EXTS + LEGACY_EXTS
NEUTRAL_GREY = (0.6, 0.6, 0.6)
V1_FILE = 'model.obj'
V2_FILE = osp.join('models', 'model_normalized.obj')
AXES = {
    '+x': (1, 0, 0),
    '-x': (-1, 0, 0),
    '+y': (0, 1, 0),
    '-y': (0, -1, 0),
    '+z': (0, 0, 1),
    '-z': (0, 0, -1)
}
_SYNSET = re.compile(r'\d{8}')


class SourceMesh(NamedTuple):
    synset: str
    model_id: str
    path: str


class MeshSkipped(DataError):
    """A mesh that cannot be converted; ``str`` is the reason."""


# -- finding the meshes ------------------------------------------------------
def _taxonomy_names(root: str) -> Dict[str, str]:
    path = osp.join(root, 'taxonomy.json')
    if not osp.isfile(path):
        return {}
    import json
    try:
        with open(path) as f:
            entries = json.load(f)
        return {
            e['synsetId']: e['name'].split(',')[0].strip().replace(' ', '_')
            for e in entries
        }
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def _flat_meshes(root: str) -> List[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith('.'))
        found += [
            osp.join(folder, f) for f in files
            if osp.splitext(f)[1].lower() in MESH_EXTS
        ]
    return sorted(found)


def discover(
    root: str,
    layout: str = 'auto',
    synset: Optional[str] = None,
    name: Optional[str] = None
) -> Tuple[str, List[SourceMesh], Dict[str, str]]:
    """``(layout, meshes, {synset: name})`` of an input folder.

    Layouts: ``'v1'`` (``SYNSET/MODEL/model.obj``), ``'v2'``
    (``SYNSET/MODEL/models/model_normalized.obj``), ``'flat'`` (every mesh
    file under ``root``, one category: ``synset``/``name``; the model id is
    the path without extension). ``'auto'``: flat when ``synset`` is given,
    else v1 or v2, whichever files are there.
    """
    if not osp.isdir(root):
        raise DataError(f'{root}: the input folder does not exist')
    if layout == 'auto':
        layout = 'flat' if synset else 'shapenet'
    if layout == 'flat':
        if not synset:
            raise DataError('--synset: a plain folder of meshes is one '
                            'category: give --synset ID and --name NAME')
        name = name or SHAPENET_CATEGORIES.get(synset)
        if not name:
            raise DataError(f'--name: synset {synset} is not a ShapeNet '
                            'category; give its name')
        synset, name = resolve_categories([(synset, name)])[0]  # checks
        meshes = [
            SourceMesh(
                synset,
                osp.splitext(osp.relpath(p, root))[0].replace(os.sep, '/'), p)
            for p in _flat_meshes(root)
        ]
        _refuse_shared_ids(root, meshes)
        return 'flat', meshes, {synset: name}
    synsets = sorted(
        d for d in os.listdir(root)
        if _SYNSET.fullmatch(d) and osp.isdir(osp.join(root, d)))
    if synset:
        synsets = [s for s in synsets if s == synset]
    found = {'v1': [], 'v2': []}
    for syn in synsets:
        for model in sorted(os.listdir(osp.join(root, syn))):
            for key, file in (('v1', V1_FILE), ('v2', V2_FILE)):
                path = osp.join(root, syn, model, file)
                if osp.isfile(path):
                    found[key].append(SourceMesh(syn, model, path))
    if layout == 'shapenet':
        layout = 'v1' if len(found['v1']) >= len(found['v2']) else 'v2'
    if layout not in found:
        raise DataError(f'--layout: expected auto, v1, v2 or flat, got '
                        f'{layout!r}')
    taxonomy = _taxonomy_names(root)
    names = {
        s:
        SHAPENET_CATEGORIES.get(s) or taxonomy.get(s)
        or (name if s == synset and name else s)
        for s in sorted({m.synset
                         for m in found[layout]})
    }
    return layout, found[layout], names


def _refuse_shared_ids(root: str, meshes: List[SourceMesh]) -> None:
    """Files that differ only by extension (``x.obj``, ``x.OBJ``,
    ``x.ply``) would be one model id: refuse rather than keep one."""
    by_id: Dict[str, List[str]] = {}
    for mesh in meshes:
        by_id.setdefault(mesh.model_id.casefold(), []).append(mesh.path)
    shared = [paths for paths in by_id.values() if len(paths) > 1]
    if shared:
        shown = '; '.join(', '.join(osp.relpath(p, root) for p in paths)
                          for paths in shared[:3])
        raise DataError(
            f'{root}: {sum(map(len, shared))} mesh files share a model id '
            f'(their path without extension): {shown}'
            f'{"; ..." if len(shared) > 3 else ""}. A model id names one '
            'object: keep one file of each, or rename the others')


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


# -- the canonical frame -----------------------------------------------------
def axis_rotation(up: str = '+y', front: str = '-z') -> np.ndarray:
    """(3, 3) rotation taking the input's ``up``/``front`` axes to +y/−z."""
    if up not in AXES or front not in AXES:
        raise DataError(f'--up/--front: expected one of {list(AXES)}, got '
                        f'{up!r}/{front!r}')
    u, f = np.array(AXES[up], float), np.array(AXES[front], float)
    if abs(u @ f) > 0:
        raise DataError(f'--up {up} and --front {front} must be '
                        'perpendicular axes')
    back = -f
    return np.stack([np.cross(u, back), u, back])


def to_canonical(vertices: np.ndarray,
                 faces: np.ndarray,
                 up: str = '+y',
                 front: str = '-z',
                 normalized: bool = False,
                 scale: float = 1.0) -> np.ndarray:
    """Vertices in the canonical frame (see the module docstring)."""
    verts = vertices @ axis_rotation(up, front).T
    if normalized:
        return verts
    used = verts[np.unique(faces)]
    low, high = used.min(0), used.max(0)
    return (verts - (low + high) / 2) * (scale / float((high - low).max()))
