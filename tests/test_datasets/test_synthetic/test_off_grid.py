"""Training objects rendered off the grid for the unlabeled split."""
import os

import numpy as np
import pytest

from mmssr.datasets.synthetic import (generate_synthetic_dataset,
                                      render_object_views,
                                      synthetic_object_mesh)
from mmssr.datasets.synthetic.off_grid import off_grid_cameras
from mmssr.datasets.view_files import load_views
from mmssr.errors import DataError
from mmssr.structures.color import encode_nmr
from mmssr.structures.view_cameras import grid_cameras
from ...conftest import TINY_CATEGORIES, TINY_SYNTHETIC

SYNSETS = ('03001627', '02958343')


def test_half_step_and_anywhere_ranges():
    rng = np.random.default_rng(0)
    grid = grid_cameras(np.arange(24))
    for _ in range(20):
        half = off_grid_cameras('half', rng)
        offset = (half[:, 0] - grid[:, 0] + 180) % 360 - 180
        assert np.abs(offset).max() <= 7.5
        assert np.abs(half[:, 1] - 30).max() <= 5
        assert np.abs(half[:, 2] / 2.732 - 1).max() <= 0.05
        anywhere = off_grid_cameras('anywhere', rng)
        assert (-180 <= anywhere[:, 0]).all() and (anywhere[:, 0] < 180).all()
        assert (10 <= anywhere[:, 1]).all() and (anywhere[:, 1] <= 50).all()
        assert (2.4 <= anywhere[:, 2]).all() and (anywhere[:, 2] <= 3.1).all()
    # anywhere spreads over the whole ranges
    many = np.concatenate(
        [off_grid_cameras('anywhere', rng) for _ in range(50)])
    assert np.ptp(many[:, 0]) > 340 and np.ptp(many[:, 1]) > 36
    with pytest.raises(ValueError, match='half'):
        off_grid_cameras('grid', rng)


def test_views_file_of_the_training_objects(tiny_off_grid_root):
    for synset in SYNSETS:
        views = load_views(
            os.path.join(tiny_off_grid_root, f'{synset}_train_views.npz'))
        num = TINY_SYNTHETIC['num_train']
        assert views.images.shape == (num * 24, 4, 32, 32)
        assert views.objects.tolist() == [
            o for o in range(num) for _ in range(24)
        ]
        cams = views.cameras
        assert (10 <= cams[:, 1]).all() and (cams[:, 1] <= 50).all()
        assert (2.4 <= cams[:, 2]).all() and (cams[:, 2] <= 3.1).all()
        # nobody sits on the grid
        assert np.abs(cams[:, 1] - 30).mean() > 5
    # each image is its object seen from its camera
    views = load_views(
        os.path.join(tiny_off_grid_root, '03001627_train_views.npz'))
    verts, faces, colors = synthetic_object_mesh('chair', 'train', 1)
    fresh = encode_nmr(
        render_object_views(verts, faces, colors, 32, views.cameras[24:48]))
    assert np.abs(fresh.astype(int) -
                  views.images[24:48].astype(int)).max() <= 1


def test_labeled_val_and_test_stay_on_the_grid(tiny_off_grid_root,
                                               tiny_synthetic_root):
    for synset in SYNSETS:
        for split in ('train', 'val', 'test'):
            for kind in ('images', 'voxels'):
                name = f'{synset}_{split}_{kind}.npz'
                with np.load(os.path.join(tiny_off_grid_root, name)) as a, \
                        np.load(os.path.join(tiny_synthetic_root, name)) as b:
                    np.testing.assert_array_equal(a['arr_0'], b['arr_0'])
    assert not [
        n for n in os.listdir(tiny_synthetic_root) if n.endswith('_views.npz')
    ]


def test_unknown_mode_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match='unlabeled_views'):
        generate_synthetic_dataset(
            str(tmp_path / 'x'),
            TINY_CATEGORIES,
            progress=False,
            unlabeled_views='sideways',
            **TINY_SYNTHETIC)
