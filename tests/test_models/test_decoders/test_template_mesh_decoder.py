import pytest
import torch

from mmssr.models import TemplateMeshDecoder


@pytest.mark.parametrize('sub,nv,nf', [(3, 642, 1280), (2, 162, 320)])
def test_sizes(sub, nv, nf):
    dec = TemplateMeshDecoder(subdivisions=sub)
    verts, faces = dec(torch.randn(2, 512))
    assert verts.shape == (2, nv, 3) and faces.shape == (nf, 3)


def test_vertices_stay_in_the_unit_cube_even_for_extreme_codes():
    dec = TemplateMeshDecoder(subdivisions=2)
    for scale in (1.0, 1e2, 1e4):
        verts, _ = dec(torch.randn(4, 512) * scale)
        assert torch.isfinite(verts).all()
        assert verts.abs().max() <= 0.5


def test_no_template_coordinate_is_pinned():
    dec = TemplateMeshDecoder(subdivisions=3)
    assert (dec.template.abs() > 1e-4).all()
    feats = torch.randn(2, 512)
    verts, _ = dec(feats)
    verts.sum().backward()
    grad = dec.fc_bias.weight.grad.view(642, 3, -1).abs().sum(-1)
    assert (grad > 0).all()  # every coordinate of every vertex can move


def test_bad_rotation_is_refused():
    with pytest.raises(ValueError, match='template_rotation'):
        TemplateMeshDecoder(subdivisions=1, template_rotation=(0, 0, 0))


def test_initial_mesh_is_a_sphere_like_blob():
    torch.manual_seed(0)
    dec = TemplateMeshDecoder(subdivisions=2)
    verts, _ = dec(torch.zeros(1, 512))
    radius = verts[0].norm(dim=-1)
    assert 0.05 < radius.mean() < 0.45
