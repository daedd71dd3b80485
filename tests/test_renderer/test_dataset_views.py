from dataclasses import replace

import numpy as np
import torch

from mmssr.geometry import icosphere
from mmssr.renderer.dataset_views import (CONVERTED_VIEWS, SYNTHETIC_VIEWS,
                                          render_dataset_views)
from mmssr.structures import view_ids_to_eyes


def sphere(radius=0.4):
    verts, faces = icosphere(2)
    verts = np.asarray(verts, np.float32) * radius
    colors = np.full((len(faces), 3), 0.8, np.float32)
    return verts, np.asarray(faces), colors


def test_both_styles_draw_a_centred_object_on_black():
    verts, faces, colors = sphere()
    eyes = view_ids_to_eyes(torch.arange(3))
    for settings in (SYNTHETIC_VIEWS, CONVERTED_VIEWS):
        views = render_dataset_views(verts, faces, colors, eyes, 32, settings)
        assert views.shape == (3, 4, 32, 32) and views.dtype == np.uint8
        assert (views[:, 3, 16, 16] == 255).all()  # covered centre
        assert (views[:, :, 0, 0] == 0).all()  # black, transparent corner
        outside = views[:, 3] == 0
        assert (views[:, :3][np.broadcast_to(outside[:, None],
                                             views[:, :3].shape)] == 0).all()


def test_coverage_alpha_counts_sub_pixels():
    verts, faces, colors = sphere()
    eyes = view_ids_to_eyes(torch.arange(1))
    views = render_dataset_views(verts, faces, colors, eyes, 32,
                                 CONVERTED_VIEWS)
    alpha = views[0, 3].astype(int)
    # 4x4 sub-pixels: the edge pixels take multiples of 255 / 16
    levels = set(np.round(np.arange(17) * 255 / 16).astype(int).tolist())
    assert set(alpha.ravel().tolist()) <= levels
    assert len(set(alpha.ravel().tolist())) > 3  # an anti-aliased edge
    one = render_dataset_views(verts, faces, colors, eyes, 32,
                               replace(CONVERTED_VIEWS, supersample=1))
    assert set(one[0, 3].ravel().tolist()) <= {0, 255}  # hard coverage


def test_batches_do_not_change_the_views():
    verts, faces, colors = sphere()
    eyes = view_ids_to_eyes(torch.arange(5))
    whole = render_dataset_views(
        verts, faces, colors, eyes, 16,
        replace(CONVERTED_VIEWS, views_per_batch=None))
    batched = render_dataset_views(verts, faces, colors, eyes, 16,
                                   replace(CONVERTED_VIEWS, views_per_batch=2))
    assert np.array_equal(whole, batched)
