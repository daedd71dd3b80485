"""Reconstruct coloured meshes from images (RGBA renders or photos).

    python tools/demo.py IMAGE|FOLDER|GLOB CONFIG CHECKPOINT --out FILE_OR_DIR
        [--mask FILE] [--background auto|alpha|mask|grabcut]
        [--framing-ratio R] [--view V] [--max-pixels N] [--overwrite]

One image and ``--out mesh.ply`` writes that file; a folder or a glob (or an
``--out`` folder) writes one ``<image name>.<--format>`` per image there.
Each mesh has vertex colours taken from its image, and beside it a PNG of
the input next to renders of the coloured mesh. The silhouette comes from
the alpha channel, ``--mask``, is estimated from a plain background
(see mmssr/datasets/transforms/framing.py) or, with ``--background
grabcut``, cut from a textured or gradient background
(mmssr/datasets/transforms/foreground.py); the object is
cropped, centred and resized to the framing of the training renders
(``--framing-ratio``).

Existing files are not replaced without ``--overwrite``, and ``--out`` may
not be the input folder. Images larger than ``--max-pixels`` are refused
from their header. An image that cannot be used (unreadable, truncated, no
object) does not stop the others: their meshes are written, and the tool
ends with one error line naming the images left out (exit status 2).
"""
import argparse
import glob
import os.path as osp

from mmssr.apis.inferencer import MeshInferencer, list_inputs
from mmssr.apis.outputs import (MESH_FORMATS, check_outputs_free, output_paths,
                                plan_outputs, save_prediction)
from mmssr.cli import add_debug_argument, cli_main
from mmssr.datasets.transforms.framing import (BACKGROUND_MODES, FRAMING_RATIO,
                                               check_framing_ratio)
from mmssr.errors import DataError, UserError
from mmssr.io.image import DEFAULT_MAX_PIXELS
from mmssr.structures import NUM_VIEWS


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        'image',
        help='an image (RGBA, RGB, grayscale; 8/16-bit; PNG, JPEG, '
        '...), a folder of images or a glob pattern (quote it)')
    parser.add_argument('config', help='model config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        required=True,
        help='output mesh file (.ply, .obj, .glb, ...) for one image, or a '
        'folder (one mesh per image)')
    parser.add_argument(
        '--mask',
        help='silhouette image of the same size '
        '(non-zero = object); one image only')
    parser.add_argument(
        '--background',
        choices=BACKGROUND_MODES,
        default='auto',
        help='where the silhouette comes from: auto = --mask if given, else '
        'the alpha channel if not opaque, else estimated from a plain '
        'background; grabcut = cut from a textured or gradient background')
    parser.add_argument(
        '--framing-ratio',
        type=float,
        default=FRAMING_RATIO,
        help='longer side of the object / side of the model input '
        '(default: %(default)s, the mean of the training renders)')
    parser.add_argument(
        '--view',
        type=int,
        default=0,
        help='dataset view id the image is seen from (the '
        'camera vertex colours are projected with)')
    parser.add_argument(
        '--format',
        default='.ply',
        choices=MESH_FORMATS,
        help='mesh format when --out is a folder')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument(
        '--views',
        type=int,
        nargs='+',
        default=[0, 3, 6, 9, 12, 18],
        help='dataset view ids to render the mesh from')
    parser.add_argument('--device', default='cpu')
    parser.add_argument(
        '--max-pixels',
        type=int,
        default=DEFAULT_MAX_PIXELS,
        help='refuse images with more pixels than this (read from the '
        f'header, before decoding; default {DEFAULT_MAX_PIXELS})')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace output files that exist already')
    add_debug_argument(parser)
    return parser.parse_args()


def check_args(args: argparse.Namespace) -> bool:
    """Refuse what cannot work before loading anything.

    Returns whether ``--out`` names one mesh file (else a folder).
    """
    ext = osp.splitext(args.out)[1].lower()
    many = osp.isdir(args.image) or (glob.has_magic(args.image)
                                     and not osp.exists(args.image))
    to_file = not many and ext != '' and not osp.isdir(args.out)
    if to_file and ext not in MESH_FORMATS:
        raise UserError(f'--out {args.out}: expected a mesh file ending in '
                        f'one of {", ".join(MESH_FORMATS)}, or a folder')
    if many and ext in MESH_FORMATS:
        raise UserError(f'--out {args.out}: {args.image} gives one mesh per '
                        'image; give a folder')
    if osp.isfile(args.out) and not to_file:
        raise UserError(f'--out {args.out}: is a file; give a folder')
    bad = [v for v in args.views if not 0 <= v < NUM_VIEWS]
    if bad:
        raise UserError(f'--views {bad[0]}: expected view ids in '
                        f'0..{NUM_VIEWS - 1}')
    if not 0 <= args.view < NUM_VIEWS:
        raise UserError(f'--view {args.view}: expected a view id in '
                        f'0..{NUM_VIEWS - 1}')
    if args.mask is not None and many:
        raise UserError(f'--mask {args.mask}: a mask is for one image, not '
                        f'the images of {args.image}')
    check_framing_ratio(args.framing_ratio)
    if args.batch_size < 1:
        raise UserError(f'--batch-size {args.batch_size}: expected >= 1')
    if args.max_pixels < 1:
        raise UserError(f'--max-pixels {args.max_pixels}: expected >= 1')
    return to_file


@cli_main
def main() -> int:
    args = parse_args()
    to_file = check_args(args)
    inputs = list_inputs(args.image)  # clear errors before loading
    if to_file:
        check_outputs_free(output_paths(args.out), args.overwrite, inputs)
    else:
        plan_outputs(inputs, args.out, args.format, args.overwrite, args.image)
    inferencer = MeshInferencer(
        args.config, args.checkpoint, args.device, max_pixels=args.max_pixels)
    result = inferencer(
        inputs,
        batch_size=args.batch_size,
        out_dir=None if to_file else args.out,
        mesh_format=args.format,
        overwrite=args.overwrite,
        skip_unreadable=True,
        mask=args.mask,
        background=args.background,
        framing_ratio=args.framing_ratio,
        view=args.view,
        preview_views=args.views)
    for pred, preview in zip(result['predictions'], result['visualization']):
        if to_file:
            pred.update(
                save_prediction(pred, args.out, preview, args.overwrite))
        print(f'mesh: {pred["mesh_path"]} (from {pred["source"]}: '
              f'{len(pred["vertices"])} vertices, {len(pred["faces"])} '
              f'faces, silhouette from {pred["silhouette_from"]})')
        print(f'preview: {pred["preview_path"]}')
    failed = result['failed']
    if failed and len(inputs) == 1:
        raise DataError(failed[0]['error'])
    if failed:
        shown = '; '.join(f['error'] for f in failed[:3])
        more = f'; ... ({len(failed)} in all)' if len(failed) > 3 else ''
        done = len(result['predictions'])
        raise DataError(f'{len(failed)} of {len(inputs)} image(s) left out, '
                        f'{done} mesh(es) written: {shown}{more}')
    return 0


if __name__ == '__main__':
    main()
