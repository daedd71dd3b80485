import cv2
import numpy as np
import pytest

from mmssr.datasets.synthetic.photos import make_photo
from mmssr.datasets.transforms.foreground import (estimate_silhouette,
                                                  grabcut_silhouette)
from mmssr.datasets.transforms.framing import prepare_image
from mmssr.errors import DataError, UserError


def chair_view(size=64):
    """An RGBA (4, S, S) view of a dark red chair-like object."""
    view = np.zeros((size, size, 4), np.uint8)
    s = size / 64
    for x0, y0, x1, y1, colour in [
        (20, 8, 44, 32, (110, 40, 30)),  # back
        (18, 32, 46, 40, (160, 70, 40)),  # seat
        (19, 40, 23, 58, (50, 35, 25)),  # legs
        (41, 40, 45, 58, (50, 35, 25))
    ]:
        view[int(y0 * s):int(y1 * s), int(x0 * s):int(x1 * s)] = \
            (*colour, 255)
    return view.transpose(2, 0, 1)


def iou(a, b):
    return (a & b).sum() / (a | b).sum()


@pytest.mark.parametrize('pattern,colour', [('gradient', (200, 205, 210)),
                                            ('texture', (120, 140, 160))])
def test_grabcut_beats_the_plain_background_estimate(pattern, colour):
    photo, truth = make_photo(
        chair_view(), (240, 320),
        0.45, (0.45, 0.55),
        colour,
        pattern=pattern,
        with_mask=True)
    estimated = iou(estimate_silhouette(photo), truth)
    cut = iou(grabcut_silhouette(photo), truth)
    assert cut > 0.95, (estimated, cut)
    assert estimated < 0.5, (estimated, cut)


def test_plain_background_still_works():
    photo, truth = make_photo(
        chair_view(), (240, 320), 0.45, (0.45, 0.55), with_mask=True)
    assert iou(grabcut_silhouette(photo), truth) > 0.9
    # a photo smaller than the coarse pass's size skips the second pass
    small = cv2.resize(photo, (100, 75), interpolation=cv2.INTER_AREA)
    mask = cv2.resize(truth.astype(np.uint8), (100, 75)) > 0
    assert iou(grabcut_silhouette(small), mask) > 0.8


def test_prepare_image_grabcut_and_framing_ratio(tmp_path):
    photo, truth = make_photo(
        chair_view(), (240, 320),
        0.45, (0.45, 0.55),
        pattern='texture',
        with_mask=True)
    path = str(tmp_path / 'photo.png')
    cv2.imwrite(path, photo[..., ::-1])
    prep = prepare_image(path, 64, background='grabcut', ratio=0.5)
    assert prep.silhouette_from == 'grabcut'
    assert iou(prep.mask, truth) > 0.9
    # the object's longer side covers half of the model's input
    alpha = prep.inputs[3] > 0
    rows, cols = np.flatnonzero(alpha.any(1)), np.flatnonzero(alpha.any(0))
    side = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    assert side == pytest.approx(32, abs=2)
    with pytest.raises(UserError, match='framing-ratio 1.5'):
        prepare_image(path, 64, ratio=1.5)
    blank = np.full((60, 80, 3), 128, np.uint8)
    with pytest.raises(DataError, match='GrabCut found no object'):
        prepare_image(blank, 64, background='grabcut', name='blank')
