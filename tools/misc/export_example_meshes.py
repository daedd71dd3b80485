"""Write a folder of example meshes (.obj + .mtl) to try the converter on.

    python tools/misc/export_example_meshes.py --category chair --num 40 \
        --out my_meshes/

Each object of the synthetic families becomes ``NAME_###.obj`` with one
material per part colour, as exported by common modelling tools; a stand-in
for your own folder of meshes (docs/user_guides/data.md).
"""
import argparse
import os
import os.path as osp

import numpy as np

from mmssr.cli import add_debug_argument, cli_main
from mmssr.datasets.synthetic import synthetic_object_mesh
from mmssr.errors import UserError
from mmssr.utils.fileio import atomic_write


def write_obj(path: str, vertices: np.ndarray, faces: np.ndarray,
              colors: np.ndarray) -> None:
    """An .obj with a sibling .mtl holding one Kd material per colour, each
    written whole or not at all."""
    palette, index = np.unique(
        np.round(colors, 4), axis=0, return_inverse=True)
    index = index.reshape(-1)
    stem = osp.splitext(osp.basename(path))[0]
    mtl = osp.splitext(path)[0] + '.mtl'
    with atomic_write(mtl) as tmp, open(tmp, 'w') as f:
        for i, (r, g, b) in enumerate(palette):
            f.write(f'newmtl part{i}\nKd {r:.4f} {g:.4f} {b:.4f}\n\n')
    with atomic_write(path) as tmp, open(tmp, 'w') as f:
        f.write(f'mtllib {stem}.mtl\n')
        f.writelines(f'v {x:.6f} {y:.6f} {z:.6f}\n' for x, y, z in vertices)
        for i in range(len(palette)):
            f.write(f'usemtl part{i}\n')
            f.writelines(f'f {a + 1} {b + 1} {c + 1}\n'
                         for a, b, c in faces[index == i])


@cli_main
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        '--category',
        default='chair',
        help='a synthetic family (a ShapeNet category name)')
    parser.add_argument('--num', type=int, default=40)
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--out', required=True, help='output folder')
    add_debug_argument(parser)
    args = parser.parse_args()
    if args.num < 1:
        raise UserError(f'--num {args.num}: expected a positive count')
    os.makedirs(args.out, exist_ok=True)
    for i in range(args.num):
        verts, faces, colors = synthetic_object_mesh(
            args.category, 'train', i, seed=args.seed)
        write_obj(
            osp.join(args.out, f'{args.category}_{i:03d}.obj'), verts, faces,
            colors)
    print(f'wrote {args.num} meshes to {args.out}')
    return 0


if __name__ == '__main__':
    main()
