"""Files a mesh file makes its reader open, and which of them lie outside
the input folder.

open3d's readers (assimp) follow an .obj's ``mtllib`` and its materials'
texture paths, and a glTF's buffer and image URIs, wherever they point:
``map_Kd ../../secret.png`` would be read. The converter lists those files
before reading a mesh, to hash them into its cache key (a changed texture
invalidates the entry) and to refuse meshes that reach outside the input
folder unless allowed.
"""
import os.path as osp
import re
from typing import List


def source_files(path: str) -> List[str]:
    """The mesh file and every file it makes the reader open: .mtl files,
    textures, glTF buffers (for the cache key)."""
    return [path] + [f for f in referenced_files(path) if osp.isfile(f)]


def referenced_files(path: str) -> List[str]:
    """Files a mesh file names, as absolute paths, whether they exist or
    not: ``mtllib`` of an .obj and the textures (``map_*``, ``bump``,
    ``disp``, ``decal``, ``refl``, ``norm``) of those .mtl files, each
    resolved from the .obj's folder (as the reader does) and from the
    .mtl's; ``uri`` of a .gltf/.glb's buffers and images; ``init_from`` of
    a .dae. (.fbx and .3ds files are not looked into.)"""
    ext = osp.splitext(path)[1].lower()
    folder = osp.dirname(osp.abspath(path))
    try:
        if ext == '.obj':
            found = []
            for lib in _obj_material_libraries(path):
                mtl = osp.normpath(osp.join(folder, lib))
                found.append(mtl)
                for tex in _mtl_textures(mtl):
                    found += [
                        osp.normpath(osp.join(folder, tex)),
                        osp.normpath(osp.join(osp.dirname(mtl), tex))
                    ]
            return list(dict.fromkeys(found))
        if ext in ('.gltf', '.glb'):
            return [
                osp.normpath(osp.join(folder, uri))
                for uri in _gltf_uris(path, ext)
            ]
        if ext == '.dae':
            with open(path, 'rb') as f:
                text = f.read().decode(errors='replace')
            return [
                osp.normpath(osp.join(folder, m.strip()))
                for m in re.findall(r'<init_from>([^<]+)</init_from>', text)
            ]
    except (OSError, ValueError):
        pass  # the reader then fails on it and says so
    return []


def _obj_material_libraries(path: str) -> List[str]:
    libs = []
    with open(path, 'rb') as f:
        for line in f:
            if line.startswith(b'mtllib'):
                libs += [x.decode(errors='replace') for x in line.split()[1:]]
    return libs


_TEXTURE_KEYS = (b'map_', b'bump', b'disp', b'decal', b'refl', b'norm')


def _mtl_textures(mtl: str) -> List[str]:
    if not osp.isfile(mtl):
        return []
    textures = []
    with open(mtl, 'rb') as f:
        for line in f:
            words = line.split()
            if len(words) > 1 and words[0].lower().startswith(_TEXTURE_KEYS):
                textures.append(words[-1].decode(errors='replace'))
    return textures


def _gltf_uris(path: str, ext: str) -> List[str]:
    import json
    from urllib.parse import unquote
    with open(path, 'rb') as f:
        data = f.read()
    if ext == '.glb':  # 12-byte header, then the JSON chunk
        size = int.from_bytes(data[12:16], 'little')
        data = data[20:20 + size]
    doc = json.loads(data.decode('utf-8', errors='replace'))
    uris = [
        item.get('uri') for key in ('buffers', 'images')
        for item in doc.get(key, []) if isinstance(item, dict)
    ]
    return [
        unquote(u) for u in uris
        if isinstance(u, str) and not u.startswith('data:')
    ]


def outside_files(path: str, root: str) -> List[str]:
    """The existing files that ``path`` names outside the folder ``root``
    (links resolved), the mesh file itself included."""
    top = osp.realpath(root)
    found = []
    for file in [path] + referenced_files(path):
        real = osp.realpath(file)
        if osp.isfile(real) and osp.commonpath([top, real]) != top:
            found.append(file)
    return found
