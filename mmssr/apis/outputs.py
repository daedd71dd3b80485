"""Output files of the inferencer: unique names, no replaced files, and
meshes and previews written whole or not at all.

Names: one stem per input, unique also without regard to case
(:func:`output_names`). A file that exists already is not replaced unless
asked (``overwrite``), an input image never; an output folder that is an
input folder is refused, since its previews would be read as photos next
time. open3d's mesh writers report success on a full disk, so each written
mesh is read back before it is renamed into place (:func:`write_mesh`);
previews are encoded in memory and written by Python
(:func:`mmssr.io.image.write_image`).
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmssr.errors import UserError
from mmssr.io.image import write_image
from mmssr.io.mesh import write_mesh

MESH_FORMATS = ('.ply', '.obj', '.glb', '.gltf', '.off', '.stl')
PREVIEW_SUFFIX = '_views.png'


def input_sources(inputs: List[object]) -> List[str]:
    """File names of the inputs, ``'<array i>'`` for arrays."""
    return [
        x if isinstance(x, str) else f'<array {i}>'
        for i, x in enumerate(inputs)
    ]


def output_names(sources: List[str]) -> List[str]:
    """File stems for outputs, one per source, unique (also without regard
    to case): a stem met again gets the first free ``_1``, ``_2``, ...
    that is not another source's own stem (``a.jpg, a.png, a_1.png`` give
    ``a, a_2, a_1``)."""
    stems = [
        f'array_{i}' if src.startswith('<') else osp.splitext(
            osp.basename(src))[0] for i, src in enumerate(sources)
    ]
    natural = {s.casefold() for s in stems}
    taken, names = set(), []
    for stem in stems:
        name, count = stem, 0
        while name.casefold() in taken or (count
                                           and name.casefold() in natural):
            count += 1
            name = f'{stem}_{count}'
        taken.add(name.casefold())
        names.append(name)
    return names


def mesh_extension(mesh_format: str) -> str:
    """``'.ply'`` for ``'ply'`` or ``'.PLY'``; refuses other formats."""
    ext = mesh_format if mesh_format.startswith('.') else '.' + mesh_format
    if ext.lower() not in MESH_FORMATS:
        raise UserError(f'mesh format {mesh_format!r}: expected one of '
                        f'{", ".join(MESH_FORMATS)}')
    return ext


def output_paths(mesh_path: str) -> List[str]:
    """The files :func:`save_prediction` writes for ``mesh_path``."""
    return [mesh_path, osp.splitext(mesh_path)[0] + PREVIEW_SUFFIX]


def check_outputs_free(paths: List[str],
                       overwrite: bool,
                       inputs: Sequence[str] = ()) -> None:
    """Refuse to replace an input, or (without ``overwrite``) any file."""
    own = {osp.realpath(x) for x in inputs if isinstance(x, str)}
    for path in paths:
        if osp.realpath(path) in own:
            raise UserError(f'{path}: is one of the input images; the '
                            'outputs must not replace it (give another '
                            '--out)')
        if osp.lexists(path) and not overwrite:
            raise UserError(f'{path}: exists already; pass --overwrite '
                            '(overwrite=True) to replace it, or give another '
                            '--out')


def plan_outputs(items: List[object],
                 out_dir: str,
                 mesh_format: str = '.ply',
                 overwrite: bool = False,
                 given=None) -> List[str]:
    """The mesh paths of ``items`` in ``out_dir``, checked before any work:
    ``out_dir`` is not a folder given as input (the previews would be read
    as photos on the next run) and no output replaces an input, or an
    existing file unless ``overwrite``."""
    ext = mesh_extension(mesh_format)
    folders = [given] if isinstance(given, str) else list(given or [])
    for folder in folders:
        if isinstance(folder, str) and osp.isdir(folder) and \
                osp.isdir(out_dir) and osp.samefile(folder, out_dir):
            raise UserError(
                f'--out {out_dir}: is the input folder; its previews would '
                'be read as photos on the next run: give another folder')
    if osp.isfile(out_dir):
        raise UserError(f'--out {out_dir}: is a file; give a folder')
    meshes = [
        osp.join(out_dir, name + ext)
        for name in output_names(input_sources(items))
    ]
    files = [x for x in items if isinstance(x, str)]
    check_outputs_free([p for m in meshes for p in output_paths(m)], overwrite,
                       files)
    return meshes


def save_prediction(pred: dict,
                    mesh_path: str,
                    preview: Optional[np.ndarray] = None,
                    overwrite: bool = True) -> Dict[str, str]:
    """Write the coloured mesh and, beside it, ``<stem>_views.png``, each
    whole or not at all; without ``overwrite`` existing files are refused
    (before either is written)."""
    if osp.splitext(mesh_path)[1].lower() not in MESH_FORMATS:
        raise UserError(f'{mesh_path}: expected a mesh file ending in one of '
                        f'{", ".join(MESH_FORMATS)}')
    mesh_path, preview_path = output_paths(mesh_path)
    check_outputs_free([mesh_path, preview_path], overwrite,
                       [pred.get('source')])
    write_mesh(mesh_path, pred['vertices'], pred['faces'],
               pred.get('vertex_colors'))
    out = dict(mesh_path=mesh_path)
    if preview is not None:
        write_image(preview_path, preview)
        out['preview_path'] = preview_path
    return out
