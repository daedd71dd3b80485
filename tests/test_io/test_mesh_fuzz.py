"""Fuzzing the converter's mesh reader: a result or one clean error.

Seeded cases from good .obj (+ .mtl), .ply (ASCII and binary), .off and
.stl files: random bytes, truncations, flipped bytes and header edits
(vertex and face counts of PLY/OFF headers and binary STL set to huge or
wrong values). Each case must give a mesh or a ``UserError``
(:class:`MeshSkipped` is one) within 1 GiB of memory over the reader's
start-up and without hanging.
"""
import os.path as osp
import re

import numpy as np
import open3d as o3d

from ..fuzzing import fuzz, mutations

CASES = 160


def _seeds(tmp) -> dict:
    mesh = o3d.geometry.TriangleMesh.create_box(0.4, 0.3, 0.2)
    mesh.vertex_colors = o3d.utility.Vector3dVector(
        np.random.default_rng(0).random((8, 3)))
    mesh.compute_triangle_normals()
    files = {}
    for name, kwargs in (('ascii.ply', dict(write_ascii=True)), ('binary.ply',
                                                                 {}),
                         ('box.off', {}), ('box.stl', {}), ('box.obj', {})):
        path = str(tmp / name)
        o3d.io.write_triangle_mesh(path, mesh, **kwargs)
        with open(path, 'rb') as f:
            files[name] = f.read()
    return files


def _counts(data, rng):
    """Huge or wrong element counts in a PLY / OFF / binary STL header."""
    value = int(rng.choice([0, 7, 10**6, 2**31 - 1, 2**32 - 1]))
    if data.startswith(b'ply'):
        return re.sub(
            rb'element (vertex|face) \d+',
            lambda m: m.group(0).split()[0] + b' ' + m.group(1) + b' ' + str(
                value).encode(),
            data,
            count=1 if rng.random() < 0.5 else 0)
    if data.startswith(b'OFF'):
        lines = data.split(b'\n')
        lines[1] = f'{value} {value} 0'.encode()
        return b'\n'.join(lines)
    if len(data) > 84 and not data.startswith(b'solid'):  # binary STL
        return data[:80] + int(value).to_bytes(4, 'little') + data[84:]
    return data


def test_mesh_reader_fuzz(tmp_path):
    seeds = _seeds(tmp_path)
    cases = list(mutations(seeds, CASES, seed=0, header_edits=(_counts, )))
    # the .mtl the .obj seeds name, beside them
    folder = tmp_path / 'cases'
    folder.mkdir()
    mtl = tmp_path / 'box.mtl'
    if osp.isfile(mtl):
        (folder / 'box.mtl').write_bytes(mtl.read_bytes())
    done = fuzz('mmssr.io.mesh:read_mesh', cases,
                str(folder))
    outcomes = {r['outcome'] for r in done}
    assert outcomes == {'result', 'clean error'}, outcomes
