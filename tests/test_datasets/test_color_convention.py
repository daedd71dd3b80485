"""One colour convention inside mmssr, whatever a data folder stores.

The fixture is made the way NMR's ``mesh_reconstruction/make_dataset.py``
made the released SoftRas files: an 8-bit straight-alpha render is
composited on white with its alpha scaled to the maximum, inverted and
truncated to uint8. It must load to the same tensors as mmssr's own
synthetic files of the same objects (whose renders are those 8-bit
renders), and as true-colour files of the earlier format. The only
rendering difference between the NMR fixture and a Blender render is the
renderer itself; given the same 8-bit render the loaded tensors are equal.
"""
import json
import os.path as osp

import numpy as np
import pytest

from mmssr.datasets import ShapeNetDataset
from mmssr.datasets.loading import detect_color_convention
from mmssr.datasets.synthetic import (generate_synthetic_dataset,
                                      synthetic_object_mesh)
from mmssr.datasets.synthetic.objects import render_object_views
from mmssr.geometry import voxelize_mesh
from mmssr.structures.color import encode_nmr, to_true_colors

CATEGORIES = {'03001627': 'chair', '02958343': 'car'}
SETTINGS = dict(num_train=3, num_val=1, num_test=1, seed=0, image_size=32)


def nmr_make_dataset(render: np.ndarray) -> np.ndarray:
    """make_dataset.py's lines for one object: (24, H, W, 4) uint8 render
    -> (24, 4, H, W) uint8 as stored in ``*_images.npz``."""
    out = []
    for view in render:
        image = view[:, :, :3]
        mask = view[:, :, 3].astype('float32') / view[:, :, 3].max()
        image = image.astype('float32') / 255.
        image = image * mask[:, :, None] + np.ones_like(image) * (
            1 - mask[:, :, None])
        image = 1 - image
        image = (image * 255).astype('uint8')
        alpha = (mask * 255).astype('uint8')
        out.append(np.concatenate([image, alpha[:, :, None]], 2))
    return np.stack(out).transpose(0, 3, 1, 2)


def write_folder(root, transform, record=None):
    """Every split of CATEGORIES, images made by ``transform`` from the
    8-bit renders; voxels as the generator makes them."""
    for synset, name in CATEGORIES.items():
        for split in ('train', 'val', 'test'):
            images, voxels = [], []
            for index in range(SETTINGS[f'num_{split}']):
                verts, faces, colors = synthetic_object_mesh(
                    name, split, index)
                render = render_object_views(verts, faces, colors,
                                             SETTINGS['image_size'])
                images.append(transform(render))
                voxels.append(voxelize_mesh(verts, faces, 32))
            prefix = osp.join(root, f'{synset}_{split}')
            np.savez_compressed(prefix + '_images.npz', np.stack(images))
            np.savez_compressed(prefix + '_voxels.npz',
                                np.stack(voxels).astype(np.uint8))
    if record is not None:  # a synthetic dataset of an earlier version
        with open(osp.join(root, 'synthetic_meta.json'), 'w') as f:
            json.dump(record, f)


@pytest.fixture(scope='module')
def folders(tmp_path_factory):
    nmr = str(tmp_path_factory.mktemp('nmr_recipe'))
    write_folder(nmr, lambda r: nmr_make_dataset(r.transpose(0, 2, 3, 1)))
    legacy = str(tmp_path_factory.mktemp('true_colour'))
    write_folder(legacy, lambda r: r, record={'version': 1})
    ours = str(tmp_path_factory.mktemp('synthetic'))
    generate_synthetic_dataset(
        ours, list(CATEGORIES.values()), progress=False, **SETTINGS)
    return dict(nmr=nmr, legacy=legacy, ours=ours)


def load(root, split='test', **kwargs):
    dataset = ShapeNetDataset(
        root, categories=list(CATEGORIES.values()), split=split,
        mode='view', **kwargs)
    dataset.full_init()
    return dataset


def test_each_folder_says_what_it_stores(folders):
    assert detect_color_convention(folders['nmr']) == 'nmr'
    assert detect_color_convention(folders['ours']) == 'nmr'
    assert detect_color_convention(folders['legacy']) == 'true'


@pytest.mark.parametrize('split', ['train', 'test'])
def test_every_convention_loads_to_the_same_tensors(folders, split):
    reference = load(folders['nmr'], split)
    assert reference.metainfo['file_color_convention'] == 'nmr'
    assert reference.metainfo['color_convention'] == 'nmr'
    for name in ('ours', 'legacy'):
        other = load(folders[name], split)
        assert np.array_equal(other.images, reference.images), name
        assert np.array_equal(other.voxels, reference.voxels), name
    # the object is inverted: bright true colours are dark
    true = to_true_colors(reference.images)
    inside = reference.images[:, :, 3] == 255
    assert (true[:, :, :3].max(2)[inside] > 0).mean() > 0.9


def test_the_stored_convention_can_be_forced(folders):
    forced = load(folders['legacy'], color_convention='nmr')
    assert forced.metainfo['file_color_convention'] == 'nmr'
    assert not np.array_equal(forced.images, load(folders['nmr']).images)


def test_true_colours_round_trip():
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, size=(3, 4, 8, 8), dtype=np.uint8)
    rgba[:, 3] = np.where(rng.random((3, 8, 8)) < 0.3, 0, 255)
    rgba[:, :3] *= (rgba[:, 3:] > 0)
    back = to_true_colors(encode_nmr(rgba))
    assert np.abs(back.astype(int) - rgba.astype(int)).max() <= 1
    assert np.array_equal(back[:, 3], rgba[:, 3])
