import cv2
import numpy as np
import pytest

from mmssr.datasets.synthetic.photos import make_photo
from mmssr.datasets.transforms.foreground import estimate_silhouette
from mmssr.datasets.transforms.framing import (FRAMING_RATIO, measure_framing,
                                               prepare_image)
from mmssr.errors import DataError
from mmssr.io.image import read_image

RED = (220, 30, 30)


def photo(h=120,
          w=160,
          box=(30, 20, 60, 40),
          color=RED,
          bg=(200, 205, 210),
          noise=3,
          seed=0):
    """RGB (H, W, 3) with a filled rectangle box=(x, y, bw, bh)."""
    rng = np.random.default_rng(seed)
    img = np.empty((h, w, 3), np.float32)
    img[:] = bg
    img += rng.normal(0, noise, img.shape)
    x, y, bw, bh = box
    img[y:y + bh, x:x + bw] = color
    return img.clip(0, 255).astype(np.uint8)


def write(path, rgb_or_rgba):
    code = cv2.COLOR_RGBA2BGRA if rgb_or_rgba.shape[-1] == 4 else \
        cv2.COLOR_RGB2BGR
    cv2.imwrite(str(path), cv2.cvtColor(rgb_or_rgba, code))
    return str(path)


def check_framing(prep, size, bw, bh):
    """The object is centred and its longer side is FRAMING_RATIO."""
    alpha = prep.inputs[3] > 127
    rows, cols = np.flatnonzero(alpha.any(1)), np.flatnonzero(alpha.any(0))
    longer = max(rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1)
    assert abs(longer - FRAMING_RATIO * size) <= 1.5
    assert abs((rows[0] + rows[-1]) / 2 - (size - 1) / 2) <= 1
    assert abs((cols[0] + cols[-1]) / 2 - (size - 1) / 2) <= 1
    # the aspect ratio of the box is kept
    h = rows[-1] - rows[0] + 1
    w = cols[-1] - cols[0] + 1
    assert abs(h / w - bh / bw) < 0.15  # up to a pixel at 32x32


def test_rgb_on_plain_background_is_framed(tmp_path):
    path = write(tmp_path / 'p.png', photo(box=(90, 20, 60, 40)))
    prep = prepare_image(path, 64)
    assert prep.silhouette_from == 'estimated'
    assert prep.bbox == (90, 20, 150, 60)
    assert prep.inputs.shape == (4, 64, 64) and prep.inputs.dtype == np.uint8
    check_framing(prep, 64, 60, 40)
    # the object keeps its colour, the padding is transparent black
    assert tuple(prep.inputs[:3, 32, 32]) == RED
    assert prep.inputs[:, 0, 0].tolist() == [0, 0, 0, 0]
    assert prep.framed.shape[1] == int(np.ceil(60 / FRAMING_RATIO))


def test_rgba_any_size_uses_alpha(tmp_path):
    rgba = np.zeros((90, 70, 4), np.uint8)
    rgba[10:40, 5:25] = (10, 200, 10, 255)
    prep = prepare_image(write(tmp_path / 'a.png', rgba), 32)
    assert prep.silhouette_from == 'alpha'
    check_framing(prep, 32, 20, 30)


def test_rgba_of_the_model_size_is_used_as_is(tmp_path):
    rgba = np.zeros((32, 32, 4), np.uint8)
    rgba[3:9, 20:30] = (10, 20, 30, 255)
    prep = prepare_image(write(tmp_path / 'r.png', rgba), 32)
    assert prep.silhouette_from == 'as-is'
    np.testing.assert_array_equal(prep.inputs, rgba.transpose(2, 0, 1))


def test_grayscale_16bit_and_jpeg(tmp_path):
    gray = cv2.cvtColor(
        photo(box=(20, 50, 40, 40), color=(20, 20, 20)), cv2.COLOR_RGB2GRAY)
    cv2.imwrite(str(tmp_path / 'g.png'), gray)
    prep = prepare_image(str(tmp_path / 'g.png'), 32)
    assert prep.bbox == (20, 50, 60, 90)
    check_framing(prep, 32, 40, 40)
    deep = photo(box=(20, 50, 40, 40)).astype(np.uint16) * 257
    cv2.imwrite(str(tmp_path / 'd.png'), deep[..., ::-1])
    assert read_image(str(tmp_path / 'd.png')).dtype == np.uint8
    prep = prepare_image(str(tmp_path / 'd.png'), 32)
    assert prep.bbox == (20, 50, 60, 90)
    path = str(tmp_path / 'j.jpg')
    cv2.imwrite(path,
                photo(box=(20, 50, 40, 40))[..., ::-1],
                [cv2.IMWRITE_JPEG_QUALITY, 85])
    prep = prepare_image(path, 32)
    x0, y0, x1, y1 = prep.bbox
    assert abs(x0 - 20) <= 1 and abs(y0 - 50) <= 1
    assert abs(x1 - 60) <= 1 and abs(y1 - 90) <= 1
    # arrays work too, channel-first or not
    prep = prepare_image(photo(box=(20, 50, 40, 40)).transpose(2, 0, 1), 32)
    assert prep.bbox == (20, 50, 60, 90)


def test_estimate_silhouette_fills_holes_and_drops_specks():
    img = photo(box=(40, 30, 50, 50), noise=2)
    img[50:60, 60:70] = (200, 205, 210)  # a hole of background colour
    img[5, 5] = (0, 0, 0)  # a speck
    img[100:104, 130:134] = (0, 0, 0)  # a smaller separate blob
    mask = estimate_silhouette(img)
    assert mask[55, 65] and not mask[5, 5] and not mask[101, 131]
    assert mask.sum() == 50 * 50


def test_mask_file_and_its_size(tmp_path):
    rgb = photo(box=(10, 10, 20, 20))
    path = write(tmp_path / 'p.png', rgb)
    mask = np.zeros((120, 160), np.uint8)
    mask[60:100, 100:150] = 255  # another region than the estimate
    cv2.imwrite(str(tmp_path / 'm.png'), mask)
    prep = prepare_image(path, 32, mask=str(tmp_path / 'm.png'))
    assert prep.silhouette_from == 'mask' and prep.bbox == (100, 60, 150, 100)
    cv2.imwrite(str(tmp_path / 'small.png'), mask[:50, :80])
    with pytest.raises(DataError, match=r'small.png.*80x50.*p.png.*160x120'):
        prepare_image(path, 32, mask=str(tmp_path / 'small.png'))


def test_no_object_is_a_data_error(tmp_path):
    blank = np.full((50, 70, 3), 128, np.uint8)
    with pytest.raises(DataError, match='blank.png.*no separable object'):
        prepare_image(write(tmp_path / 'blank.png', blank), 32)
    empty = np.zeros((32, 32, 4), np.uint8)
    with pytest.raises(DataError, match='e.png.*alpha.*empty'):
        prepare_image(write(tmp_path / 'e.png', empty), 32)
    with pytest.raises(DataError, match='alpha channel'):
        prepare_image(
            write(tmp_path / 'rgb.png', photo()), 32, background='alpha')


def test_framing_ratio_is_the_measured_one(tiny_synthetic_root):
    import glob
    views = [
        np.load(f)[np.load(f).files[0]]
        for f in sorted(glob.glob(f'{tiny_synthetic_root}/*_images.npz'))
    ]
    measured = np.mean([measure_framing(v) for v in views])
    assert abs(measured - FRAMING_RATIO) < 0.1


def test_make_photo_round_trip(tmp_path, tiny_synthetic_root):
    """A view pasted on a noisy background comes back as the same view."""
    import os.path as osp
    with np.load(osp.join(tiny_synthetic_root,
                          '03001627_test_images.npz')) as npz:
        view = npz[npz.files[0]][0, 0]
    rgb = make_photo(view, (240, 320), 0.5, (0.4, 0.7))
    assert rgb.shape == (240, 320, 3)
    prep = prepare_image(rgb, 32)
    alpha = view[3] > 0
    rows = np.flatnonzero(alpha.any(1))
    cols = np.flatnonzero(alpha.any(0))
    side = max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1
    x0, y0, x1, y1 = prep.bbox
    expected = side * 120 / 32  # the view was scaled to 120 pixels
    assert abs(max(x1 - x0, y1 - y0) - expected) <= 6
