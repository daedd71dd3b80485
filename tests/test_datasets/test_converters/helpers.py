"""Meshes with known geometry for the converter tests."""
import os.path as osp
import shutil

import numpy as np
import open3d as o3d

from mmssr.datasets.converters import convert_meshes
from mmssr.geometry import voxel_centers

HALF = 0.5 / 31  # half a voxel cell
BOX = (0.6, 0.4, 0.3)


def box(size=BOX, center=(0., 0., 0.)):
    mesh = o3d.geometry.TriangleMesh.create_box(*size)
    return mesh.translate(np.asarray(center) - np.asarray(size) / 2)


def sphere(radius=0.35):
    return o3d.geometry.TriangleMesh.create_sphere(radius, 20)


def cylinder(radius=0.25, height=0.6):  # axis along z
    return o3d.geometry.TriangleMesh.create_cylinder(radius, height, 24, 2)


def open_box():
    """The box without its two top (+y) triangles."""
    mesh = box()
    v, f = np.asarray(mesh.vertices), np.asarray(mesh.triangles)
    top = (v[f][:, :, 1] > 0.1).all(1)
    mesh.triangles = o3d.utility.Vector3iVector(f[~top])
    return mesh


def overlapping_boxes():
    first = box((0.6, 0.2, 0.2), (-0.1, 0, 0))
    return first + box((0.2, 0.6, 0.3), (0.1, 0.05, 0.05))


def inverted_box():
    """The box with every other face's winding reversed."""
    mesh = box()
    f = np.asarray(mesh.triangles).copy()
    f[::2] = f[::2, ::-1]
    mesh.triangles = o3d.utility.Vector3iVector(f)
    return mesh


def arrays(mesh):
    return np.asarray(mesh.vertices), np.asarray(mesh.triangles)


def write_mtl_obj(folder, name='red', kd=(0.9, 0.1, 0.1)):
    """A closed box .obj whose .mtl gives a Kd colour."""
    v, f = arrays(box((0.4, 0.4, 0.4)))
    lines = [f'mtllib {name}.mtl'] + [f'v {x} {y} {z}' for x, y, z in v]
    lines += ['usemtl paint'] + [f'f {a + 1} {b + 1} {c + 1}' for a, b, c in f]
    with open(osp.join(folder, f'{name}.obj'), 'w') as fh:
        fh.write('\n'.join(lines) + '\n')
    with open(osp.join(folder, f'{name}.mtl'), 'w') as fh:
        fh.write('newmtl paint\nKd {} {} {}\n'.format(*kd))


def box_overlap(lo, hi):
    """Cells (32, 32, 32) whose box overlaps the box [lo, hi]."""
    c = voxel_centers(32)
    return ((c - HALF <= np.asarray(hi)) &
            (c + HALF >= np.asarray(lo))).all(-1)


def sphere_overlap(radius):
    c = voxel_centers(32)
    nearest = np.clip(0.0, c - HALF, c + HALF)
    return np.linalg.norm(nearest, axis=-1) <= radius


def cylinder_overlap(radius, height):
    c = voxel_centers(32)
    nearest = np.clip(0.0, c - HALF, c + HALF)
    radial = np.linalg.norm(nearest[..., :2], axis=-1) <= radius
    return radial & (np.abs(nearest[..., 2]) <= height / 2)


PRIMITIVES = dict(
    box=box,
    sphere=sphere,
    cylinder=cylinder,
    open_box=open_box,
    overlapping=overlapping_boxes,
    inverted=inverted_box)


def write_primitives(folder, names=tuple(PRIMITIVES)):
    for name in names:
        o3d.io.write_triangle_mesh(
            osp.join(folder, f'{name}.ply'), PRIMITIVES[name]())


def convert(src, out, **kwargs):
    settings = dict(
        synset='90000001',
        name='mug',
        split_ratio=(1, 0, 0),
        image_size=32,
        num_points=500,
        progress=False,
        info=lambda msg: None)
    settings.update(kwargs)
    return convert_meshes(str(src), str(out), **settings)


def load(out, synset, split, kind):
    with np.load(osp.join(out, f'{synset}_{split}_{kind}.npz')) as npz:
        return npz[npz.files[0]]


def copy_tree(src, dst):
    shutil.copytree(str(src), str(dst))
