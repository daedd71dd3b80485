import json
import struct

import numpy as np
import pytest

from mmssr.io.glb import linear_to_srgb, read_glb, srgb_to_linear
from mmssr.io.mesh import write_mesh


def sphere():
    import open3d as o3d
    mesh = o3d.geometry.TriangleMesh.create_sphere(0.3, 8)
    return np.asarray(mesh.vertices), np.asarray(mesh.triangles)


def by_position(vertices, colors):
    """Colours in the order of the sorted vertex positions (readers may
    reorder vertices)."""
    order = np.lexsort(np.round(vertices, 5).T)
    return np.round(vertices, 5)[order], colors[order]


def test_srgb_round_trip():
    c = np.linspace(0, 1, 101)
    np.testing.assert_allclose(
        linear_to_srgb(srgb_to_linear(c)), c, atol=1e-12)
    # the standard's anchor: sRGB 0.5 is 21.4 % linear
    assert srgb_to_linear(0.5) == pytest.approx(0.21404, abs=1e-5)


def test_glb_carries_linear_color_0(tmp_path):
    verts, faces = sphere()
    colors = np.random.default_rng(0).random((len(verts), 3))
    path = str(tmp_path / 'mesh.glb')
    write_mesh(path, verts, faces, colors)
    data = open(path, 'rb').read()
    magic, version, total = struct.unpack_from('<4sII', data)
    assert (magic, version, total) == (b'glTF', 2, len(data))
    size, kind = struct.unpack_from('<II', data, 12)
    gltf = json.loads(data[20:20 + size])
    prim = gltf['meshes'][0]['primitives'][0]
    assert set(prim['attributes']) == {'POSITION', 'NORMAL', 'COLOR_0'}
    color = gltf['accessors'][prim['attributes']['COLOR_0']]
    assert (color['type'], color['componentType'],
            color['count']) == ('VEC3', 5126, len(verts))
    assert 'uri' not in gltf['buffers'][0]  # the binary chunk, no data URI
    mesh = read_glb(path)
    np.testing.assert_allclose(mesh['vertices'], verts, atol=1e-6)
    np.testing.assert_array_equal(mesh['faces'], faces)
    np.testing.assert_allclose(mesh['vertex_colors'], colors, atol=1e-5)
    np.testing.assert_allclose(
        np.linalg.norm(mesh['normals'], axis=1), 1, atol=1e-5)
    # outward normals on a sphere
    assert (np.sum(mesh['normals'] * verts, 1) > 0).all()


def test_open3d_reads_our_files_with_colors(tmp_path):
    import open3d as o3d
    verts, faces = sphere()
    colors = np.random.default_rng(1).random((len(verts), 3))
    want = by_position(verts, colors)
    for ext, stored in (('ply', colors), ('obj', colors),
                        ('glb', srgb_to_linear(colors))):
        path = str(tmp_path / f'mesh.{ext}')
        write_mesh(path, verts, faces, colors)
        mesh = o3d.io.read_triangle_mesh(path)
        assert mesh.has_vertex_colors(), ext
        assert len(mesh.triangles) == len(faces), ext
        got = by_position(
            np.asarray(mesh.vertices), np.asarray(mesh.vertex_colors))
        expected = by_position(verts, stored)
        np.testing.assert_allclose(got[0], want[0], atol=1e-5)
        # ply stores 8-bit colours
        np.testing.assert_allclose(got[1], expected[1], atol=3e-3, err_msg=ext)
