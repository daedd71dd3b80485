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


def test_ssr_train_step_updates_both_parts():
    torch.manual_seed(0)
    model = MODELS.build(
        dict(
            type='SSRReconstructor',
            reconstructor=SOFTRAS,
            siamvp=dict(
                type='SiamVPHead', channels=(8, 8, 8, 8), embed_dim=16)))
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
