"""Bad input to the real tools: exit 2, one ``error:`` line, no traceback.

Table-driven: each row is a mistake a user makes (or bad luck: a full
disk, a truncated download), the tool run in a subprocess, and the words the
one error line must contain (the file or key and what was expected); a row
may also name words the line must not hold, an environment, a file-size
limit (a full disk) and a check of what is left on disk. ``WORKS`` rows are
inputs that must succeed, with such a check; ``API_CASES`` the same mistakes
made through the Python API.
"""
import os
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch

from mmssr.errors import UserError
from ..conftest import REPO_ROOT, TINY_CATEGORIES
from .hostile_files import npz_bomb, photo_on_background, png_bomb
from .test_operations import one_error_line
from .test_train_test_resume import SSR_MODEL, write_config

SSR = 'configs/ssr/ssr_synthetic_n2.py'
CONVERTER = 'tools/dataset_converters/meshes_to_shapenet.py'
MUG = ['--synset', '90000001', '--name', 'mug', '--no-progress']


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
        'model = dict(image_size=32, decoder=dict(subdivisions=1))\n'
        # one model of both categories, evaluated on the val / test files
        'train_per_category = False\n'
        "val_dataloader = dict(dataset=dict(test_source='file'))\n"
        "test_dataloader = dict(dataset=dict(test_source='file'))\n")
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
    hostile = make_hostile_files(tmp, view, str(plain))
    return dict(
        **hostile,
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


def make_hostile_files(tmp, view, plain) -> dict:
    """Photos, folders, meshes and checkpoints of the rows below."""
    import cv2
    from mmengine.config import Config

    from mmssr.registry import MODELS
    photo = photo_on_background(view.transpose(1, 2, 0))
    cv2.imwrite(str(tmp / 'photo.jpg'), photo[..., ::-1],
                [cv2.IMWRITE_JPEG_QUALITY, 90])
    data = (tmp / 'photo.jpg').read_bytes()
    (tmp / 'truncated.jpg').write_bytes(data[:len(data) * 4 // 5])
    png_bomb(str(tmp / 'bomb.png'), 40000, 40000)
    for folder, files in (('names', ('a.jpg', 'a.png', 'a_1.png')),
                          ('mixed', ('good.png', )), ('inplace',
                                                      ('chair.png', ))):
        (tmp / folder).mkdir()
        for name in files:
            cv2.imwrite(str(tmp / folder / name), photo[..., ::-1])
    (tmp / 'mixed' / 'bad.png').write_bytes(b'not an image at all' * 10)
    (tmp / 'user_out').mkdir()
    (tmp / 'user_out' / 'chair_views.png').write_bytes(b'the user\'s own')
    (tmp / 'a_file').write_text('a file, not a folder')
    # checkpoints: NaN weights; a payload that leaves a marker file
    state = torch.load(str(tmp / 'untrained.pth'), weights_only=True)
    key = next(k for k, v in state['state_dict'].items()
               if v.is_floating_point())
    state['state_dict'][key].view(-1)[0] = float('nan')
    torch.save(state, str(tmp / 'nan.pth'))
    marker = tmp / 'payload_ran'

    class Payload:

        def __reduce__(self):
            return (os.system, (f'touch {marker}', ))

    torch.save({'state_dict': {}, 'meta': Payload()}, str(tmp / 'evil2.pth'))
    plain_model = MODELS.build(Config.fromfile(plain).model)
    torch.save({'state_dict': plain_model.state_dict()},
               str(tmp / 'plain_untrained.pth'))
    # meshes: shared model ids; files named outside the input folder
    import open3d as o3d

    from ..test_datasets.test_converters.helpers import box, write_mtl_obj
    dup = tmp / 'dup'
    dup.mkdir()
    write_mtl_obj(str(dup), 'x')
    write_mtl_obj(str(dup), 'y')
    shutil.copy(dup / 'x.obj', dup / 'x.OBJ')
    o3d.io.write_triangle_mesh(str(dup / 'x.ply'), box())
    inner = tmp / 'outside' / 'in'
    inner.mkdir(parents=True)
    o3d.io.write_triangle_mesh(str(inner / 'good.ply'), box())
    write_mtl_obj(str(tmp / 'outside'), 'lib')
    write_mtl_obj(str(inner), 'far_lib')
    text = (inner / 'far_lib.obj').read_text()
    (inner / 'far_lib.obj').write_text(
        text.replace('mtllib far_lib.mtl', 'mtllib ../lib.mtl'))
    write_mtl_obj(str(inner), 'far_tex')
    cv2.imwrite(str(tmp / 'outside' / 'secret.png'),
                np.zeros((4, 4, 3), np.uint8))
    with open(inner / 'far_tex.mtl', 'a') as f:
        f.write('map_Kd ../secret.png\n')
    one = tmp / 'one_mesh'
    one.mkdir()
    o3d.io.write_triangle_mesh(str(one / 'only.ply'), box())
    return dict(
        photo=str(tmp / 'photo.jpg'),
        truncated=str(tmp / 'truncated.jpg'),
        bomb=str(tmp / 'bomb.png'),
        nan=str(tmp / 'nan.pth'),
        evil2=str(tmp / 'evil2.pth'),
        marker=str(marker),
        plain_untrained=str(tmp / 'plain_untrained.pth'))


def converted(setup, name, conversions):
    """Convert meshes (``conversions``: (n meshes, split ratio) in turn)
    into one folder with the API, and a config that trains and tests on
    it; returns the config."""
    from mmssr.datasets.converters import convert_meshes
    from ..test_datasets.test_converters.helpers import write_primitives
    tmp = setup['tmp']
    out = tmp / f'converted_{name}'
    for i, (num, ratio) in enumerate(conversions):
        src = tmp / f'meshes_{name}_{i}'
        src.mkdir()
        write_primitives(str(src), ['box', 'sphere', 'cylinder'][:num])
        convert_meshes(
            str(src), str(out), synset='90000001', name='mug',
            split_ratio=ratio, image_size=32, supersample=1, num_points=0,
            progress=False, info=lambda msg: None)
    cfg = tmp / f'converted_{name}.py'
    data = f"dict(data_root={str(out)!r}, categories=['90000001:mug'])"
    cfg.write_text(
        f"_base_ = [{setup['plain']!r}]\n"
        f'train_dataloader = dict(batch_size=2, dataset=dict({data[5:-1]}, '
        'num_labeled=1))\n'
        f'val_dataloader = dict(num_workers=0, persistent_workers=False, '
        f'dataset={data})\n'
        f'test_dataloader = val_dataloader\n')
    return str(cfg)


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
    elif kind == 'bomb':  # declares 11.8 GB in 0.3 kB
        npz_bomb(str(path), (120000, 24, 4, 32, 32))
    return str(root), str(path)


def train(setup, *options, config='cfg'):
    return [
        'tools/train.py',
        setup.get(config, config), '--work-dir',
        str(setup['tmp'] / 'w')
    ] + (['--cfg-options', *options] if options else [])


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


def demo(s, image, *options, ckpt='untrained'):
    return ['tools/demo.py', s[image], s['cfg'], s[ckpt], *options]


def absent(*keys):
    """A check that the files ``setup[key]`` (or paths under tmp) do not
    exist after the run."""

    def check(s, proc):
        for key in keys:
            path = s.get(key) or str(s['tmp'] / key)
            assert not osp.exists(path), f'{path} exists'

    return check


def case(make_args, words, without=(), env=None, fsize=None, after=None):
    """A row with more than words: words the line must not hold, extra
    environment, a file-size limit (bytes; a full disk), a check."""
    return (make_args, words, dict(
        without=without, env=env, fsize=fsize, after=after))


CASES.update({
    # 1: a full disk: nothing under the final name, not "mesh: ..., exit 0"
    'full disk under the demo': case(
        lambda s: demo(s, 'image', '--out', str(s['tmp'] / 'full.ply')),
        ['full.ply', 'cannot write'], fsize=8192, after=absent('full.ply')),
    'full disk under the converter': case(
        lambda s: [CONVERTER, str(s['tmp'] / 'one_mesh'), '--out',
                   str(s['tmp'] / 'full_conv'), *MUG, '--image-size', '32',
                   '--supersample', '1', '--points', '0'],
        ['full_conv', 'cannot write'], fsize=20000,
        after=absent('full_conv/convert_meta.json')),
    # 2: a decompression bomb, refused from its header
    'image decompression bomb': case(
        lambda s: demo(s, 'bomb', '--out', str(s['tmp'] / 'bomb.ply')),
        ['bomb.png', '40000x40000', 'over the limit', '--max-pixels']),
    # 3: outputs never replace the user's files, nor each other
    'demo output replaces a file of the user': case(
        lambda s: demo(s, 'image', '--out', str(s['tmp'] / 'user_out')),
        ['chair_views.png', 'exists already', '--overwrite']),
    'demo --out is the input folder': case(
        lambda s: ['tools/demo.py', str(s['tmp'] / 'inplace'), s['cfg'],
                   s['untrained'], '--out', str(s['tmp'] / 'inplace')],
        ['inplace', 'input folder']),
    'converter: files that share a model id': case(
        lambda s: [CONVERTER, str(s['tmp'] / 'dup'), '--out',
                   str(s['tmp'] / 'dup_out'), *MUG],
        ['x.OBJ', 'x.obj', 'x.ply', 'share a model id']),
    # 4: a re-conversion leaves no stale split to evaluate
    'test on a folder converted again with fewer meshes': case(
        lambda s: ['tools/test.py',
                   converted(s, 'again', [(3, (1, 1, 1)), (1, (1, 1, 1))]),
                   s['plain_untrained'], '--work-dir', str(s['tmp'] / 't')],
        ['90000001_test_images.npz', 'no test objects', 'train 1'],
        without=['Download']),
    # 5: load_from goes through the safe loader, whatever the environment
    'unsafe load_from with TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD': case(
        lambda s: train(s, f"load_from={s['evil2']}",
                        'train_cfg.max_iters=1'),
        ['refusing to load', 'evil2.pth'],
        env=dict(TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD='1'),
        after=absent('marker')),
    # 7: a truncated photo is not a mesh of the decoder's grey fill
    'truncated JPEG': case(
        lambda s: demo(s, 'truncated', '--out', str(s['tmp'] / 'cut.ply')),
        ['truncated.jpg', 'truncated or corrupt']),
    # 8: a compressed-array bomb, refused from its headers
    'npz decompression bomb': case(
        lambda s: train(
            s, f"train_dataloader.dataset.data_root={damage(s, 'bomb')[0]}",
            config='plain'),
        ['02958343_train_images.npz', '11.80 GB', 'over the limit',
         'max_array_bytes']),
    # 9: no tracebacks
    'demo --out under a file': case(
        lambda s: demo(s, 'image', '--out',
                       str(s['tmp'] / 'a_file' / 'm.ply')),
        ['a_file', 'cannot write']),
    'converter --out under a file': case(
        lambda s: [CONVERTER, str(s['tmp'] / 'one_mesh'), '--out',
                   str(s['tmp'] / 'a_file' / 'o'), *MUG],
        ['a_file', 'cannot write']),
    'demo with NaN weights': case(
        lambda s: demo(s, 'image', '--out', str(s['tmp'] / 'nan.ply'),
                       ckpt='nan'), ['nan.pth', 'NaN']),
    'test with NaN weights': case(
        lambda s: ['tools/test.py', s['cfg'], s['nan'], '--work-dir',
                   str(s['tmp'] / 't')], ['nan.pth', 'NaN']),
    # 10: words that say what happened
    'train on a one-mesh conversion': case(
        lambda s: train(s, config=converted(s, 'one', [(1, (.7, .1, .2))])),
        ['90000001_val_images.npz', 'no val objects', 'train 1'],
        without=['Download']),
    'demo on a folder with one unreadable image': case(
        lambda s: ['tools/demo.py', str(s['tmp'] / 'mixed'), s['cfg'],
                   s['untrained'], '--out', str(s['tmp'] / 'mixed_out')],
        ['bad.png', '1 of 2 image(s) left out', '1 mesh(es) written'],
        after=lambda s, proc: osp.isfile(s['tmp'] / 'mixed_out' / 'good.ply')
        or pytest.fail('good.ply was not written')),
})


@pytest.mark.parametrize('name', sorted(CASES))
def test_bad_input_is_one_clear_error(setup, name):
    make_args, words, *more = CASES[name]
    more = more[0] if more else {}
    args = make_args(setup)
    if more.get('fsize'):
        args = ['tests/test_tools/run_limited.py', str(more['fsize'])] + args
    proc = run(args, more.get('env'))
    line = one_error_line(proc)
    for word in words:
        assert word in line, f'{name}: {word!r} not in {line!r}'
    for word in more.get('without', ()):
        assert word not in line, f'{name}: {word!r} in {line!r}'
    if more.get('after'):
        more['after'](setup, proc)


def run(args, env=None):
    return subprocess.run([sys.executable, *args],
                          cwd=REPO_ROOT,
                          env=dict(os.environ, PYTHONPATH=REPO_ROOT,
                                   **(env or {})),
                          capture_output=True,
                          text=True,
                          timeout=600)


def three_meshes(s, proc):
    assert proc.returncode == 0, proc.stderr[-2000:]
    made = sorted(f for f in os.listdir(s['tmp'] / 'names_out')
                  if f.endswith('.ply'))
    assert made == ['a.ply', 'a_1.ply', 'a_2.ply'], made


def outside_reported(s, proc):
    assert proc.returncode == 0, proc.stderr[-2000:]
    skipped = [line for line in proc.stdout.splitlines()
               if line.startswith('skipped:')]
    assert len(skipped) == 2, proc.stdout
    for line in skipped:
        assert 'outside the input folder' in line, line
    assert any('far_tex.obj' in line and 'secret.png' in line
               for line in skipped), skipped
    assert any('far_lib.obj' in line and 'lib.mtl' in line
               for line in skipped), skipped


# inputs that must work, and what must then hold
WORKS = {
    # 3: three images, three meshes, whatever their names
    'a.jpg, a.png and a_1.png': (lambda s: [
        'tools/demo.py', str(s['tmp'] / 'names'), s['cfg'], s['untrained'],
        '--out', str(s['tmp'] / 'names_out')
    ], three_meshes),
    # 11: files named outside the input folder are not read, and reported
    'converter: .mtl and textures outside the input folder': (lambda s: [
        CONVERTER, str(s['tmp'] / 'outside' / 'in'), '--out',
        str(s['tmp'] / 'outside_out'), *MUG, '--image-size', '8',
        '--supersample', '1', '--points', '0'
    ], outside_reported),
}


@pytest.mark.parametrize('name', sorted(WORKS))
def test_unlucky_input_works(setup, name):
    make_args, check = WORKS[name]
    check(setup, run(make_args(setup)))


def exif_rotated_photo(s):
    """A 60x40 JPEG whose EXIF says: turn 90 degrees to view it."""
    from PIL import Image

    from mmssr.io.image import read_image
    path = str(s['tmp'] / 'portrait.jpg')
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to view
    Image.fromarray(np.zeros((40, 60, 3), np.uint8)).save(path, exif=exif)
    assert read_image(path).shape == (60, 40, 3)


def empty_array(s):
    from mmssr.apis import MeshInferencer
    inferencer = MeshInferencer(s['cfg'], s['untrained'])
    with pytest.raises(UserError, match=r'<array 0>.*empty \(0x0 pixels\)'):
        inferencer(np.zeros((0, 0, 3), np.uint8))


def changed_texture(s):
    """A new texture is converted again, not taken from the cache."""
    import cv2

    from mmssr.datasets.converters.discovery import SourceMesh
    from mmssr.datasets.converters.worker import object_key
    from ..test_datasets.test_converters.helpers import write_mtl_obj
    folder = s['tmp'] / 'textured'
    folder.mkdir(exist_ok=True)
    write_mtl_obj(str(folder), 'tex')
    with open(folder / 'tex.mtl', 'a') as f:
        f.write('map_Kd images/wood.png\n')
    (folder / 'images').mkdir(exist_ok=True)
    texture = str(folder / 'images' / 'wood.png')
    src = SourceMesh('90000001', 'tex', str(folder / 'tex.obj'))
    settings = dict(image_size=8, supersample=1, num_points=0, seed=0,
                    normalized=False, up='+y', front='-z', scale=1.0)
    keys = []
    for colour in (40, 200):
        cv2.imwrite(texture, np.full((4, 4, 3), colour, np.uint8))
        keys.append(object_key(src, settings))
    assert keys[0] != keys[1]


def pixel_limit_option(s):
    from mmssr.io.image import read_image
    with pytest.raises(UserError, match='160x120.*over the limit'):
        read_image(s['photo'], max_pixels=10000)
    assert read_image(s['photo'], max_pixels=19200).shape == (120, 160, 3)


# the same mistakes through the Python API
API_CASES = {
    # 2: the pixel limit is an argument
    'pixel limit': pixel_limit_option,
    # 4: a changed texture invalidates the converter's cache entry
    'changed texture': changed_texture,
    # 6: phone photos are upright
    'EXIF orientation': exif_rotated_photo,
    # 9: an empty array is a clear error
    'empty array into MeshInferencer': empty_array,
}


@pytest.mark.parametrize('name', sorted(API_CASES))
def test_bad_input_to_the_api(setup, name):
    API_CASES[name](setup)
