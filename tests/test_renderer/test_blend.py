import pytest
import torch

from mmssr.renderer import (BlendParams, LookAtPerspectiveCameras,
                            RasterizationSettings, SoftMeshRasterizer,
                            hard_rgb_blend, soft_silhouette_blend,
                            softmax_rgb_blend)
from mmssr.renderer.reference import dense_face_terms, dense_softmax_rgb
from mmssr.structures import view_ids_to_eyes

F64 = torch.float64


def random_screen_faces(batch=2, faces=5, seed=0):
    gen = torch.Generator().manual_seed(seed)
    xy = torch.rand(batch, faces, 3, 2, generator=gen, dtype=F64) * 1.6 - 0.8
    depth = 2.0 + torch.rand(batch, faces, 3, 1, generator=gen, dtype=F64)
    return torch.cat([xy, depth], -1)


def fragments_of(face_vertices, size, sigma, colour=False):
    return SoftMeshRasterizer(RasterizationSettings(
        size, sigma)).rasterize_faces(
            face_vertices, with_barycentrics=colour)


def test_silhouette_matches_dense_formula():
    size, sigma = 12, 1e-2
    fv = random_screen_faces()
    alpha = soft_silhouette_blend(fragments_of(fv, size, sigma), sigma)
    _, _, prob = dense_face_terms(fv, size, sigma)
    expected = (1 - torch.prod(1 - prob, -1)).view(2, size, size)
    torch.testing.assert_close(alpha, expected, rtol=0, atol=1e-12)
    assert alpha.max() > 0.9 and alpha.min() < 1e-6


def test_silhouette_gradient_gradcheck():
    size, sigma = 8, 3e-2
    fv = random_screen_faces(batch=1, faces=3, seed=1)
    xy = fv[..., :2].clone().requires_grad_()
    depth = fv[..., 2:]

    def render(xy):
        fv = torch.cat([xy, depth], -1)
        return soft_silhouette_blend(fragments_of(fv, size, sigma), sigma)

    assert torch.autograd.gradcheck(render, (xy, ), eps=1e-6, atol=1e-6)
    # and against autograd through the dense formula
    weight = torch.rand(
        1, size, size, dtype=F64, generator=torch.Generator().manual_seed(2))
    (render(xy) * weight).sum().backward()
    xy_dense = xy.detach().clone().requires_grad_()
    _, _, prob = dense_face_terms(
        torch.cat([xy_dense, depth], -1), size, sigma)
    dense = (1 - torch.prod(1 - prob, -1)).view(1, size, size)
    (dense * weight).sum().backward()
    torch.testing.assert_close(xy.grad, xy_dense.grad, rtol=1e-6, atol=1e-9)
    assert xy.grad.abs().sum() > 0


def test_hard_blend_z_buffer_and_ties():
    tri = torch.tensor([[-0.6, -0.6], [0.0, 0.7], [0.6, -0.6]], dtype=F64)
    # four coincident clockwise triangles: depths 3, 2, 2, 4
    depths = [3.0, 2.0, 2.0, 4.0]
    fv = torch.stack([
        torch.cat([tri, torch.full((3, 1), d, dtype=F64)], 1) for d in depths
    ])[None]
    colours = torch.eye(4, 3, dtype=F64)[None]
    colours[0, 3] = 0.5
    fragments = fragments_of(fv, 8, 1e-4, colour=True)
    params = BlendParams(sigma=1e-4, background_color=(0.1, 0.2, 0.3))
    rgb = hard_rgb_blend(colours, fragments, params)[0]
    alpha = soft_silhouette_blend(fragments, 1e-4)[0]
    covered = alpha > 0.5
    assert 10 < covered.sum() < 64
    # faces 1 and 2 are nearest and tie: the larger index (2, blue) wins
    assert torch.equal(
        rgb[covered],
        torch.tensor([0., 0., 1.], dtype=F64).expand(int(covered.sum()), 3))
    assert torch.equal(
        rgb[~covered],
        torch.tensor([.1, .2, .3], dtype=F64).expand(int((~covered).sum()), 3))
    # drop face 2: face 1 (green) is the nearest, ahead of larger index 3
    rgb = hard_rgb_blend(colours[:, [0, 1, 3]],
                         fragments_of(fv[:, [0, 1, 3]], 8, 1e-4, True),
                         params)[0]
    assert torch.all(rgb[covered][:, 1] == 1.0)
    # counter-clockwise (back-facing) triangles vanish without fill_back
    back = fv[:, :, [0, 2, 1]]
    no_back = BlendParams(sigma=1e-4, fill_back=False)
    rgb = hard_rgb_blend(colours, fragments_of(back, 8, 1e-4, True),
                         no_back)[0]
    assert torch.all(rgb == 0)


def test_softmax_blend_matches_dense_formula_and_texture_gradient():
    size, sigma, gamma, bg = 12, 1e-3, 1e-2, (0.2, 0.3, 0.4)
    verts = torch.tensor(
        [[-0.4, -0.3, 0.2], [0.4, -0.3, 0.2], [0.0, 0.4, 0.2],
         [-0.3, 0.3, -0.2], [0.3, 0.3, -0.2], [0.0, -0.4, -0.2]],
        dtype=F64)[None]
    faces = torch.tensor([[0, 2, 1], [3, 4, 5]])
    eyes = view_ids_to_eyes([1], dtype=F64)
    gen = torch.Generator().manual_seed(3)
    textures = torch.rand(1, 2, 3, generator=gen, dtype=F64)
    tex = textures.clone().requires_grad_()
    fragments = SoftMeshRasterizer(RasterizationSettings(size, sigma))(
        verts, faces, LookAtPerspectiveCameras(eyes), with_barycentrics=True)
    rgb = softmax_rgb_blend(tex, fragments, BlendParams(sigma, gamma, bg), 1.0,
                            100.0)
    tex_dense = textures.clone().requires_grad_()
    expected = dense_softmax_rgb(
        verts,
        faces,
        eyes,
        tex_dense,
        image_size=size,
        sigma=sigma,
        gamma=gamma,
        bg=bg)
    torch.testing.assert_close(rgb, expected, rtol=1e-6, atol=1e-8)
    weight = torch.rand(rgb.shape, generator=gen, dtype=F64)
    (rgb * weight).sum().backward()
    (expected * weight).sum().backward()
    torch.testing.assert_close(tex.grad, tex_dense.grad, rtol=1e-6, atol=1e-8)
    # both faces and the background all show up somewhere
    assert (rgb - torch.tensor(bg, dtype=F64)).abs().amax() > 0.1
    assert torch.isclose(rgb[0, 0, 0], torch.tensor(bg, dtype=F64)).all()


def test_colour_blends_need_barycentrics():
    fragments = fragments_of(random_screen_faces(1, 2), 8, 1e-2)
    textures = torch.ones(1, 2, 3, dtype=F64)
    for blend in (hard_rgb_blend, softmax_rgb_blend):
        with pytest.raises(ValueError, match='barycentrics'):
            blend(textures, fragments, BlendParams())
