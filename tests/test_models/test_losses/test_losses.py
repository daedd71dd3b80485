import math

import pytest
import torch

from mmssr.models import FlattenLoss, LaplacianLoss, MultiViewIoULoss


def test_iou_loss_hand_computed():
    pred = torch.tensor([[[1.0, 0.5], [0.0, 0.0]]])
    target = torch.tensor([[[1.0, 1.0], [0.0, 0.0]]])
    # inter = 1 + 0.5; union = (1 + 1 - 1) + (0.5 + 1 - 0.5) = 2
    loss = MultiViewIoULoss(eps=0.0)(pred, target)
    assert loss.item() == pytest.approx(1 - 1.5 / 2)
    both = MultiViewIoULoss(loss_weight=2.0)(pred.repeat(2, 1, 1),
                                             target.repeat(2, 1, 1))
    assert both.item() == pytest.approx(2 * (1 - 1.5 / (2 + 1e-6)))
    assert MultiViewIoULoss()(torch.zeros(1, 2, 2),
                              torch.zeros(1, 2, 2)).item() == 1.0
    with pytest.raises(ValueError, match='differ'):
        MultiViewIoULoss()(pred, target[:, :1])


def test_laplacian_loss_of_a_tetrahedron():
    faces = torch.tensor([[0, 1, 2], [0, 3, 1], [0, 2, 3], [1, 3, 2]])
    verts = torch.tensor([[[0., 0., 0.], [1., 0., 0.], [0., 1., 0.],
                           [0., 0., 1.]]])
    # each vertex minus the mean of the other three
    expected = 0.0
    for i in range(4):
        others = torch.cat([verts[0, :i], verts[0, i + 1:]]).mean(0)
        expected += (verts[0, i] - others).pow(2).sum().item()
    loss = LaplacianLoss(faces, loss_weight=1.0)(verts)
    assert loss.item() == pytest.approx(expected)
    shifted = LaplacianLoss(faces)(verts + 5.0)
    assert shifted.item() == pytest.approx(expected)  # translation-free


def quad(fold_degrees):
    a = math.radians(fold_degrees)
    verts = torch.tensor([[[0., 0., 0.], [0., 1., 0.], [1., 0.5, 0.],
                           [-math.cos(a), 0.5, math.sin(a)]]])
    faces = torch.tensor([[0, 1, 2], [0, 3, 1]])
    return verts, faces


@pytest.mark.parametrize('fold,expected', [(0, 0.0), (90, 1.0), (180, 4.0)])
def test_flatten_loss_of_a_folded_quad(fold, expected):
    verts, faces = quad(fold)
    loss = FlattenLoss(faces)(verts)
    assert loss.item() == pytest.approx(expected, abs=1e-4)


def test_flatten_loss_is_finite_for_degenerate_faces():
    verts = torch.zeros(1, 4, 3, requires_grad=True)
    faces = torch.tensor([[0, 1, 2], [0, 3, 1]])
    loss = FlattenLoss(faces)(verts)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(verts.grad).all()
