import math

import torch

from mmssr.renderer import (LookAtPerspectiveCameras, RasterizationSettings,
                            SoftMeshRasterizer, influence_radius,
                            pixel_centers)
from mmssr.renderer.reference import dense_face_terms
from mmssr.structures import view_ids_to_eyes

F64 = torch.float64


def screen_triangles(xy, depth=2.0):
    """(B, F, 3, 2) screen corners -> (B, F, 3, 3) with a constant depth."""
    xy = torch.as_tensor(xy, dtype=F64)
    return torch.cat([xy, torch.full_like(xy[..., :1], depth)], -1)


TRIANGLE = screen_triangles([[[[-0.5, -0.4], [0.3, -0.5], [0.1, 0.45]]]])


def rasterize(face_vertices, size=8, sigma=1e-2, **kwargs):
    settings = RasterizationSettings(image_size=size, sigma=sigma)
    return SoftMeshRasterizer(settings, **kwargs).rasterize_faces(
        face_vertices, with_barycentrics=True)


def test_single_triangle_fragments_match_brute_force():
    size, sigma = 8, 1e-2
    fragments = rasterize(TRIANGLE, size, sigma)
    pairs = fragments.pairs()
    threshold = sigma * math.log(1e10 - 1)
    inside, d2, _ = dense_face_terms(TRIANGLE, size, sigma)
    inside, d2 = inside[0, :, 0], d2[0, :, 0]
    expected = (inside | (d2 < threshold)).nonzero()[:, 0]
    # the margin is finite: some pixels are beyond it and must be absent
    assert 0 < expected.numel() < size * size
    pix = pairs.pix.long()
    assert torch.equal(torch.sort(pix)[0], expected)
    assert torch.all(pairs.face == 0)
    torch.testing.assert_close(pairs.d2, d2[pix], rtol=0, atol=1e-15)
    assert torch.equal(pairs.inside, inside[pix])
    assert pairs.inside.sum() == inside.sum() > 0


def test_closest_point_data_and_barycentrics_are_consistent():
    fragments = rasterize(TRIANGLE)
    pairs = fragments.pairs()
    grid = pixel_centers(8, dtype=F64).reshape(-1, 2)[pairs.pix.long()]
    corners = TRIANGLE[0, 0, :, :2]
    edge = pairs.edge.long()
    start, end = corners[edge], corners[(edge + 1) % 3]
    closest = start + pairs.t[:, None] * (end - start)
    residual = torch.stack([pairs.rx, pairs.ry], 1)
    torch.testing.assert_close(grid - residual, closest)
    torch.testing.assert_close((residual**2).sum(1), pairs.d2)
    assert torch.all((pairs.t >= 0) & (pairs.t <= 1))
    # barycentrics sum to one and reproduce the pixel centre
    torch.testing.assert_close(pairs.bary.sum(0), torch.ones_like(pairs.t))
    torch.testing.assert_close(pairs.bary.t() @ corners, grid)
    assert torch.equal((pairs.bary >= 0).all(0), pairs.inside)


def test_pairs_stay_within_the_influence_radius():
    # a sharp sigma: the margin is about 1.5 px at 64x64
    sigma, size = 1e-4, 64
    fragments = rasterize(TRIANGLE, size, sigma)
    radius = influence_radius(sigma, 1e-10)
    assert abs(radius - math.sqrt(1e-4 * math.log(1e10 - 1))) < 1e-15
    grid = pixel_centers(size, dtype=F64).reshape(-1, 2)
    for chunk in fragments.chunks:  # padding included
        xy = grid[chunk.pix.long()]
        lo = TRIANGLE[0, 0, :, :2].amin(0) - radius - 1e-6
        hi = TRIANGLE[0, 0, :, :2].amax(0) + radius + 1e-6
        assert torch.all((xy >= lo) & (xy <= hi))
        outside = chunk.keep & ~chunk.inside
        assert torch.all(chunk.d2[outside] < sigma * math.log(1e10 - 1))
    # binning is O(covered pixels), not O(S^2)
    bbox = (TRIANGLE[0, 0, :, :2].amax(0) - TRIANGLE[0, 0, :, :2].amin(0) +
            2 * radius) * size / 2
    assert fragments.num_pairs <= (bbox[0] + 2) * (bbox[1] + 2)
    assert fragments.num_pairs < 0.5 * size * size


def test_invalid_faces_produce_no_fragments():
    good = TRIANGLE[0, 0]
    behind = good.clone()
    behind[:, 2] = -2.0
    too_near = good.clone()
    too_near[0, 2] = 0.5  # one corner nearer than near = 1
    too_far = good.clone()
    too_far[:, 2] = 200.0
    broken = good.clone()
    broken[1, 0] = math.nan
    faces = torch.stack([behind, good, too_near, too_far, broken])[None]
    fragments = rasterize(faces)
    assert fragments.valid.tolist() == [False, True, False, False, False]
    reference = rasterize(good[None, None]).pairs()
    pairs = fragments.pairs()
    assert torch.all(pairs.face == 1)
    assert torch.equal(pairs.pix, reference.pix)
    torch.testing.assert_close(pairs.d2, reference.d2, rtol=0, atol=0)
    assert torch.isfinite(fragments.face_xy).all()


def test_batch_offsets_and_chunking():
    shifted = TRIANGLE.clone()
    shifted[..., 0] += 0.2
    faces = torch.cat([TRIANGLE, shifted], 1).expand(3, -1, -1, -1)
    whole = rasterize(faces, size=16)
    small = rasterize(faces, size=16, pairs_per_chunk=50)
    assert len(whole.chunks) == 1 and len(small.chunks) > 3
    a, b = whole.pairs(), small.pairs()
    assert torch.equal(a.face, b.face) and torch.equal(a.pix, b.pix)
    torch.testing.assert_close(a.d2, b.d2, rtol=0, atol=0)
    # pixel and face of a pair belong to the same batch item
    assert torch.equal(a.pix // (16 * 16), a.face // 2)
    per_item = torch.bincount(a.pix.long() // 256, minlength=3)
    assert per_item[0] == per_item[1] == per_item[2] > 0


def test_rasterizer_call_projects_with_cameras():
    verts = torch.tensor(
        [[[-0.2, -0.2, 0.0], [0.2, -0.2, 0.0], [0.0, 0.2, 0.0]]], dtype=F64)
    faces = torch.tensor([[0, 1, 2]])
    cams = LookAtPerspectiveCameras(view_ids_to_eyes([3], dtype=F64))
    rasterizer = SoftMeshRasterizer(RasterizationSettings(16, 1e-3))
    direct = rasterizer(verts, faces, cams).pairs()
    screen = cams.transform_points(verts)[:, faces]
    manual = rasterizer.rasterize_faces(screen).pairs()
    assert len(direct) > 0 and direct.bary is None
    assert torch.equal(direct.pix, manual.pix)
    torch.testing.assert_close(direct.d2, manual.d2, rtol=0, atol=0)


def test_render_triangles_equals_the_composed_renderer():
    from mmssr.renderer import SoftRasterizer, render_triangles
    verts = torch.tensor([[[-0.3, -0.2, 0.0], [0.35, -0.25, 0.05],
                           [0.0, 0.3, -0.1], [0.2, 0.2, 0.2]]],
                         dtype=F64)
    faces = torch.tensor([[0, 1, 2], [1, 3, 2]])
    eyes = view_ids_to_eyes([2], dtype=F64)
    textures = torch.tensor([[[1., 0., 0.], [0., 1., 0.]]], dtype=F64)
    renderer = SoftRasterizer(
        image_size=16,
        sigma_val=1e-3,
        aggr_func_rgb='hard',
        background_color=(0., 0., 1.))
    image = renderer(verts, faces, eyes, textures)
    flat = render_triangles(
        renderer.project(verts, eyes)[:, faces],
        renderer.raster_settings,
        renderer.blend_params,
        textures=textures,
        aggr_func_rgb='hard')
    assert image.shape == flat.shape == (1, 4, 16, 16)
    torch.testing.assert_close(image, flat, rtol=0, atol=0)
    assert image[0, 3].max() > 0.9 and (image[0, 0] == 1).sum() > 5
    # the registered module stays parameter- and buffer-free
    assert not list(renderer.parameters()) and not renderer.state_dict()
    renderer.set_sigma(1e-2)
    assert renderer.raster_settings.sigma == renderer.blend_params.sigma \
        == 1e-2
