"""Bad input to the real tools: exit 2, one ``error:`` line, no traceback.

Table-driven: each row is a mistake a user makes, the tool run in a
subprocess, and the words the one error line must contain (the file or key
and what was expected).
"""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
import torch

from ..conftest import REPO_ROOT, TINY_CATEGORIES
from .test_operations import one_error_line
from .test_train_test_resume import SSR_MODEL, run_tool, write_config

SSR = 'configs/ssr/ssr_synthetic_n2.py'


@pytest.fixture(scope='module')
def setup(tmp_path_factory, tiny_synthetic_root):
    """A tiny SSR config, a plain ShapeNet copy of the data to damage, an
    image, and checkpoints that are not what they claim to be."""
    tmp = tmp_path_factory.mktemp('bad_input')
    cfg = write_config(
        tmp,
        SSR,
        SSR_MODEL,
        tiny_synthetic_root,
        'ssr',
        train_extra=', sampler=dict(num_unlabeled=2)')
    shapenet = tmp / 'shapenet'
    shutil.copytree(tiny_synthetic_root, shapenet)
    plain = tmp / 'plain.py'
    plain.write_text(
        f"_base_ = [{osp.join(REPO_ROOT, 'configs/softras/softras_shapenet_n2.py')!r}]\n"  # noqa: E501
        f'data_root = {str(shapenet)!r}\n'
        f'_data = dict(data_root=data_root, categories={TINY_CATEGORIES!r})\n'
        'train_dataloader = dict(batch_size=4, num_workers=0, '
        'persistent_workers=False, dataset=_data)\n'
        'model = dict(image_size=32, decoder=dict(subdivisions=1))\n')
    empty_ckpt = tmp / 'empty.pth'
    empty_ckpt.write_bytes(b'')
    from mmengine.config import Config

    from mmssr.registry import MODELS
    untrained = tmp / 'untrained.pth'
    torch.save({'state_dict': MODELS.build(Config.fromfile(cfg).model)
                .state_dict()}, str(untrained))

    class Evil:

        def __reduce__(self):
            return (os.system, ('true', ))

    evil = tmp / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': Evil()}, str(evil))
    work = tmp / 'resume_work'
    work.mkdir()
    (work / 'last_checkpoint').write_text('')
    import cv2
    with np.load(osp.join(tiny_synthetic_root,
                          '03001627_test_images.npz')) as npz:
        view = npz[npz.files[0]][0, 3]
    image = tmp / 'chair.png'
    cv2.imwrite(
        str(image), cv2.cvtColor(view.transpose(1, 2, 0), cv2.COLOR_RGBA2BGRA))
    blank = tmp / 'blank.png'
    cv2.imwrite(str(blank), np.full((40, 60, 3), 200, np.uint8))
    (tmp / 'meshes').mkdir()
    return dict(
        tmp=tmp,
        cfg=cfg,
        plain=str(plain),
        untrained=str(untrained),
        shapenet=shapenet,
        empty=str(empty_ckpt),
        evil=str(evil),
        work=str(work),
        image=str(image),
        blank=str(blank))


def damage(setup, kind):
    """Break one file of the plain ShapeNet copy (a fresh copy per row)."""
    root = setup['tmp'] / f'damaged_{kind}'
    if root.exists():
        shutil.rmtree(root)
    shutil.copytree(setup['shapenet'], root)
    path = root / '02958343_train_images.npz'
    if kind == 'truncated':
        data = path.read_bytes()
        path.write_bytes(data[:len(data) // 2])
    elif kind == 'shape':
        np.savez_compressed(path, np.zeros((2, 24, 3, 32, 32), np.uint8))
    elif kind == 'dtype':
        np.savez_compressed(path, np.zeros((2, 24, 4, 32, 32), np.float32))
    return str(root), str(path)


def train(setup, *options, config='cfg'):
    return [
        'tools/train.py', setup[config], '--work-dir',
        str(setup['tmp'] / 'w'), '--cfg-options', *options
    ]


CASES = {
    # data and data settings
    'category typo':
    (lambda s: train(s, "train_dataloader.dataset.categories=['chiar','car']"),
     ['categories', "did you mean 'chair'"]),
    'empty category list':
    (lambda s: train(s, 'train_dataloader.dataset.categories=[]'),
     ['categories', 'empty']),
    'N too large':
    (lambda s: train(s, 'train_dataloader.dataset.num_labeled=99'),
     ['num_labeled=99']),
    # config keys and values
    'unknown type': (lambda s: train(s, 'model.type=SSRReconstuctor'),
                     ["'SSRReconstuctor'", "did you mean 'SSRReconstructor'"]),
    'rule key typo':
    (lambda s: train(s, 'model.semi_train_cfg.confidence_treshold=0.5'),
     ['semi_train_cfg.confidence_treshold', 'unknown setting']),
    'dataset key typo':
    (lambda s: train(s, 'train_dataloader.dataset.num_labled=3'),
     ['train_dataloader.dataset.num_labled', "did you mean "
      "'num_labeled'"]),
    'lr not a number':
    (lambda s: train(s, 'optim_wrapper.reconstructor.optimizer.lr=abc'),
     ['optim_wrapper.reconstructor.optimizer.lr', 'expected a number']),
    'negative iterations': (lambda s: train(s, 'train_cfg.max_iters=-3'),
                            ['train_cfg.max_iters', 'positive']),
    'negative val interval': (lambda s: train(s, 'train_cfg.val_interval=-1'),
                              ['train_cfg.val_interval']),
    'gate above 1': (lambda s: train(s, 'model.semi_train_cfg.gate=2.0'),
                     ['semi_train_cfg.gate', '[0, 1]']),
    # damaged data files (a plain ShapeNet dataset: nothing regenerates it)
    'truncated npz': (lambda s: train(
        s,
        f"train_dataloader.dataset.data_root={damage(s, 'truncated')[0]}",
        config='plain'), ['02958343_train_images.npz', 'truncated']),
    'wrong-shape npz': (lambda s: train(
        s,
        f"train_dataloader.dataset.data_root={damage(s, 'shape')[0]}",
        config='plain'), ['02958343_train_images.npz', 'shape']),
    'wrong-dtype npz': (lambda s: train(
        s,
        f"train_dataloader.dataset.data_root={damage(s, 'dtype')[0]}",
        config='plain'), ['02958343_train_images.npz', 'uint8']),
    # checkpoints
    'empty checkpoint': (lambda s: [
        'tools/test.py', s['cfg'], s['empty'], '--work-dir',
        str(s['tmp'] / 't')
    ], ['empty.pth', 'not a readable checkpoint']),
    'empty last_checkpoint':
    (lambda s:
     ['tools/train.py', s['cfg'], '--work-dir', s['work'], '--resume'],
     ['last_checkpoint']),
    'unsafe checkpoint in the demo': (lambda s: [
        'tools/demo.py', s['image'], s['cfg'], s['evil'], '--out',
        str(s['tmp'] / 'm.obj')
    ], ['refusing to load']),
    # arguments
    'test --out a folder': (lambda s: [
        'tools/test.py', s['cfg'], s['empty'], '--work-dir',
        str(s['tmp'] / 't'), '--out',
        str(s['tmp'])
    ], ['--out']),
    'demo mesh format': (lambda s: [
        'tools/demo.py', s['image'], s['cfg'], s['empty'], '--out',
        str(s['tmp'] / 'mesh.xyz')
    ], ['mesh.xyz', '.obj']),
    'demo view id': (lambda s: [
        'tools/demo.py', s['image'], s['cfg'], s['empty'], '--out',
        str(s['tmp'] / 'm.obj'), '--views', '99'
    ], ['--views', '99']),
    'demo framing ratio': (lambda s: [
        'tools/demo.py', s['image'], s['cfg'], s['empty'], '--out',
        str(s['tmp'] / 'm.obj'), '--framing-ratio', '0'
    ], ['--framing-ratio', '(0, 1]']),
    'demo on an image without an object': (lambda s: [
        'tools/demo.py', s['blank'], s['cfg'], s['untrained'], '--out',
        str(s['tmp'] / 'm.obj')
    ], ['blank.png']),
    'print_config of a missing file':
    (lambda s: ['tools/misc/print_config.py',
                str(s['tmp'] / 'nope.py')], ['nope.py']),
    'converter on an empty folder': (lambda s: [
        'tools/dataset_converters/meshes_to_shapenet.py',
        str(s['tmp'] / 'meshes'), '--out',
        str(s['tmp'] / 'converted'), '--synset', '90000001', '--name', 'mug',
        '--no-progress'
    ], ['meshes']),
}


@pytest.mark.parametrize('name', sorted(CASES))
def test_bad_input_is_one_clear_error(setup, name):
    make_args, words = CASES[name]
    proc = run_tool(*make_args(setup), check=False)
    line = one_error_line(proc)
    for word in words:
        assert word in line, f'{name}: {word!r} not in {line!r}'
