import cv2
import numpy as np
import pytest

from mmssr.apis import load_rgba_image


def test_load_rgba_image_and_its_errors(tmp_path):
    good = tmp_path / 'good.png'
    img = np.zeros((16, 16, 4), dtype=np.uint8)
    img[..., 2] = 200  # red in BGRA order
    img[4:12, 4:12, 3] = 255
    cv2.imwrite(str(good), img)
    rgba = load_rgba_image(str(good), 16)
    assert rgba.shape == (4, 16, 16) and rgba.dtype == np.uint8
    assert rgba[0, 0, 0] == 200 and rgba[3, 8, 8] == 255

    rgb = tmp_path / 'rgb.png'
    cv2.imwrite(str(rgb), img[..., :3])
    with pytest.raises(ValueError, match='rgb.png.*RGBA.*3 channel'):
        load_rgba_image(str(rgb), 16)
    with pytest.raises(ValueError, match='good.png.*expected 32x32'):
        load_rgba_image(str(good), 32)
    with pytest.raises(FileNotFoundError, match='missing.png'):
        load_rgba_image(str(tmp_path / 'missing.png'), 16)
    junk = tmp_path / 'junk.png'
    junk.write_bytes(b'not an image')
    with pytest.raises(ValueError, match='junk.png'):
        load_rgba_image(str(junk), 16)
