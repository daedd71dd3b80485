"""The converter tool, layouts, split files, custom categories, training."""
import os.path as osp

import numpy as np
import pytest

from mmssr.datasets import ShapeNetDataset, resolve_categories
from mmssr.datasets.converters.discovery import discover
from mmssr.errors import DataError
from ...conftest import REPO_ROOT
from ...test_tools.test_train_test_resume import run_tool
from .helpers import box, convert, cylinder, load, sphere, write_primitives

TOOL = 'tools/dataset_converters/meshes_to_shapenet.py'


def test_custom_categories_resolve():
    assert resolve_categories(['chair',
                               '90000001:mug']) == [('03001627', 'chair'),
                                                    ('90000001', 'mug')]
    assert resolve_categories([('90000001', 'mug'),
                               dict(synset='90000002',
                                    name='cup')]) == [('90000001', 'mug'),
                                                      ('90000002', 'cup')]
    assert resolve_categories('90000001:mug') == [('90000001', 'mug')]
    with pytest.raises(DataError, match="did you mean 'chair'"):
        resolve_categories(['chiar'])
    with pytest.raises(DataError, match='repeats'):
        resolve_categories(['90000001:mug', '90000002:mug'])
    with pytest.raises(DataError, match='is the ShapeNet category'):
        resolve_categories(['03001627:chiar'])
    with pytest.raises(DataError, match='name must be'):
        resolve_categories(['90000001:'])


def test_cli_workers_skips_and_empty_folder(tmp_path):
    src = tmp_path / 'in'
    src.mkdir()
    write_primitives(str(src), ['box', 'sphere', 'cylinder'])
    (src / 'broken.obj').write_text('this is not an obj file\n' * 3)
    common = [
        '--synset', '90000001', '--name', 'mug', '--image-size', '16',
        '--points', '200', '--split-ratio', '1', '0', '0', '--no-progress'
    ]
    one = run_tool(TOOL, str(src), '--out', str(tmp_path / 'one'), *common)
    assert 'skipped: ' in one.stdout and 'broken.obj' in one.stdout
    assert 'objects/s' in one.stdout
    two = run_tool(TOOL, str(src), '--out', str(tmp_path / 'two'), *common,
                   '--workers', '2')
    assert 'objects/s' in two.stdout
    for kind in ('images', 'voxels', 'points'):
        name = f'90000001_train_{kind}.npz'
        assert (tmp_path / 'one' / name).read_bytes() == \
            (tmp_path / 'two' / name).read_bytes()
    (tmp_path / 'empty').mkdir()
    proc = run_tool(
        TOOL,
        str(tmp_path / 'empty'),
        '--out',
        str(tmp_path / 'o'),
        *common,
        check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith('error: ') and 'Traceback' not in \
        proc.stderr
    assert 'no mesh files' in proc.stderr


def _write_obj(path, mesh):
    import os

    import open3d as o3d
    os.makedirs(osp.dirname(path), exist_ok=True)
    o3d.io.write_triangle_mesh(
        path, mesh, write_vertex_normals=False, write_triangle_uvs=False)


def test_shapenet_layouts_and_split_file(tmp_path):
    v1, v2 = tmp_path / 'v1', tmp_path / 'v2'
    for i, mesh in enumerate([box(), sphere(), cylinder()]):
        _write_obj(str(v1 / '03001627' / f'm{i}' / 'model.obj'), mesh)
        _write_obj(
            str(v2 / '04379243' / f'm{i}' / 'models' / 'model_normalized.obj'),
            mesh)
    layout, meshes, names = discover(str(v1))
    assert layout == 'v1' and names == {'03001627': 'chair'}
    assert [m.model_id for m in meshes] == ['m0', 'm1', 'm2']
    layout, meshes, names = discover(str(v2))
    assert layout == 'v2' and names == {'04379243': 'table'}
    csv = tmp_path / 'all.csv'
    csv.write_text('id,synsetId,subSynsetId,modelId,split\n'
                   '1,4379243,4379243,m0,train\n'
                   '2,4379243,4379243,m2,test\n'
                   '3,4379243,4379243,m1,val\n')
    meta = convert(
        v2,
        tmp_path / 'out',
        synset=None,
        name=None,
        split_file=str(csv),
        image_size=16)
    assert meta['layout'] == 'v2'
    assert meta['objects']['04379243'] == dict(
        train=['m0'], val=['m1'], test=['m2'])
    assert load(str(tmp_path / 'out'), '04379243', 'val',
                'images').shape == (1, 24, 4, 16, 16)


@pytest.fixture(scope='module')
def mug_root(tmp_path_factory):
    """8 objects of a custom category '90000001:mug', 32x32."""
    import open3d as o3d
    src = tmp_path_factory.mktemp('mugs')
    for i in range(8):
        mesh = (
            box((0.3 + 0.05 * i, 0.5,
                 0.3)) if i % 2 else o3d.geometry.TriangleMesh.create_cylinder(
                     0.2 + 0.02 * i, 0.5, 16, 1).rotate(
                         o3d.geometry.get_rotation_matrix_from_xyz(
                             (np.pi / 2, 0, 0))))
        o3d.io.write_triangle_mesh(str(src / f'mug{i}.ply'), mesh)
    out = tmp_path_factory.mktemp('mug_data')
    convert(src, out, split_ratio=(0.5, 0.25, 0.25), image_size=32)
    return str(out)


def test_converted_category_loads_in_shapenet_dataset(mug_root):
    labeled = ShapeNetDataset(
        mug_root, categories=['90000001:mug'], split='labeled', num_labeled=2)
    assert labeled.metainfo['categories'] == ('mug', )
    assert labeled.num_objects == 2
    test = ShapeNetDataset(
        mug_root,
        categories=[('90000001', 'mug')],
        split='test',
        mode='view',
        test_mode=True)
    assert test.num_objects == 2 and test.voxels.shape == (2, 32, 32, 32)
    assert test.object_points[0].shape == (500, 6)


def test_training_on_a_converted_category(tmp_path, mug_root):
    cfg = tmp_path / 'softras_mug.py'
    base = osp.join(REPO_ROOT, 'configs/softras/softras_shapenet_n2.py')
    cfg.write_text(f"""_base_ = [{base!r}]
data_root = {mug_root!r}
categories = ['90000001:mug']
_data = dict(data_root=data_root, categories=categories)
train_dataloader = dict(batch_size=4, num_workers=0, persistent_workers=False,
                        dataset=_data)
val_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                      dataset=dict(_data, views=[0, 12], test_source='file'))
test_dataloader = dict(batch_size=8, num_workers=0, persistent_workers=False,
                       dataset=dict(_data, views=[0, 12], test_source='file'))
model = dict(image_size=32, decoder=dict(subdivisions=2))
train_cfg = dict(max_iters=3, val_interval=3)
default_hooks = dict(logger=dict(interval=1),
                     checkpoint=dict(interval=3, save_best=None))
randomness = dict(seed=0)
""")
    proc = run_tool('tools/train.py', str(cfg), '--work-dir',
                    str(tmp_path / 'work'), '--test')
    out = proc.stdout + proc.stderr
    assert 'Iter(train) [3/3]' in out
    assert '| mug' in out and 'shapenet/mIoU' in out
