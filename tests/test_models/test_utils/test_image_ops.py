import torch

from mmssr.models.utils import rotate_images


def test_rotate_images_quarter_turn():
    img = torch.zeros(1, 1, 9, 9)
    img[0, 0, 1, 4] = 1.0  # a bright pixel above the centre
    out = rotate_images(img, 90.0)
    r, c = divmod(int(out.argmax()), 9)
    # a positive angle turns the image content a quarter turn
    assert (r, c) in ((4, 1), (4, 7))
    back = rotate_images(out, -90.0)
    assert int(back.argmax()) == 1 * 9 + 4
