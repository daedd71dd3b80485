import pytest
import torch

from mmssr.models import SiamVPHead


def toy_views(num_objects, gen):
    """Objects whose two viewpoints put a blob left (view 0) or right (1)."""
    images, views = [], []
    for _ in range(num_objects):
        color = torch.rand(3, 1, 1, generator=gen) * 0.7 + 0.3
        for view in (0, 1):
            img = torch.rand(4, 32, 32, generator=gen) * 0.2
            row = int(torch.randint(4, 20, (1, ), generator=gen))
            col = 2 + int(torch.randint(0, 6, (1, ), generator=gen))
            col = col if view == 0 else 32 - col - 10
            img[:3, row:row + 10, col:col + 8] = color
            images.append(img)
            views.append(view)
    return torch.stack(images), torch.tensor(views)


def small_head(**kwargs):
    return SiamVPHead(channels=(8, 16, 16, 16), embed_dim=32, **kwargs)


def test_loss_outputs_and_shapes():
    torch.manual_seed(0)
    head = small_head()
    images = torch.rand(12, 4, 32, 32)
    views = torch.tensor([0, 1, 2] * 4)
    out = head.loss(images, views)
    assert set(out) == {'loss_siamvp', 'acc_siamvp'}
    assert out['loss_siamvp'].requires_grad
    assert 0.0 <= out['acc_siamvp'].item() <= 1.0
    view, conf, probs = head.predict_viewpoints(images[:5],
                                                torch.rand(24, 3, 32, 32))
    assert view.shape == (5, ) and conf.shape == (5, )
    assert probs.shape == (5, 24)
    assert torch.equal(conf, probs.max(1).values)
    assert torch.equal(view, probs.argmax(1))
    refs = torch.rand(2, 24, 4, 32, 32)
    _, _, probs2 = head.predict_viewpoints(images[:5], refs, batch_size=2)
    # probabilities are averaged over the reference objects
    _, _, p0 = head.predict_viewpoints(images[:5], refs[0])
    _, _, p1 = head.predict_viewpoints(images[:5], refs[1])
    assert torch.allclose(probs2, (p0 + p1) / 2, atol=1e-6)


def test_learns_to_separate_two_viewpoints():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    head = small_head(rotation_aug=False)
    optim = torch.optim.Adam(head.parameters(), lr=1e-3)
    for _ in range(150):
        images, views = toy_views(8, gen)
        loss = head.loss(images, views)['loss_siamvp']
        optim.zero_grad()
        loss.backward()
        optim.step()
    head.eval()
    refs, _ = toy_views(1, gen)  # one reference object: views 0 and 1
    test, truth = toy_views(20, gen)
    pred, conf, _ = head.predict_viewpoints(test, refs)
    assert (pred == truth).float().mean() > 0.9
    assert conf.mean() > 0.5


def test_color_augmentation_changes_rgb_only_and_is_replayable():
    head = small_head(color_jitter=0.4, channel_shuffle=True)
    images = torch.rand(6, 4, 32, 32)
    first = head._augment_colors(images,
                                 torch.Generator().manual_seed(3))
    again = head._augment_colors(images,
                                 torch.Generator().manual_seed(3))
    assert torch.equal(first, again)  # same generator, same augmentation
    assert torch.equal(first[:, 3], images[:, 3])  # alpha untouched
    assert not torch.allclose(first[:, :3], images[:, :3])
    assert first.min() >= 0.0 and first.max() <= 1.0
    # a shuffle alone permutes channels: each output channel is an input one
    shuffle = small_head(channel_shuffle=True)._augment_colors(
        images, torch.Generator().manual_seed(0))
    for out, src in zip(shuffle, images):
        for ch in out[:3]:
            assert any(torch.equal(ch, s) for s in src[:3])
    # gains alone keep the channel order: each channel is a scaled copy
    gains = small_head(color_jitter=0.3)._augment_colors(
        images.clamp(0.1, 0.5), torch.Generator().manual_seed(0))
    ratio = gains[:, :3] / images.clamp(0.1, 0.5)[:, :3]
    spread = ratio.flatten(2).amax(2) - ratio.flatten(2).amin(2)
    assert spread.max() < 1e-5
    assert ((ratio.flatten(2)[..., 0] - 1).abs() <= 0.3 + 1e-6).all()
    # no augmentation without the options, nor when predicting
    plain = small_head()
    assert plain._augment_colors(images, None) is images
    with pytest.raises(ValueError, match='color_jitter'):
        small_head(color_jitter=1.5)


def test_color_augmentation_only_in_training_loss(monkeypatch):
    head = small_head(color_jitter=0.4, channel_shuffle=True)
    seen = []
    original = head.embed_images

    def spy(images):
        seen.append(images.clone())
        return original(images)

    monkeypatch.setattr(head, 'embed_images', spy)
    images = torch.rand(8, 4, 32, 32)
    views = torch.tensor([0, 1] * 4)
    head.loss(images, views, generator=torch.Generator().manual_seed(0))
    assert not torch.allclose(seen[-1][:, :3], images[:, :3])
    head.eval()
    head.loss(images, views, generator=torch.Generator().manual_seed(0))
    assert torch.equal(seen[-1], images)
