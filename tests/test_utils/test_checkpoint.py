"""Strict, safe checkpoint loading and its error messages."""
import os

import pytest
import torch
from mmengine.config import Config

from mmssr.apis import init_model
from mmssr.errors import CheckpointError, UserError
from mmssr.registry import MODELS
from mmssr.utils.checkpoint import (check_resume_compatible, check_state_dict,
                                    load_checkpoint_file,
                                    load_checkpoint_strict,
                                    resolve_resume_checkpoint)


def softras_cfg(image_size=32, subdivisions=1):
    return dict(
        type='SoftRasReconstructor',
        image_size=image_size,
        data_preprocessor=dict(type='MeshDataPreprocessor'),
        encoder=dict(type='SoftRasEncoder', in_channels=4),
        decoder=dict(
            type='TemplateMeshDecoder',
            in_channels=512,
            subdivisions=subdivisions),
        renderer=dict(
            type='SoftRasterizer', sigma_val=1e-4, viewing_angle=15.0),
        loss_silhouette=dict(type='MultiViewIoULoss'),
        loss_laplacian=dict(type='LaplacianLoss', loss_weight=5e-3),
        loss_flatten=dict(type='FlattenLoss', loss_weight=5e-4))


def ssr_cfg(**kwargs):
    return dict(
        type='SSRReconstructor',
        data_preprocessor=dict(type='MeshDataPreprocessor'),
        reconstructor=softras_cfg(**kwargs),
        siamvp=dict(
            type='SiamVP',
            in_channels=3,
            channels=(8, 16, 16, 16),
            embed_dim=32),
        siamvp_loss=dict(type='SiamVPPairLoss', num_random_pairs=4))


SOFTRAS_OPTIM = dict(type='OptimWrapper', optimizer=dict(type='Adam'))
SSR_OPTIM = dict(
    constructor='MultiOptimWrapperConstructor',
    reconstructor=dict(type='OptimWrapper', optimizer=dict(type='Adam')),
    siamvp=dict(type='OptimWrapper', optimizer=dict(type='Adam')))


@pytest.fixture(scope='module')
def models():
    return dict(
        softras=MODELS.build(softras_cfg()), ssr=MODELS.build(ssr_cfg()))


def save(tmp_path, name, model, optimizer=None):
    path = str(tmp_path / name)
    ckpt = dict(state_dict=model.state_dict(), meta=dict(iter=2))
    if optimizer is not None:
        ckpt['optimizer'] = optimizer
    torch.save(ckpt, path)
    return path


def test_softras_checkpoint_into_ssr_names_keys_and_cause(tmp_path, models):
    path = save(tmp_path, 'softras.pth', models['softras'])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint_strict(models['ssr'], path)
    msg = str(info.value)
    assert msg.startswith(f'{path}: ')
    assert 'missing key(s): reconstructor.encoder.convs.0.weight' in msg
    assert 'unexpected key(s): encoder.convs.0.weight' in msg
    assert 'in all' in msg  # a few keys, then a count
    assert 'likely cause: the checkpoint is of a SoftRas model' in msg
    assert 'config builds an SSR model' in msg
    assert '\n' not in msg


def test_ssr_checkpoint_into_softras_suggests_the_prefix(tmp_path, models):
    path = save(tmp_path, 'ssr.pth', models['ssr'])
    with pytest.raises(
            CheckpointError,
            match=r'of an SSR model.*--checkpoint-prefix '
            r'reconstructor\.'):
        load_checkpoint_strict(models['softras'], path)
    # the documented cross-model path: the reconstructor only
    fresh = MODELS.build(softras_cfg())
    load_checkpoint_strict(fresh, path, prefix='reconstructor.')
    want = models['ssr'].reconstructor.state_dict()
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, want[key])
    with pytest.raises(
            CheckpointError, match="no weights under the prefix"
            " 'siam.'"):
        load_checkpoint_strict(fresh, path, prefix='siam.')


def test_checkpoint_saved_under_ddp_wrappers_loads(tmp_path, models):
    # MMSeparateDistributedDataParallel wraps each sub-module: the saved
    # keys are reconstructor.module.*, siamvp.module.*
    ssr = models['ssr']
    state = {
        k.replace('reconstructor.', 'reconstructor.module.').replace(
            'siamvp.', 'siamvp.module.'):
        v
        for k, v in ssr.state_dict().items()
    }
    path = str(tmp_path / 'ddp.pth')
    torch.save(dict(state_dict=state), path)
    fresh = MODELS.build(ssr_cfg())
    load_checkpoint_strict(fresh, path)
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, ssr.state_dict()[key]), key
    soft = MODELS.build(softras_cfg())
    load_checkpoint_strict(soft, path, prefix='reconstructor.')
    assert torch.equal(soft.decoder.fc1.weight,
                       ssr.reconstructor.decoder.fc1.weight)


def test_image_and_template_size_mismatch(tmp_path, models):
    path = save(tmp_path, 'softras32.pth', models['softras'])
    big = MODELS.build(softras_cfg(image_size=64, subdivisions=2))
    with pytest.raises(CheckpointError) as info:
        load_checkpoint_strict(big, path)
    msg = str(info.value)
    assert 'shape mismatch(es): encoder.fcs.0.weight [1024, 4096] in the ' \
        'checkpoint vs [1024, 16384] in the model' in msg
    assert 'for 32x32 images and the config for 64x64' in msg
    assert 'template mesh has 42 vertices and the config\'s 162' in msg
    # and the other way round
    path64 = save(tmp_path, 'softras64.pth', big)
    with pytest.raises(
            CheckpointError,
            match='for 64x64 images and the config for 32x32'):
        check_state_dict(models['softras'],
                         torch.load(path64, weights_only=True)['state_dict'],
                         path64)


def test_unreadable_files(tmp_path, models):
    empty = tmp_path / 'empty.pth'
    empty.write_bytes(b'')
    with pytest.raises(
            CheckpointError,
            match=f'{empty}: not a readable checkpoint '
            r'\(the file is empty\)'):
        load_checkpoint_strict(models['softras'], str(empty))
    good = save(tmp_path, 'good.pth', models['softras'])
    data = open(good, 'rb').read()
    truncated = tmp_path / 'truncated.pth'
    truncated.write_bytes(data[:len(data) // 2])
    with pytest.raises(
            CheckpointError, match=f'{truncated}: not a readable checkpoint'):
        load_checkpoint_file(str(truncated))
    text = tmp_path / 'text.pth'
    text.write_text('hello')
    with pytest.raises(CheckpointError, match='not a readable checkpoint'):
        load_checkpoint_file(str(text))
    with pytest.raises(
            CheckpointError, match='missing.pth: checkpoint file '
            'not found'):
        load_checkpoint_file(str(tmp_path / 'missing.pth'))
    with pytest.raises(CheckpointError, match='got a directory'):
        load_checkpoint_file(str(tmp_path))
    # a user error: tools print it as one line and exit 2
    assert issubclass(CheckpointError, UserError)


def test_pickled_code_is_still_refused(tmp_path):

    class Evil:

        def __reduce__(self):
            return (os.system, (f'touch {tmp_path}/pwned', ))

    bad = str(tmp_path / 'evil.pth')
    torch.save({'state_dict': {}, 'meta': Evil()}, bad)
    with pytest.raises(CheckpointError, match='refusing to load'):
        load_checkpoint_file(bad)
    assert not (tmp_path / 'pwned').exists()


def test_init_model_is_strict_and_takes_a_prefix(tmp_path, models):
    ssr_path = save(tmp_path, 'ssr.pth', models['ssr'])
    cfg = Config(dict(model=softras_cfg()))
    with pytest.raises(CheckpointError, match="prefix='reconstructor.'"):
        init_model(cfg, ssr_path)
    model = init_model(cfg, ssr_path, prefix='reconstructor.')
    assert torch.equal(model.encoder.fcs[0].weight,
                       models['ssr'].reconstructor.encoder.fcs[0].weight)
    with pytest.raises(CheckpointError, match='SoftRas model'):
        init_model(
            Config(dict(model=ssr_cfg())),
            save(tmp_path, 'softras.pth', models['softras']))


def optimizer_state(module):
    return torch.optim.Adam(module.parameters()).state_dict()


def test_resume_checks_the_optimizer_structure(tmp_path, models):
    ssr, softras = models['ssr'], models['softras']
    ssr_optim = dict(
        reconstructor=optimizer_state(ssr.reconstructor),
        siamvp=optimizer_state(ssr.siamvp))
    ok = save(tmp_path, 'ssr.pth', ssr, ssr_optim)
    check_resume_compatible(ssr, SSR_OPTIM, ok)
    soft_ok = save(tmp_path, 'softras.pth', softras, optimizer_state(softras))
    check_resume_compatible(softras, SOFTRAS_OPTIM, soft_ok)
    # SSR weights with one optimizer (e.g. edited by hand)
    one = save(tmp_path, 'one.pth', ssr, optimizer_state(ssr))
    with pytest.raises(
            CheckpointError,
            match=r'one.pth: its optimizer state does not fit '
            r'optim_wrapper.*has one optimizer \(as SoftRas\), '
            r"the config one optimizer per sub-module "
            r"\['reconstructor', 'siamvp'\]"):
        check_resume_compatible(ssr, SSR_OPTIM, one)
    with pytest.raises(
            CheckpointError,
            match='per sub-module.*the config '
            r'one optimizer \(as SoftRas\)'):
        check_resume_compatible(softras, SOFTRAS_OPTIM,
                                save(tmp_path, 'two.pth', softras, ssr_optim))
    # the weights are checked first: a SoftRas checkpoint into SSR
    with pytest.raises(CheckpointError, match='missing key'):
        check_resume_compatible(ssr, SSR_OPTIM, soft_ok)
    with pytest.raises(CheckpointError, match='holds no optimizer state'):
        check_resume_compatible(softras, SOFTRAS_OPTIM,
                                save(tmp_path, 'noopt.pth', softras))
    # another number of parameters in one of the optimizers
    wrong = dict(ssr_optim, siamvp=optimizer_state(ssr.reconstructor))
    with pytest.raises(CheckpointError, match="optimizer 'siamvp' holds"):
        check_resume_compatible(ssr, SSR_OPTIM,
                                save(tmp_path, 'wrong.pth', ssr, wrong))


def test_resolve_resume_checkpoint(tmp_path):
    work = tmp_path / 'work'
    work.mkdir()
    assert resolve_resume_checkpoint(str(work), None) is None
    # no last_checkpoint: --resume starts a new training
    assert resolve_resume_checkpoint(str(work), 'auto') is None
    record = work / 'last_checkpoint'
    record.write_text('')
    with pytest.raises(
            CheckpointError, match=f'{record}: empty file; it should name'):
        resolve_resume_checkpoint(str(work), 'auto')
    record.write_text(str(work / 'iter_8.pth'))
    with pytest.raises(
            CheckpointError,
            match=f'{record}: names the checkpoint '
            f'{work}/iter_8.pth, which does not exist'):
        resolve_resume_checkpoint(str(work), 'auto')
    (work / 'iter_8.pth').write_bytes(b'x')
    assert resolve_resume_checkpoint(str(work), 'auto') == \
        str(work / 'iter_8.pth')
    with pytest.raises(
            CheckpointError,
            match='nope.pth: checkpoint file '
            r'not found \(--resume\)'):
        resolve_resume_checkpoint(str(work), str(work / 'nope.pth'))
