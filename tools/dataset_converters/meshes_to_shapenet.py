"""Convert a folder of meshes into the SoftRas / NMR ShapeNet file format.

    python tools/dataset_converters/meshes_to_shapenet.py INPUT --out OUT \
        [--layout auto|v1|v2|flat] [--synset ID --name NAME] \
        [--split-ratio 0.7 0.1 0.2 --seed 0 | --split-file all.csv] \
        [--image-size 64] [--supersample 4] [--points 10000] \
        [--normalized | --up +y --front -z --scale 1.0] [--workers N] \
        [--overwrite] [--allow-outside-files]

INPUT: ShapeNetCore v1 (SYNSET/MODEL/model.obj), v2
(SYNSET/MODEL/models/model_normalized.obj), or a plain folder of meshes of
one category (.obj with .mtl, .ply, .off, .stl, .glb/.gltf; give --synset
and --name). Writes {synset}_{split}_{images,voxels,points}.npz and
convert_meta.json into OUT; a killed run resumes from OUT/.convert-cache/.
Train and test on it with a config that inherits a ShapeNet config and sets
data_root = OUT and categories = ['SYNSET:NAME'].

Converting again into OUT replaces the dataset there whole; files in OUT
that the converter did not write are not replaced without --overwrite.
Meshes whose .mtl, textures or glTF buffers lie outside INPUT are skipped
(and listed) without --allow-outside-files.
"""
import argparse

from mmssr.cli import add_debug_argument, cli_main
from mmssr.datasets.converters import convert_meshes, print_report


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('input', help='folder of meshes')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument(
        '--layout', default='auto', choices=['auto', 'v1', 'v2', 'flat'])
    parser.add_argument(
        '--synset',
        help='category id of a plain folder (with '
        '--layout v1/v2: convert only this synset)')
    parser.add_argument('--name', help='category name (a plain folder)')
    parser.add_argument(
        '--split-ratio',
        type=float,
        nargs=3,
        default=(0.7, 0.1, 0.2),
        metavar=('TRAIN', 'VAL', 'TEST'))
    parser.add_argument(
        '--split-file',
        help="ShapeNet's all.csv (id,"
        'synsetId,subSynsetId,modelId,split)')
    parser.add_argument(
        '--seed',
        type=int,
        default=0,
        help='seed of the ratio split and the point samples')
    parser.add_argument('--image-size', type=int, default=64)
    parser.add_argument(
        '--supersample',
        type=int,
        default=4,
        help='anti-aliasing: render at k x the size, average')
    parser.add_argument(
        '--points',
        type=int,
        default=10000,
        help='surface samples per object (0: no file)')
    parser.add_argument(
        '--normalized',
        action='store_true',
        help='meshes are already centred and scaled to the '
        'voxel cube [-0.5, 0.5]^3: keep their coordinates')
    parser.add_argument('--up', default='+y', help="input's up axis")
    parser.add_argument('--front', default='-z', help="input's front axis")
    parser.add_argument(
        '--scale',
        type=float,
        default=1.0,
        help='longest side of the bounding box after '
        'normalization')
    parser.add_argument('--workers', type=int, default=1)
    parser.add_argument(
        '--keep-cache',
        action='store_true',
        help='keep OUT/.convert-cache after success')
    parser.add_argument('--no-progress', action='store_true')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace files in OUT that the converter did not write')
    parser.add_argument(
        '--allow-outside-files',
        action='store_true',
        help='read .mtl files, textures and buffers that meshes name '
        'outside INPUT (skipped otherwise)')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@cli_main
def main(argv=None) -> int:
    args = parse_args(argv)
    meta = convert_meshes(
        args.input,
        args.out,
        layout=args.layout,
        synset=args.synset,
        name=args.name,
        split_ratio=args.split_ratio,
        split_file=args.split_file,
        workers=args.workers,
        progress=not args.no_progress,
        keep_cache=args.keep_cache,
        overwrite=args.overwrite,
        allow_outside=args.allow_outside_files,
        image_size=args.image_size,
        supersample=args.supersample,
        num_points=args.points,
        seed=args.seed,
        normalized=args.normalized,
        up=args.up,
        front=args.front,
        scale=args.scale)
    print_report(meta, args.out)
    return 0


if __name__ == '__main__':
    main()
