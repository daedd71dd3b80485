import pytest
import torch

from mmssr.models import (RandomChannelGain, RandomChannelShuffle,
                          RandomInPlaneRotation)
from mmssr.models.utils import rotate_images
from mmssr.registry import MODELS


def images_with_distinct_channels(n=6, size=8):
    """Channel k of image i is constant 0.1 * (k + 1) + 0.01 * i."""
    ch = torch.arange(4.0)[None, :, None, None] * 0.1 + 0.1
    img = torch.arange(float(n))[:, None, None, None] * 0.01
    return (ch + img).expand(n, 4, size, size).clone()


def test_channel_shuffle_permutes_rgb_per_image():
    images = images_with_distinct_channels()
    out = RandomChannelShuffle()(images, torch.Generator().manual_seed(3))
    order = torch.rand(
        6, 3, generator=torch.Generator().manual_seed(3)).argsort(1)
    for i in range(6):
        for k in range(3):
            assert torch.equal(out[i, k], images[i, order[i, k]])
    assert torch.equal(out[:, 3], images[:, 3])  # alpha untouched
    assert not torch.equal(out, images)  # some image was permuted
    # each image keeps its own three channels
    assert torch.equal(out[:, :3].sort(1).values, images[:, :3])
    # replayable with the same generator, and it acts in eval mode too
    again = RandomChannelShuffle().eval()(images,
                                          torch.Generator().manual_seed(3))
    assert torch.equal(out, again)


def test_channel_shuffle_of_other_channel_counts():
    images = images_with_distinct_channels()
    out = RandomChannelShuffle(channels=2)(images,
                                           torch.Generator().manual_seed(0))
    assert torch.equal(out[:, 2:], images[:, 2:])
    assert torch.equal(out[:, :2].sort(1).values, images[:, :2])
    with pytest.raises(ValueError, match='channels'):
        RandomChannelShuffle(channels=0)
    with pytest.raises(ValueError, match='expected images'):
        RandomChannelShuffle()(images[:, :2])


def test_channel_gain_scales_each_rgb_channel():
    images = images_with_distinct_channels()
    out = RandomChannelGain(0.3)(images, torch.Generator().manual_seed(0))
    gain = 1.0 + 0.3 * (2.0 * torch.rand(
        6, 3, 1, 1, generator=torch.Generator().manual_seed(0)) - 1.0)
    assert torch.allclose(out[:, :3], images[:, :3] * gain)
    assert torch.equal(out[:, 3], images[:, 3])  # alpha untouched
    ratio = out[:, :3] / images[:, :3]
    spread = ratio.flatten(2).amax(2) - ratio.flatten(2).amin(2)
    assert spread.max() < 1e-6  # one gain per channel and image
    assert ((ratio[..., 0, 0] - 1).abs() <= 0.3 + 1e-6).all()
    assert (ratio[..., 0, 0] - 1).abs().max() > 0.05  # not the identity


def test_channel_gain_clamps_and_checks():
    bright = torch.full((64, 4, 2, 2), 0.9)
    out = RandomChannelGain(0.5)(bright, torch.Generator().manual_seed(0))
    assert out.max() == 1.0 and out.min() >= 0.45 - 1e-6
    assert torch.equal(out[:, 3], bright[:, 3])  # alpha is not clamped/gained
    assert torch.equal(RandomChannelGain(0.0)(bright), bright)
    for bad in (-0.1, 1.0, 1.5):
        with pytest.raises(ValueError, match='magnitude'):
            RandomChannelGain(bad)


def test_rotation_uses_one_angle_for_the_batch():
    images = torch.zeros(3, 4, 16, 16)
    images[:, :, 6:10, 11:15] = 1.0  # a blob right of the centre
    out = RandomInPlaneRotation(60.0)(images, torch.Generator().manual_seed(2))
    angle = (torch.rand(
        (), generator=torch.Generator().manual_seed(2)) * 2 - 1) * 60.0
    assert 1.0 < abs(angle.item()) <= 60.0
    assert torch.equal(out, rotate_images(images, angle))
    assert not torch.allclose(out, images)
    # all images and all channels (alpha too) turned alike
    assert torch.equal(out[0], out[1]) and torch.equal(out[0, 0], out[0, 3])
    assert torch.equal(
        RandomInPlaneRotation(60.0).eval()(images,
                                           torch.Generator().manual_seed(2)),
        out)
    with pytest.raises(ValueError, match='max_angle'):
        RandomInPlaneRotation(-1.0)


def test_built_from_config_in_the_old_head_order():
    """rotation -> shuffle -> gain draws as SiamVP's training loss did."""
    augments = [
        MODELS.build(dict(type='RandomInPlaneRotation', max_angle=45.0)),
        MODELS.build(dict(type='RandomChannelShuffle')),
        MODELS.build(dict(type='RandomChannelGain', magnitude=0.4))
    ]
    for aug in augments:
        assert not list(aug.parameters())
    torch.manual_seed(0)
    images = torch.rand(5, 4, 16, 16)
    gen = torch.Generator().manual_seed(9)
    out = images
    for aug in augments:
        out = aug(out, generator=gen)
    # the old SiamVP draws, by hand
    ref = torch.Generator().manual_seed(9)
    angle = (torch.rand((), generator=ref) * 2 - 1) * 45.0
    expected = rotate_images(images, angle)
    order = torch.rand(5, 3, generator=ref).argsort(1)[:, :, None, None]
    rgb = torch.gather(expected[:, :3], 1, order.expand_as(expected[:, :3]))
    gain = 1.0 + 0.4 * (2.0 * torch.rand(5, 3, 1, 1, generator=ref) - 1.0)
    rgb = (rgb * gain).clamp(0.0, 1.0)
    expected = torch.cat([rgb, expected[:, 3:]], 1)
    assert torch.equal(out, expected)
    assert torch.equal(gen.get_state(), ref.get_state())


def test_empty_batch():
    empty = torch.zeros(0, 4, 8, 8)
    for aug in (RandomChannelShuffle(), RandomChannelGain(0.2),
                RandomInPlaneRotation()):
        assert aug(empty).shape == (0, 4, 8, 8)
