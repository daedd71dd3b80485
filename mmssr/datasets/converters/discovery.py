"""Finding the meshes of an input folder: ShapeNetCore v1 / v2 or flat."""
import os
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Optional, Tuple

from mmssr.datasets.categories import SHAPENET_CATEGORIES, resolve_categories
from mmssr.errors import DataError
from mmssr.io.mesh import MESH_EXTS

V1_FILE = 'model.obj'
V2_FILE = osp.join('models', 'model_normalized.obj')
_SYNSET = re.compile(r'\d{8}')


class SourceMesh(NamedTuple):
    synset: str
    model_id: str
    path: str


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
