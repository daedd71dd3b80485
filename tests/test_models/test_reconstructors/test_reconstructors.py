import pytest
import torch
from mmengine.optim import OptimWrapper, OptimWrapperDict

from mmssr.registry import MODELS
from mmssr.structures import MeshDataSample, view_ids_to_eyes

SOFTRAS = dict(
    type='SoftRasReconstructor',
    encoder=dict(type='SoftRasEncoder', image_size=32),
    decoder=dict(type='TemplateMeshDecoder', subdivisions=1),
    renderer=dict(type='SoftRasterizer', image_size=32))


def tiny_ssr(**kwargs):
    """An SSR config around SOFTRAS with a small SiamVP."""
    return dict(
        type='SSRReconstructor',
        reconstructor=SOFTRAS,
        siamvp=dict(type='SiamVP', channels=(8, 8, 8, 8), embed_dim=16),
        **kwargs)


def pair_batch(batch=3, labeled=True, bad=None):
    inputs = [
        torch.randint(0, 256, (2, 4, 32, 32), dtype=torch.uint8)
        for _ in range(batch)
    ]
    samples = []
    for i in range(batch):
        view_ids = torch.tensor([i % 24, (i + 5) % 24])
        if bad is not None and i == bad:
            view_ids = torch.tensor([-1, 3])
        samples.append(
            MeshDataSample(
                metainfo=dict(
                    view_ids=view_ids,
                    eyes=view_ids_to_eyes(view_ids.clamp(0)),
                    is_labeled=labeled)))
    return dict(inputs=inputs, data_samples=samples)


def test_softras_modes():
    torch.manual_seed(0)
    model = MODELS.build(SOFTRAS)
    data = model.data_preprocessor(pair_batch(), True)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_silhouette', 'loss_laplacian', 'loss_flatten'}
    assert 0 < losses['loss_silhouette'].item() <= 1
    verts, faces = model(data['inputs'][:, 0], mode='tensor')
    assert verts.shape == (3, 42, 3) and faces.shape == (80, 3)
    preds = model(data['inputs'][:, 0], data['data_samples'], mode='predict')
    assert preds[0].pred_vertices.shape == (42, 3)
    with pytest.raises(RuntimeError, match='Invalid mode'):
        model(data['inputs'], mode='nope')


def test_pairs_with_unknown_viewpoints_are_left_out():
    torch.manual_seed(0)
    model = MODELS.build(SOFTRAS)
    full = model.data_preprocessor(pair_batch(bad=1), True)
    kept = dict(
        inputs=full['inputs'][[0, 2]],
        data_samples=[full['data_samples'][0], full['data_samples'][2]])
    a = model(**full, mode='loss')['loss_silhouette']
    b = model(**kept, mode='loss')['loss_silhouette']
    assert a.item() == pytest.approx(b.item(), rel=1e-6)


def test_multiview_loss_renders_both_meshes_at_both_views(monkeypatch):
    model = MODELS.build(SOFTRAS)
    seen = {}
    original = model.renderer.forward

    def spy(vertices, faces, eyes, textures=None):
        seen['eyes'] = eyes.clone()
        return original(vertices, faces, eyes, textures)

    monkeypatch.setattr(model.renderer, 'forward', spy)
    data = model.data_preprocessor(pair_batch(batch=2), True)
    model(**data, mode='loss')
    eyes = torch.stack([ds.eyes for ds in data['data_samples']])
    expected = torch.cat([eyes[:, 0], eyes[:, 0], eyes[:, 1], eyes[:, 1]])
    assert torch.allclose(seen['eyes'], expected)


def test_groups_in_one_pass_equal_separate_passes():
    """SSR's labeled and pseudo-labelled pairs share one forward pass; each
    group's losses and their gradients are those of a pass of its own."""
    torch.manual_seed(0)
    model = MODELS.build(SOFTRAS)
    data = model.data_preprocessor(pair_batch(batch=5, bad=3), True)
    inputs, samples = data['inputs'], data['data_samples']
    groups = ['', '_pseudo', '', '_pseudo', '_pseudo']

    def grads(loss):
        model.zero_grad()
        loss.backward()
        return [p.grad.clone() for p in model.parameters()]

    together = model(inputs, samples, mode='loss', groups=groups)
    assert set(together) == {
        f'{k}{g}'
        for k in ('loss_silhouette', 'loss_laplacian', 'loss_flatten')
        for g in ('', '_pseudo')
    }
    for suffix, rows in (('', [0, 2]), ('_pseudo', [1, 3, 4])):
        alone = model(inputs[rows], [samples[i] for i in rows], mode='loss')
        for key, value in alone.items():
            assert together[key + suffix].item() == pytest.approx(
                value.item(), rel=1e-5, abs=1e-8)
        total = sum(
            v for k, v in together.items()
            if k.endswith(suffix) and (suffix or not k.endswith('_pseudo')))
        expected = grads(sum(alone.values()))
        for got, want in zip(grads(total), expected):
            assert torch.allclose(got, want, rtol=1e-4, atol=1e-7)
        together = model(inputs, samples, mode='loss', groups=groups)
    # a group whose pairs all lack a viewpoint keeps its (zero) loss
    empty = model(
        inputs[[2, 3]], [samples[2], samples[3]],
        mode='loss',
        groups=['', '_pseudo'])
    assert empty['loss_silhouette_pseudo'].item() == 0.0
    with pytest.raises(ValueError, match='2 groups for 5 pairs'):
        model(inputs, samples, mode='loss', groups=['', ''])


def test_viewpoint_free_loss_is_the_best_view_match(monkeypatch):
    """semi_train_cfg.viewpoints='free': the silhouette loss of an unlabeled
    view is that of its mesh's best-matching render over all viewpoints."""
    from mmssr.geometry import icosphere
    from mmssr.models.losses.iou_loss import silhouette_iou
    model = MODELS.build(SOFTRAS)
    verts, faces = icosphere(1)
    verts = torch.as_tensor(verts, dtype=torch.float32) * 0.3
    verts[verts[:, 0] > 0.1] *= torch.tensor([2.0, 1.0, 1.0])  # no symmetry
    faces = torch.as_tensor(faces, dtype=torch.long)
    monkeypatch.setattr(
        model, 'reconstruct', lambda images:
        (verts[None].expand(len(images), -1, -1), faces))

    def render(view):
        return model.renderer(verts[None], faces, view_ids_to_eyes([view]))[:,
                                                                            3]

    images = torch.zeros(1, 4, 32, 32)
    images[:, 3] = render(7)
    free = model.viewpoint_free_losses(images)['loss_silhouette'].item()
    per_view = [
        1 - silhouette_iou(render(v), images[:, 3]).item() for v in range(24)
    ]
    assert free == pytest.approx(min(per_view), abs=1e-6)
    assert int(torch.tensor(per_view).argmin()) == 7
    assert per_view[13] > free + 0.05


def test_ssr_train_step_updates_both_parts():
    torch.manual_seed(0)
    model = MODELS.build(tiny_ssr())
    wrappers = OptimWrapperDict(
        reconstructor=OptimWrapper(
            torch.optim.Adam(model.reconstructor.parameters(), lr=1e-3)),
        siamvp=OptimWrapper(
            torch.optim.Adam(model.siamvp.parameters(), lr=1e-3)))
    before_r = model.reconstructor.decoder.fc_bias.weight.clone()
    before_s = model.siamvp.embed.weight.clone()
    data = pair_batch(batch=4)
    unl = pair_batch(batch=2, labeled=False)
    data['inputs'] += unl['inputs']
    data['data_samples'] += unl['data_samples']
    logs = model.train_step(data, wrappers)
    assert 'loss_silhouette' in logs and 'loss_silhouette_pseudo' in logs
    assert 'loss_siamvp' in logs and 'acc_siamvp' in logs
    assert not torch.equal(before_r,
                           model.reconstructor.decoder.fc_bias.weight)
    assert not torch.equal(before_s, model.siamvp.embed.weight)
    assert model.siamvp_accuracy.item() > 0 or logs['acc_siamvp'] == 0


def test_ssr_free_viewpoints_use_the_viewpoint_free_loss():
    torch.manual_seed(0)
    model = MODELS.build(tiny_ssr(semi_train_cfg=dict(viewpoints='free')))
    data = pair_batch(batch=2)
    unl = pair_batch(batch=3, labeled=False)
    data['inputs'] += unl['inputs']
    data['data_samples'] += unl['data_samples']
    data = model.data_preprocessor(data, True)
    losses = model.loss(data['inputs'], data['data_samples'])
    free = model.reconstructor.viewpoint_free_losses(data['inputs'][2:, 0])
    for key, value in free.items():
        assert losses[f'{key}_pseudo'].item() == pytest.approx(value.item())
    labeled = model.reconstructor(
        data['inputs'][:2], data['data_samples'][:2], mode='loss')
    assert losses['loss_silhouette'].item() == pytest.approx(
        labeled['loss_silhouette'].item())


def test_image_size_is_stated_once_on_the_model():
    model = MODELS.build(
        dict(
            type='SoftRasReconstructor',
            image_size=32,
            encoder=dict(type='SoftRasEncoder'),
            decoder=dict(type='TemplateMeshDecoder', subdivisions=1),
            renderer=dict(type='SoftRasterizer')))
    assert model.encoder.image_size == model.renderer.image_size == 32
    assert model.data_preprocessor.image_size == 32
    # stored 64x64 views are averaged down to the model's input
    data = model.data_preprocessor(
        dict(inputs=[torch.zeros(4, 64, 64, dtype=torch.uint8)]))
    assert data['inputs'].shape == (1, 4, 32, 32)
    with pytest.raises(ValueError, match='renderer.image_size=64'):
        MODELS.build(
            dict(
                SOFTRAS,
                image_size=32,
                renderer=dict(type='SoftRasterizer', image_size=64)))


def test_ssr_extra_siamvp_steps_update_on_their_own_augments(monkeypatch):
    """The reference's augment_loss: a second SiamVP update per step on
    the batch rotated by one random angle; the gate reads the first."""
    torch.manual_seed(0)
    model = MODELS.build(
        tiny_ssr(siamvp_extra_steps=[[
            dict(type='RandomInPlaneRotation', max_angle=180)
        ]]))
    calls = []
    loss = model.siamvp_loss

    def counting(inputs, data_samples, step=0):
        calls.append(step)
        return loss(inputs, data_samples, step)

    monkeypatch.setattr(model, 'siamvp_loss', counting)
    steps = []
    wrapper = OptimWrapper(
        torch.optim.Adam(model.siamvp.parameters(), lr=1e-3))
    monkeypatch.setattr(wrapper, 'step', lambda **kw: steps.append(1) or None)
    wrappers = OptimWrapperDict(
        reconstructor=OptimWrapper(
            torch.optim.Adam(model.reconstructor.parameters(), lr=1e-3)),
        siamvp=wrapper)
    model.train_step(pair_batch(batch=4), wrappers)
    assert calls == [0, 1] and len(steps) == 2
    # the extra step's images are rotated, the first step's are not
    seen = []
    monkeypatch.setattr(
        model.siamvp, 'forward',
        lambda images: seen.append(images) or torch.zeros(
            len(images), len(images)) + 0 * sum(
                p.sum() for p in model.siamvp.parameters()))
    data = model.data_preprocessor(pair_batch(batch=4), True)
    loss(data['inputs'], data['data_samples'], 0)
    loss(data['inputs'], data['data_samples'], 1)
    assert not torch.equal(seen[0], seen[1])


def test_ssr_keep_previous_pseudo_labels():
    previous = torch.tensor([[3, -1, 5], [-1, -1, 2]])
    new = torch.tensor([[4, 7, -1], [-1, 1, -1]])
    keep = MODELS.build(tiny_ssr(semi_train_cfg=dict(keep_previous=True)))
    assert keep.merge_pseudo_labels(previous, new).tolist() == [[4, 7, 5],
                                                                [-1, 1, 2]]
    replace = MODELS.build(tiny_ssr())
    assert torch.equal(replace.merge_pseudo_labels(previous, new), new)
