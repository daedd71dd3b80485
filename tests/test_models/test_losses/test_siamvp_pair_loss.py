import math

import pytest
import torch
import torch.nn.functional as F

from mmssr.models import (RandomChannelGain, RandomChannelShuffle,
                          RandomInPlaneRotation, SiamVP, SiamVPPairLoss)
from mmssr.models.utils import rotate_images
from mmssr.registry import MODELS


def softplus(x):
    return math.log1p(math.exp(x))


def bce(logit, target):
    """BCE with logits of one pair, by hand."""
    return softplus(-logit) if target else softplus(logit)


def sym(values, n):
    """Symmetric (n, n) logits from the upper triangle, row by row."""
    out = torch.zeros(n, n)
    it = iter(values)
    for i in range(n):
        for j in range(i + 1, n):
            out[i, j] = out[j, i] = next(it)
    return out


# view ids [0, 1, 0, 1]: pairs i < j in row-major (nonzero) order are
# (0,1) neg, (0,2) pos, (0,3) neg, (1,2) neg, (1,3) pos, (2,3) neg
VIEWS = torch.tensor([0, 1, 0, 1])
LOGITS = sym([-1.0, 2.0, 0.5, -3.0, -0.25, -2.0], 4)
POS = [2.0, -0.25]  # (0,2), (1,3)
NEG = [-1.0, 0.5, -3.0, -2.0]  # (0,1), (0,3), (1,2), (2,3)


def test_hardest_pairs_only_by_hand():
    out = SiamVPPairLoss(num_random_pairs=0)(LOGITS, VIEWS)
    # hardest positive: (1,3) at -0.25; hardest negative: (0,3) at 0.5
    expected = (bce(-0.25, 1) + bce(0.5, 0)) / 2
    assert out['loss_siamvp'].item() == pytest.approx(expected, rel=1e-6)
    # the accuracy counts random pairs only: none here
    assert out['acc_siamvp'].item() == 0.0
    weighted = SiamVPPairLoss(
        num_random_pairs=0, loss_weight=3.0)(LOGITS, VIEWS)
    assert weighted['loss_siamvp'].item() == pytest.approx(
        3 * expected, rel=1e-6)


def test_hardest_plus_random_pairs_by_hand():
    """The old SiamVP.loss selection, rebuilt by hand on 4 images."""
    k = 5
    # draws in the old order: random positives, then random negatives
    draw = torch.Generator().manual_seed(7)
    pos_pick = torch.randint(len(POS), (k, ), generator=draw).tolist()
    neg_pick = torch.randint(len(NEG), (k, ), generator=draw).tolist()
    pairs = ([(min(POS), 1)] + [(POS[i], 1) for i in pos_pick] +
             [(max(NEG), 0)] + [(NEG[i], 0) for i in neg_pick])
    expected = sum(bce(v, t) for v, t in pairs) / len(pairs)
    random = [(POS[i], 1) for i in pos_pick] + [(NEG[i], 0) for i in neg_pick]
    expected_acc = sum((v > 0) == bool(t) for v, t in random) / len(random)
    out = SiamVPPairLoss(num_random_pairs=k)(
        LOGITS, VIEWS, generator=torch.Generator().manual_seed(7))
    assert out['loss_siamvp'].item() == pytest.approx(expected, rel=1e-6)
    assert out['acc_siamvp'].item() == pytest.approx(expected_acc)
    # this draw: positives (1,3) x3 (wrong), (0,2) x2; negatives (2,3) x3,
    # (0,1), (0,3) (wrong): 6 of 10 random pairs right. Counting the two
    # (wrong) hardest pairs too would give 6 / 12.
    assert pos_pick == [1, 0, 1, 0, 1] and neg_pick == [3, 3, 3, 0, 1]
    assert out['acc_siamvp'].item() == pytest.approx(0.6)


def test_accuracy_ignores_the_hard_pairs():
    # every pair correct except the two hardest ones
    views = torch.tensor([0, 0, 0, 1, 1])
    logits = torch.full((5, 5), 3.0)
    logits[views[:, None] != views[None]] = -3.0
    logits[0, 1] = -1.0  # hardest positive, wrong
    logits[2, 4] = 1.0  # hardest negative, wrong
    # the random draws: which of the 4 positive / 6 negative pairs
    gen = torch.Generator().manual_seed(1)
    pos_pick = torch.randint(4, (8, ), generator=gen)
    neg_pick = torch.randint(6, (8, ), generator=gen)
    # nonzero order: positives (0,1),(0,2),(1,2),(3,4);
    # negatives (0,3),(0,4),(1,3),(1,4),(2,3),(2,4)
    wrong = int((pos_pick == 0).sum() + (neg_pick == 5).sum())
    out = SiamVPPairLoss(num_random_pairs=8)(
        logits, views, generator=torch.Generator().manual_seed(1))
    assert out['acc_siamvp'].item() == pytest.approx(1 - wrong / 16)
    assert not out['acc_siamvp'].requires_grad
    # with random pairs all correct (hard pairs made correct), accuracy 1
    logits[0, 1], logits[2, 4] = 0.5, -0.5
    out = SiamVPPairLoss(num_random_pairs=8)(logits, views)
    assert out['acc_siamvp'].item() == 1.0


def test_groups_restrict_pairs():
    views = torch.tensor([0, 1, 0, 1])
    groups = torch.tensor([0, 0, 1, 1])
    # within groups: (0,1) neg and (2,3) neg only, no positive pair
    logits = sym([-1.0, 9.0, 9.0, 9.0, 9.0, 0.5], 4)
    out = SiamVPPairLoss(num_random_pairs=0)(logits, views, groups=groups)
    assert out['loss_siamvp'].item() == pytest.approx(bce(0.5, 0), rel=1e-6)
    # without groups the cross-group pairs (value 9) dominate
    out = SiamVPPairLoss(num_random_pairs=0)(logits, views)
    assert out['loss_siamvp'].item() == pytest.approx(
        (bce(9.0, 1) + bce(9.0, 0)) / 2, rel=1e-6)
    # random pairs are drawn inside the groups too
    out = SiamVPPairLoss(num_random_pairs=4)(
        logits, views, groups=groups, generator=torch.Generator())
    pick = torch.randint(2, (4, ), generator=torch.Generator())
    vals = [[-1.0, 0.5][i] for i in pick.tolist()]
    expected = (bce(0.5, 0) + sum(bce(v, 0) for v in vals)) / 5
    assert out['loss_siamvp'].item() == pytest.approx(expected, rel=1e-6)
    assert out['acc_siamvp'].item() == pytest.approx(
        sum(v < 0 for v in vals) / 4)


def test_gradient_reaches_only_chosen_pairs():
    logits = LOGITS.clone().requires_grad_()
    SiamVPPairLoss(num_random_pairs=0)(logits, VIEWS)['loss_siamvp'] \
        .backward()
    nonzero = torch.nonzero(logits.grad).tolist()
    assert nonzero == [[0, 3], [1, 3]]
    # d/dx mean BCE = (sigmoid(x) - target) / 2
    assert logits.grad[1, 3].item() == pytest.approx(
        (torch.sigmoid(torch.tensor(-0.25)).item() - 1) / 2, rel=1e-5)
    assert logits.grad[0, 3].item() == pytest.approx(
        torch.sigmoid(torch.tensor(0.5)).item() / 2, rel=1e-5)


def test_replayable_with_a_generator():
    torch.manual_seed(0)
    logits = torch.randn(12, 12)
    views = torch.tensor([0, 1, 2] * 4)
    loss = SiamVPPairLoss(num_random_pairs=3)
    a = loss(logits, views, generator=torch.Generator().manual_seed(5))
    b = loss(logits, views, generator=torch.Generator().manual_seed(5))
    c = loss(logits, views, generator=torch.Generator().manual_seed(6))
    assert torch.equal(a['loss_siamvp'], b['loss_siamvp'])
    assert torch.equal(a['acc_siamvp'], b['acc_siamvp'])
    assert not torch.equal(a['loss_siamvp'], c['loss_siamvp'])
    # exactly 2 * num_random_pairs draws are consumed
    gen = torch.Generator().manual_seed(5)
    loss(logits, views, generator=gen)
    ref = torch.Generator().manual_seed(5)
    torch.randint(12, (6, ), generator=ref)
    assert torch.equal(gen.get_state(), ref.get_state())


@pytest.mark.parametrize('n', [0, 1])
def test_no_pair_keeps_the_graph(n):
    leaf = torch.ones((), requires_grad=True)
    logits = torch.zeros(n, n) + leaf
    out = SiamVPPairLoss()(logits, torch.zeros(n, dtype=torch.long))
    assert out['loss_siamvp'].item() == 0.0
    assert out['acc_siamvp'].item() == 0.0
    out['loss_siamvp'].backward()
    assert leaf.grad is not None and leaf.grad.item() == 0.0


def test_no_pair_inside_groups_keeps_the_graph():
    logits = torch.randn(3, 3, requires_grad=True)
    out = SiamVPPairLoss()(
        logits, torch.tensor([0, 1, 0]), groups=torch.tensor([0, 1, 2]))
    assert out['loss_siamvp'].item() == 0.0
    assert out['acc_siamvp'].item() == 0.0
    out['loss_siamvp'].backward()
    assert torch.equal(logits.grad, torch.zeros(3, 3))


def test_only_one_kind_of_pair():
    logits = sym([1.0, -2.0, 0.5], 3)
    out = SiamVPPairLoss(num_random_pairs=0)(logits, torch.tensor([4, 4, 4]))
    assert out['loss_siamvp'].item() == pytest.approx(bce(-2.0, 1), rel=1e-6)
    out = SiamVPPairLoss(num_random_pairs=0)(logits, torch.tensor([0, 1, 2]))
    assert out['loss_siamvp'].item() == pytest.approx(bce(1.0, 0), rel=1e-6)


def test_checks_and_registry():
    loss = MODELS.build(
        dict(type='SiamVPPairLoss', num_random_pairs=2, loss_weight=0.5))
    assert isinstance(loss, SiamVPPairLoss)
    assert loss.num_random_pairs == 2 and loss.loss_weight == 0.5
    assert not list(loss.parameters())
    with pytest.raises(ValueError, match='num_random_pairs'):
        SiamVPPairLoss(num_random_pairs=-1)
    with pytest.raises(ValueError, match=r'\(N, N\)'):
        loss(torch.zeros(3, 4), torch.zeros(3))
    with pytest.raises(ValueError, match='view ids'):
        loss(torch.zeros(3, 3), torch.zeros(2))
    with pytest.raises(ValueError, match='groups'):
        loss(torch.zeros(3, 3), torch.zeros(3), groups=torch.zeros(4))


def old_siamvp_loss(head, images, view_ids, groups, generator,
                    num_random_pairs, max_rotation, color_jitter):
    """SiamVP.loss before the split (rotation, shuffle and jitter on)."""
    n = images.shape[0]
    angle = (torch.rand((), generator=generator) * 2 - 1) * max_rotation
    images = rotate_images(images, angle)
    c = head.in_channels
    rgb = images[:, :c]
    order = torch.rand(n, c, generator=generator).argsort(1)[:, :, None, None]
    rgb = torch.gather(rgb, 1, order.expand_as(rgb))
    gain = 1.0 + color_jitter * (
        2.0 * torch.rand(n, c, 1, 1, generator=generator) - 1.0)
    rgb = (rgb * gain).clamp(0.0, 1.0)
    images = torch.cat([rgb, images[:, c:]], 1)
    emb = head.embed_images(images)
    logits = head.pair_logits(emb[:, None], emb[None])
    upper = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)
    upper &= groups[:, None] == groups[None]
    same = view_ids[:, None] == view_ids[None]
    scored, targets, flags = [], [], []
    for mask, target, pick_hard in ((upper & same, 1.0, torch.argmin),
                                    (upper & ~same, 0.0, torch.argmax)):
        idx = torch.nonzero(mask)
        values = logits[idx[:, 0], idx[:, 1]]
        hard = pick_hard(values)
        pick = torch.randint(
            len(idx), (num_random_pairs, ), generator=generator)
        chosen = torch.cat([values[hard:hard + 1], values[pick]])
        scored.append(chosen)
        targets.append(torch.full_like(chosen, target))
        flags.append(torch.arange(len(chosen)) > 0)
    scored, targets = torch.cat(scored), torch.cat(targets)
    loss = F.binary_cross_entropy_with_logits(scored, targets)
    acc = ((scored > 0).float() == targets)[torch.cat(flags)].float().mean()
    return loss, acc


def test_equals_the_old_composite_head_loss():
    torch.manual_seed(0)
    head = SiamVP(channels=(8, 8, 8, 8), embed_dim=16).train()
    images = torch.rand(8, 4, 32, 32)
    views = torch.tensor([0, 1, 2, 3] * 2)
    groups = torch.tensor([0, 0, 1, 1, 0, 0, 1, 1])
    old_loss, old_acc = old_siamvp_loss(
        head,
        images,
        views,
        groups,
        torch.Generator().manual_seed(11),
        num_random_pairs=6,
        max_rotation=30.0,
        color_jitter=0.4)
    old_grads = torch.autograd.grad(old_loss, list(head.parameters()))

    augments = [
        RandomInPlaneRotation(30.0),
        RandomChannelShuffle(),
        RandomChannelGain(0.4)
    ]
    gen = torch.Generator().manual_seed(11)
    x = images
    for aug in augments:
        x = aug(x, generator=gen)
    out = SiamVPPairLoss(num_random_pairs=6)(
        head(x), views, groups=groups, generator=gen)
    new_grads = torch.autograd.grad(out['loss_siamvp'],
                                    list(head.parameters()))
    assert torch.equal(out['loss_siamvp'], old_loss)
    assert torch.equal(out['acc_siamvp'], old_acc)
    for old, new in zip(old_grads, new_grads):
        assert torch.equal(old, new)
