"""Reconstruct a mesh from one RGBA image.

    python tools/demo.py IMAGE.png CONFIG CHECKPOINT --out mesh.obj

Writes the mesh (.obj, .ply, .off, .stl, .gltf: anything open3d writes) and,
beside it, a PNG of the input next to renders of the mesh from several views.
"""
import argparse
import os
import os.path as osp
import tempfile

import numpy as np

from mmssr.apis import (expected_image_size, inference_mesh, init_model,
                        load_rgba_image)
from mmssr.structures import NUM_VIEWS
from mmssr.utils.errors import DataError, UserError, cli_main

# What open3d's write_triangle_mesh can write.
MESH_FORMATS = ('.obj', '.ply', '.off', '.stl', '.gltf', '.glb')
from mmssr.visualization import image_grid, render_mesh_views, rgba_to_rgb


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('image', help='RGBA image; alpha is the silhouette')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', required=True,
                        help='output mesh file (.obj, .ply, ...)')
    parser.add_argument('--views', type=int, nargs='+',
                        default=[0, 3, 6, 9, 12, 18],
                        help='dataset view ids to render the mesh from')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--debug',
        action='store_true',
        help='show tracebacks of user errors too (or MMSSR_DEBUG=1)')
    return parser.parse_args()


def write_mesh(path: str, vertices: np.ndarray, faces: np.ndarray) -> None:
    """Write a mesh with open3d, atomically (temporary file, then rename)."""
    from mmssr.utils.misc import import_open3d
    o3d = import_open3d()
    mesh = o3d.geometry.TriangleMesh(
        o3d.utility.Vector3dVector(vertices.astype(np.float64)),
        o3d.utility.Vector3iVector(faces.astype(np.int32)))
    mesh.compute_vertex_normals()
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    suffix = osp.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(suffix=suffix, dir=folder)
    os.close(fd)
    try:
        if not o3d.io.write_triangle_mesh(tmp, mesh):
            raise UserError(f'{path}: open3d could not write this file')
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def check_args(args: argparse.Namespace) -> None:
    """Refuse what cannot work before loading anything."""
    ext = osp.splitext(args.out)[1].lower()
    if ext not in MESH_FORMATS:
        raise UserError(f'--out {args.out}: expected a mesh file ending in '
                        f'one of {", ".join(MESH_FORMATS)}')
    if osp.isdir(args.out):
        raise UserError(f'--out {args.out}: is a folder; give a file name')
    bad = [v for v in args.views if not 0 <= v < NUM_VIEWS]
    if bad:
        raise UserError(f'--views {bad[0]}: expected view ids in '
                        f'0..{NUM_VIEWS - 1}')


@cli_main
def main() -> int:
    args = parse_args()
    check_args(args)
    model = init_model(args.config, args.checkpoint, args.device)
    image = load_rgba_image(args.image, expected_image_size(model))
    if not image[3].any():
        raise DataError(f'{args.image}: the alpha channel (the silhouette) '
                        'is empty: there is no object to reconstruct')
    vertices, faces = inference_mesh(model, image)
    write_mesh(args.out, vertices.numpy(), faces.numpy())
    renders = render_mesh_views(vertices[None], faces, args.views,
                                image_size=max(image.shape[-1], 128))[0]
    import cv2
    size = renders.shape[1]
    inp = cv2.resize(rgba_to_rgb(image), (size, size),
                     interpolation=cv2.INTER_NEAREST)
    preview = osp.splitext(args.out)[0] + '_views.png'
    cv2.imwrite(preview, image_grid([[inp] + list(renders)])[..., ::-1])
    print(f'mesh: {args.out} ({len(vertices)} vertices, {len(faces)} faces)')
    print(f'preview: {preview}')
    return 0


if __name__ == '__main__':
    main()
