"""Add folders of photos as the unlabeled split of a converted dataset.

    python tools/dataset_converters/photos_to_unlabeled.py PHOTOS --out DATA \
        --synset ID [--background auto|alpha|mask] [--mask-suffix _mask] \
        [--overwrite]

PHOTOS holds one sub-folder per object with any number of its photos (PNG,
JPEG, ...). The silhouette of a photo comes from its alpha channel, a mask
file ``<photo stem><mask-suffix>.png`` beside it, or the plain background
(``--background``, as tools/demo.py). DATA is the output of
meshes_to_shapenet.py; its category SYNSET gains
``{synset}_train_views.npz`` (the photos framed like the renders, in the
dataset's colour convention, cameras unknown) and a record
``{synset}_train_views.json``. Train with ``unlabeled_views='file'`` on the
train dataset (docs/user_guides/unlabeled_views.md).
"""
import argparse

from mmssr.cli import add_debug_argument, cli_main
from mmssr.datasets.converters.photos import convert_photos


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('photos', help='folder of object folders of photos')
    parser.add_argument(
        '--out', required=True, help='the dataset folder (labeled part)')
    parser.add_argument(
        '--synset', required=True, help='category id of the photos')
    parser.add_argument(
        '--background', default='auto', choices=['auto', 'alpha', 'mask'])
    parser.add_argument('--mask-suffix', default='_mask')
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help='replace an existing views file of the category')
    add_debug_argument(parser)
    return parser.parse_args(argv)


@cli_main
def main() -> int:
    args = parse_args()
    record = convert_photos(args.photos, args.out, args.synset,
                            args.background, args.mask_suffix, args.overwrite)
    for skip in record['skipped']:
        where = skip.get('photo') or skip.get('folder')
        print(f'skipped: {where}: {skip["reason"]}')
    count = sum(o['images'] for o in record['objects'])
    first = record['first_object']
    print(f'{args.synset}: {len(record["objects"])} objects, {count} photos '
          f'(objects {first}..{first + len(record["objects"]) - 1} after the '
          f'{first} of the train file), {record["color_convention"]} colour; '
          f'wrote {args.out}/{args.synset}_train_views.npz')
    print("train with: train_dataloader = dict(dataset=dict("
          "unlabeled_views='file'))")
    return 0


if __name__ == '__main__':
    main()
