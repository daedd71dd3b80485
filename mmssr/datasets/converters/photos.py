"""Folders of photos -> the unlabeled split of a ShapeNet-format dataset.

Each sub-folder of the input holds the photos of one object, any number of
them. Every photo is framed as the demo frames its input
(:func:`~mmssr.datasets.transforms.framing.prepare_image`: silhouette from the
alpha channel, a mask file or a plain background, cropped, centred and resized
to the dataset's image size) and stored, in the dataset's colour convention, in
``{synset}_train_views.npz`` (:mod:`mmssr.datasets.view_files`) with an unknown
camera. The objects are numbered after those of the dataset's
``{synset}_train_images.npz`` (the labeled part, e.g. from
``meshes_to_shapenet.py``), so with ``unlabeled_views='file'`` the unlabeled
split is exactly these photos. In a folder of ``meshes_to_shapenet.py``
the files join its ``convert_meta.json``, and its next conversion removes
them (the numbering changes).
"""
import os
import os.path as osp
from typing import Dict, List, Optional

import numpy as np

from mmssr.datasets.loading import detect_color_convention, load_images
from mmssr.datasets.transforms.framing import IMAGE_EXTENSIONS, prepare_image
from mmssr.datasets.view_files import save_views, views_file_name
from mmssr.errors import DataError, UserError
from mmssr.structures.color import encode_nmr
from .files import save_json
from .output_folder import record_added_files

RECORD_SUFFIX = '_train_views.json'


def photo_files(folder: str, mask_suffix: str) -> List[str]:
    """The photos of an object folder, sorted; mask files are not photos."""
    return sorted(
        osp.join(folder, name) for name in os.listdir(folder)
        if osp.splitext(name)[1].lower() in IMAGE_EXTENSIONS
        and not osp.splitext(name)[0].endswith(mask_suffix))


def mask_of(photo: str, mask_suffix: str) -> Optional[str]:
    """``<stem><mask_suffix>.png`` beside ``photo``, if it exists."""
    path = osp.splitext(photo)[0] + mask_suffix + '.png'
    return path if osp.isfile(path) else None


def convert_photos(input_dir: str,
                   out: str,
                   synset: str,
                   background: str = 'auto',
                   mask_suffix: str = '_mask',
                   overwrite: bool = False) -> Dict:
    """Write the photos of ``input_dir/<object>/`` as the unlabeled views
    of category ``synset`` of the dataset in ``out``; returns the record
    (also written to ``{synset}_train_views.json``).

    Photos in which no object is found are skipped (the record says why);
    an object left without photos is skipped. With ``background='mask'``
    every photo needs its mask file (:func:`mask_of`); with ``'auto'`` a
    mask file is used where there is one.
    """
    if not osp.isdir(input_dir):
        raise FileNotFoundError(f'photo folder not found: {input_dir}')
    train_file = osp.join(out, f'{synset}_train_images.npz')
    if not osp.isfile(train_file):
        raise DataError(f'{train_file}: not found; convert the labeled '
                        'objects first (meshes_to_shapenet.py) and give its '
                        'output folder and the category\'s synset')
    views_path = osp.join(out, views_file_name(synset))
    if osp.exists(views_path) and not overwrite:
        raise UserError(f'{views_path}: exists; pass --overwrite to replace '
                        'it')
    grid = load_images(train_file)
    image_size, first = grid.shape[-1], len(grid)
    convention = detect_color_convention(out)
    folders = sorted(
        d for d in os.listdir(input_dir) if osp.isdir(osp.join(input_dir, d)))
    images, objects, record_objects, skipped = [], [], [], []
    for name in folders:
        folder = osp.join(input_dir, name)
        found = []
        for photo in photo_files(folder, mask_suffix):
            mask = mask_of(photo, mask_suffix)
            if background == 'mask' and mask is None:
                raise DataError(f'{photo}: --background mask needs the mask '
                                f'{osp.splitext(photo)[0]}{mask_suffix}.png')
            try:
                found.append(
                    prepare_image(
                        photo,
                        image_size,
                        mask=mask,
                        background='auto'
                        if background == 'mask' else background).inputs)
            except DataError as err:
                skipped.append(dict(photo=photo, reason=str(err)))
        if not found:
            skipped.append(dict(folder=folder, reason='no usable photo'))
            continue
        index = first + len(record_objects)
        images += found
        objects += [index] * len(found)
        record_objects.append(
            dict(object=index, folder=name, images=len(found)))
    if not images:
        raise DataError(f'{input_dir}: no object folder with a usable photo '
                        f'({len(folders)} sub-folders, {len(skipped)} '
                        'skipped)')
    rgba = np.stack(images)
    stored = encode_nmr(rgba) if convention == 'nmr' else rgba
    save_views(views_path, stored, np.full((len(rgba), 3), np.nan),
               np.asarray(objects))
    record = dict(
        source=osp.abspath(input_dir),
        synset=synset,
        background=background,
        image_size=image_size,
        color_convention=convention,
        first_object=first,
        objects=record_objects,
        skipped=skipped)
    record_name = f'{synset}{RECORD_SUFFIX}'
    save_json(osp.join(out, record_name), record)
    # a folder of meshes_to_shapenet.py lists its files: these join them
    record_added_files(out, [osp.basename(views_path), record_name])
    return record
