import pytest
import torch

from mmssr.models import SiamVP, SiamVPPairLoss
from mmssr.registry import MODELS


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
    return SiamVP(channels=(8, 16, 16, 16), embed_dim=32, **kwargs)


def test_parameter_names_and_shapes_match_old_checkpoints():
    head = MODELS.build(dict(type='SiamVP'))
    shapes = {k: tuple(v.shape) for k, v in head.state_dict().items()}
    assert {k.split('.')[0]
            for k in shapes} == {'features', 'embed', 'classifier'}
    # four conv-BN-ReLU-pool blocks: conv at 0, 4, 8, 12; BN at 1, 5, ...
    assert shapes['features.0.weight'] == (32, 3, 3, 3)
    assert shapes['features.12.weight'] == (128, 128, 3, 3)
    assert shapes['features.13.running_mean'] == (128, )
    assert shapes['embed.weight'] == (256, 128 * 16)
    assert shapes['classifier.weight'] == (1, 256)
    assert shapes['classifier.bias'] == (1, )
    assert len(shapes) == 4 * 6 + 4  # conv w; BN w, b, mean, var, count


def test_forward_is_all_pair_logits():
    torch.manual_seed(0)
    head = small_head().eval()
    images = torch.rand(5, 4, 32, 32)
    logits = head(images)
    assert logits.shape == (5, 5)
    emb = head.embed_images(images)
    assert emb.shape == (5, 32)
    # alpha (channel 3) is not read
    assert torch.equal(emb, head.embed_images(images[:, :3]))
    expected = head.classifier((emb[1] - emb[3]).abs())
    assert logits[1, 3].item() == pytest.approx(expected.item(), abs=1e-6)
    assert torch.allclose(logits, logits.T)
    assert torch.allclose(
        logits.diagonal(), head.classifier.bias.expand(5), atol=1e-6)
    assert torch.allclose(logits, head.pair_logits(emb[:, None], emb[None]))
    with pytest.raises(ValueError, match='expected images'):
        head(images[:, :2])
    with pytest.raises(ValueError, match='expected images'):
        head.embed_images(images[0])


@pytest.mark.parametrize('n', [0, 1])
def test_forward_without_pairs_reaches_every_parameter(n):
    head = small_head().train()
    before = {k: v.clone() for k, v in head.state_dict().items()}
    logits = head(torch.rand(n, 4, 32, 32))
    assert logits.shape == (n, n)
    assert torch.equal(logits, torch.zeros(n, n))
    (logits.sum() * 0).backward()
    for name, p in head.named_parameters():
        assert p.grad is not None, name
        assert torch.equal(p.grad, torch.zeros_like(p)), name
    # the network did not run: BatchNorm statistics are unchanged
    for k, v in head.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_training_forward_gives_gradients_to_all_parameters():
    torch.manual_seed(0)
    head = small_head().train()
    head(torch.rand(4, 3, 32, 32)).sum().backward()
    for name, p in head.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name


def test_predict_viewpoints_shapes_averaging_and_batching():
    torch.manual_seed(0)
    head = small_head()
    head(torch.rand(8, 4, 32, 32))  # a training step moves BN statistics
    images = torch.rand(7, 4, 32, 32)
    view, conf, probs = head.predict_viewpoints(images[:5],
                                                torch.rand(24, 3, 32, 32))
    assert view.shape == (5, ) and conf.shape == (5, )
    assert probs.shape == (5, 24)
    assert ((probs > 0) & (probs < 1)).all()
    assert torch.equal(conf, probs.max(1).values)
    assert torch.equal(view, probs.argmax(1))
    assert head.training  # the training flag is restored
    refs = torch.rand(2, 24, 4, 32, 32)
    _, _, probs2 = head.predict_viewpoints(images[:5], refs, batch_size=2)
    # probabilities are averaged over the reference objects
    _, _, p0 = head.predict_viewpoints(images[:5], refs[0])
    _, _, p1 = head.predict_viewpoints(images[:5], refs[1])
    assert torch.allclose(probs2, (p0 + p1) / 2, atol=1e-6)
    # eval mode: each answer does not depend on the batching or the batch
    _, _, big = head.predict_viewpoints(images, refs, batch_size=256)
    _, _, small = head.predict_viewpoints(images, refs, batch_size=3)
    _, _, one = head.predict_viewpoints(images[2:3], refs)
    assert torch.allclose(big, small, atol=1e-6)
    assert torch.allclose(big[2:3], one, atol=1e-6)
    assert torch.allclose(big[:5], probs2, atol=1e-6)
    head.eval()
    head.predict_viewpoints(images, refs)
    assert not head.training
    view, conf, probs = head.predict_viewpoints(images[:0], refs)
    assert view.shape == (0, ) and conf.shape == (0, )
    assert probs.shape == (0, 24)


def test_predict_viewpoints_leaves_batchnorm_statistics():
    head = small_head().train()
    before = {k: v.clone() for k, v in head.state_dict().items()}
    head.predict_viewpoints(torch.rand(3, 4, 32, 32), torch.rand(2, 4, 32, 32))
    for k, v in head.state_dict().items():
        assert torch.equal(v, before[k]), k


def test_learns_to_separate_two_viewpoints():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    head = small_head()
    loss_fn = SiamVPPairLoss()
    optim = torch.optim.Adam(head.parameters(), lr=1e-3)
    for _ in range(150):
        images, views = toy_views(8, gen)
        loss = loss_fn(head(images), views)['loss_siamvp']
        optim.zero_grad()
        loss.backward()
        optim.step()
    head.eval()
    refs, _ = toy_views(1, gen)  # one reference object: views 0 and 1
    test, truth = toy_views(20, gen)
    pred, conf, _ = head.predict_viewpoints(test, refs)
    assert (pred == truth).float().mean() > 0.9
    assert conf.mean() > 0.5


def test_reference_network_has_the_reference_layers():
    from mmssr.errors import ConfigError
    from mmssr.models.siamvp import ReferenceSiamVP
    net = ReferenceSiamVP()
    # SSR src/models.py Siamese: 6272 -> 4096 (sigmoid) -> 1, no norm layers
    assert net.embed[0].in_features == 6272
    assert net.embed[0].out_features == 4096
    assert net.classifier.in_features == 4096
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    logits = net(torch.rand(6, 4, 64, 64))
    assert logits.shape == (6, 6)
    emb = net.embed_images(torch.rand(3, 4, 64, 64))
    assert ((emb > 0) & (emb < 1)).all()
    with pytest.raises(ConfigError, match='too small'):
        ReferenceSiamVP(image_size=32)


def test_deterministic_mode_trains_without_adaptive_pooling():
    """randomness.deterministic=True on a GPU: CUDA has no deterministic
    backward of adaptive average pooling, so SiamVP's pool must avoid it
    there (counted on the CPU) and give the same numbers."""
    from torch.overrides import TorchFunctionMode

    class CountAdaptive(TorchFunctionMode):

        def __init__(self):
            super().__init__()
            self.calls = 0

        def __torch_function__(self, func, types, args=(), kwargs=None):
            if 'adaptive_avg_pool' in getattr(func, '__name__', ''):
                self.calls += 1
            return func(*args, **(kwargs or {}))

    torch.manual_seed(0)
    head = SiamVP(channels=(4, 4, 4, 4), embed_dim=8)
    images = torch.rand(4, 3, 64, 64)
    plain = head(images)
    was = torch.are_deterministic_algorithms_enabled()
    torch.use_deterministic_algorithms(True)
    try:
        with CountAdaptive() as counter:
            logits = head(images)
            logits.sum().backward()
        # a 60x60 input does not divide into 4x4: the adaptive pool, as ever
        with CountAdaptive() as odd:
            head(torch.rand(2, 3, 60, 60))
    finally:
        torch.use_deterministic_algorithms(was)
    assert counter.calls == 0 and odd.calls == 1
    torch.testing.assert_close(logits, plain, rtol=1e-5, atol=1e-6)
