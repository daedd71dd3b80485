"""No NaN anywhere: sigma schedules, extreme decoder outputs, collapsed
meshes, at the renderer and loss level."""
import pytest
import torch

from mmssr.models import (FlattenLoss, LaplacianLoss, MultiViewIoULoss,
                          TemplateMeshDecoder)
from mmssr.renderer import SoftRasterizer
from mmssr.structures import view_ids_to_eyes


@pytest.mark.parametrize('sigma', [1e-9, 1e-6, 1e-4, 1e-2, 1.0])
@pytest.mark.parametrize('scale', [0.0, 1.0, 1e3, 1e6])
def test_losses_and_gradients_stay_finite(sigma, scale):
    torch.manual_seed(0)
    decoder = TemplateMeshDecoder(
        in_channels=8, subdivisions=1, hidden_dims=(16, 16))
    renderer = SoftRasterizer(image_size=16)
    renderer.set_sigma(sigma)  # as a sigma schedule would
    feats = (torch.randn(3, 8) * scale).requires_grad_()
    verts, faces = decoder(feats)
    alpha = renderer(verts, faces, view_ids_to_eyes([0, 7, 15]))[:, 3]
    target = (torch.rand(3, 16, 16) > 0.5).float()
    loss = (
        MultiViewIoULoss()(alpha, target) + LaplacianLoss(faces)(verts) +
        FlattenLoss(faces)(verts))
    assert torch.isfinite(loss)
    loss.backward()
    assert torch.isfinite(feats.grad).all()
    for p in decoder.parameters():
        assert torch.isfinite(p.grad).all()


def test_collapsed_mesh_is_safe():
    verts = torch.zeros(2, 42, 3, requires_grad=True)
    decoder = TemplateMeshDecoder(subdivisions=1)
    faces = decoder.faces
    alpha = SoftRasterizer(image_size=16)(verts, faces,
                                          view_ids_to_eyes([0, 3]))[:, 3]
    loss = (
        MultiViewIoULoss()(alpha, torch.ones_like(alpha)) +
        LaplacianLoss(faces)(verts) + FlattenLoss(faces)(verts))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(verts.grad).all()
