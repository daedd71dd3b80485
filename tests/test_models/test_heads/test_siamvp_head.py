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
