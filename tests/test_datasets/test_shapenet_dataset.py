import numpy as np
import pytest
import torch
from mmengine.dataset import ConcatDataset

from mmssr.datasets import (DatasetNotFoundError,
                            SemiSupervisedShapeNetDataset, ShapeNetDataset)
from mmssr.datasets.transforms import PackMeshInputs
from mmssr.errors import DataError
from mmssr.structures import view_ids_to_eyes
from mmssr.structures.view_cameras import grid_cameras

SYNSETS = {'chair': '03001627', 'car': '02958343'}


def write_split(root, synset, split, num, size=8, seed=0):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, (num, 24, 4, size, size), dtype=np.uint8)
    # make every image identifiable: object index in R, view id in G
    images[:, :, 0] = np.arange(num)[:, None, None, None]
    images[:, :, 1] = np.arange(24)[None, :, None, None]
    voxels = rng.integers(0, 2, (num, 32, 32, 32), dtype=np.uint8)
    np.savez_compressed(root / f'{synset}_{split}_images.npz', images)
    np.savez_compressed(root / f'{synset}_{split}_voxels.npz', voxels)
    return images, voxels


@pytest.fixture
def data_root(tmp_path):
    for i, synset in enumerate(SYNSETS.values()):
        write_split(tmp_path, synset, 'train', 5, seed=i)
        write_split(tmp_path, synset, 'val', 10, seed=10 + i)
        write_split(tmp_path, synset, 'test', 3, seed=20 + i)
    return tmp_path


def build(root, **kwargs):
    kwargs.setdefault('categories', ['chair', 'car'])
    return ShapeNetDataset(data_root=str(root), **kwargs)


def test_splits_and_sizes(data_root):
    labeled = build(data_root, split='labeled', num_labeled=2)
    unlabeled = build(data_root, split='unlabeled', num_labeled=2)
    train = build(data_root, split='train')
    assert labeled.num_objects == 4 and unlabeled.num_objects == 6
    assert train.num_objects == 10
    assert len(labeled) == 4 * 576
    assert labeled.object_categories == ['chair', 'chair', 'car', 'car']
    # labeled = first N objects of each train file, unlabeled = the rest
    assert [d['obj_index'] for d in labeled.data_list] == [0, 1, 0, 1]
    assert [d['obj_index'] for d in unlabeled.data_list] == [2, 3, 4] * 2
    test = build(data_root, split='test', mode='view')
    assert len(test) == 6 * 24
    val = build(data_root, split='val', mode='view', views=[0, 6])
    assert len(val) == 20 * 2
    # the reference's ratio split of the val file: 10 % val, the rest test
    rval = build(data_root, split='val', mode='view', test_source='val_ratio')
    rtest = build(
        data_root, split='test', mode='view', test_source='val_ratio')
    assert rval.num_objects == 2 and rtest.num_objects == 18
    assert [d['obj_index'] for d in rtest.data_list][:9] == list(range(1, 10))


def test_pair_index_encoding_and_item_content(data_root):
    ds = build(
        data_root,
        split='labeled',
        num_labeled=2,
        pipeline=[dict(type='PackMeshInputs')])
    obj, a, b = 3, 5, 17
    info = ds.get_data_info(obj * 576 + a * 24 + b)
    assert info['category'] == 'car' and info['obj_index'] == 1
    assert info['images'].shape == (2, 4, 8, 8)
    assert (info['images'][:, 0] == 1).all()  # object 1 of the car file
    assert info['images'][0, 1, 0, 0] == a and info['images'][1, 1, 0, 0] == b
    np.testing.assert_array_equal(info['view_ids'], [a, b])
    np.testing.assert_allclose(info['eyes'], view_ids_to_eyes([a, b]))
    packed = ds[obj * 576 + a * 24 + b]
    assert packed['inputs'].shape == (2, 4, 8, 8)
    assert packed['inputs'].dtype == torch.uint8
    sample = packed['data_samples']
    assert sample.is_labeled is True
    assert sample.view_ids.tolist() == [a, b]
    assert sample.eyes.shape == (2, 3)


def test_view_items_carry_voxels(data_root):
    ds = build(
        data_root,
        split='test',
        mode='view',
        views=[0, 12],
        pipeline=[dict(type='PackMeshInputs')])
    _, voxels = write_split(data_root, SYNSETS['chair'], 'test', 3, seed=20)
    item = ds[1 * 2 + 1]  # object 1, second view (12)
    assert item['inputs'].shape == (4, 8, 8)
    sample = item['data_samples']
    assert sample.source_view_ids.tolist() == [12]
    assert sample.gt_voxels.dtype == torch.bool
    assert torch.equal(sample.gt_voxels, torch.from_numpy(voxels[1] > 0))


def test_unlabeled_items_use_the_pseudo_label_table(data_root):
    ds = build(data_root, split='unlabeled', num_labeled=2)
    info = ds.get_data_info(0 * 576 + 4 * 24 + 9)
    assert info['view_ids'].tolist() == [-1, -1]  # nothing labelled yet
    assert info['is_labeled'] is False
    table = torch.full((6, 24), -1, dtype=torch.long)
    table[0, 4], table[0, 9] = 7, 20
    ds.set_pseudo_labels(table)
    info = ds.get_data_info(0 * 576 + 4 * 24 + 9)
    assert info['view_ids'].tolist() == [7, 20]  # pseudo, not the true 4, 9
    assert info['source_view_ids'].tolist() == [4, 9]
    np.testing.assert_allclose(info['eyes'], view_ids_to_eyes([7, 20]))
    with pytest.raises(ValueError, match='shape'):
        ds.set_pseudo_labels(torch.zeros(5, 24, dtype=torch.long))
    with pytest.raises(ValueError, match='-1 or view ids'):
        ds.set_pseudo_labels(torch.full((6, 24), 24))
    with pytest.raises(TypeError, match='integers'):
        ds.set_pseudo_labels(torch.zeros(6, 24))


def test_semi_supervised_dataset_shares_arguments(data_root):
    ds = SemiSupervisedShapeNetDataset(
        data_root=str(data_root), categories=['chair'], num_labeled=3)
    assert isinstance(ds, ConcatDataset)
    assert ds.labeled.num_objects == 3 and ds.unlabeled.num_objects == 2
    assert len(ds) == 5 * 576
    with pytest.raises(ValueError, match='split'):
        SemiSupervisedShapeNetDataset(data_root=str(data_root), split='val')


def test_missing_files_name_the_path_and_the_remedy(tmp_path):
    with pytest.raises(DatasetNotFoundError) as err:
        build(tmp_path / 'nowhere', split='labeled')
    msg = str(err.value)
    assert 'nowhere' in msg and '03001627_train_images.npz' in msg
    assert 'SoftRas' in msg and 'ssr_synthetic_n2.py' in msg


def test_bad_files_get_clear_errors(data_root):
    synset = SYNSETS['chair']
    path = data_root / f'{synset}_train_images.npz'
    np.savez_compressed(path, np.zeros((5, 24, 4, 8, 8), dtype=np.float32))
    with pytest.raises(ValueError, match=f'{synset}_train_images.npz.*uint8'):
        build(data_root, split='train')
    np.savez_compressed(path, np.zeros((5, 24, 3, 8, 8), dtype=np.uint8))
    with pytest.raises(ValueError, match=r'\(N, 24, 4, S, S\)'):
        build(data_root, split='train')
    path.write_bytes(path.read_bytes()[:100])  # truncated
    with pytest.raises(ValueError, match='corrupted or truncated'):
        build(data_root, split='train')
    write_split(data_root, synset, 'test', 3)
    vox = data_root / f'{synset}_test_voxels.npz'
    np.savez_compressed(vox, np.zeros((2, 32, 32, 32), dtype=np.uint8))
    with pytest.raises(ValueError, match='2 voxel grids but 3 objects'):
        build(data_root, split='test', mode='view')
    np.savez_compressed(vox, np.full((3, 32, 32, 32), 2, dtype=np.uint8))
    with pytest.raises(ValueError, match='only 0 and 1'):
        build(data_root, split='test', mode='view')


def test_argument_errors(data_root):
    with pytest.raises(ValueError, match='fewer than num_labeled=9'):
        build(data_root, split='labeled', num_labeled=9)
    with pytest.raises(ValueError, match='none left unlabeled'):
        build(data_root, split='unlabeled', num_labeled=5)
    with pytest.raises(ValueError, match='empty'):
        build(data_root, categories=[])
    with pytest.raises(ValueError, match='unknown ShapeNet category "sofa2"'):
        build(data_root, categories=['sofa2'])
    with pytest.raises(DatasetNotFoundError, match='04256520'):
        build(data_root, categories=['sofa'])  # a category not present
    with pytest.raises(ValueError, match='split'):
        build(data_root, split='training')


def test_pack_rejects_bad_images():
    with pytest.raises(ValueError, match='RGBA'):
        PackMeshInputs()(dict(images=np.zeros((1, 3, 8, 8), np.uint8)))


def test_image_size_downsamples_by_block_means(data_root):
    full = build(data_root, split='labeled')
    half = build(data_root, split='labeled', image_size=4)
    assert half.image_size == 4 and half.images.shape[-1] == 4
    expected = full.images.reshape(4, 24, 4, 4, 2, 4, 2).mean((4, 6))
    np.testing.assert_array_equal(half.images, np.round(expected))
    with pytest.raises(ValueError, match='must divide'):
        build(data_root, split='labeled', image_size=3)


def test_what_the_pseudo_labeller_needs(data_root):
    semi = SemiSupervisedShapeNetDataset(
        dataset_type='ShapeNetDataset',
        data_root=str(data_root),
        categories=['chair', 'car'],
        num_labeled=2)
    labeled, unlabeled = semi.labeled, semi.unlabeled
    assert unlabeled.objects_by_category() == dict(
        chair=[0, 1, 2], car=[3, 4, 5])
    refs = labeled.reference_views('car')
    assert refs.shape == (2, 24, 4, 8, 8)
    # red = object index in the file, green = view id
    assert refs[:, :, 0, 0, 0].tolist() == [[0] * 24, [1] * 24]
    assert refs[1, :, 1, 0, 0].tolist() == list(range(24))
    with pytest.raises(RuntimeError, match='known viewpoints'):
        unlabeled.reference_views('car')
    with pytest.raises(ValueError, match='sofa'):
        labeled.reference_views('sofa')
    # two ranks share the objects of every category, each once
    seen = []
    for rank in (0, 1):
        for (cat, objects, queries, references, stored, numbers, owners,
             cameras) in semi.pseudo_label_queries(
                 rank, 2, objects_per_call=1):
            assert stored.tolist() == list(range(24)) * len(objects)
            # the true cameras: those of the stored grid views
            np.testing.assert_allclose(
                cameras, grid_cameras(np.tile(np.arange(24), len(objects))))
            # image o·24 + v of the table is view v of object o
            assert numbers.tolist() == [
                o * 24 + v for o in objects for v in range(24)
            ]
            assert owners.tolist() == [o for o in objects for _ in range(24)]
            assert queries.shape == (24 * len(objects), 4, 8, 8)
            assert queries[:, 1, 0, 0].tolist() == list(range(24))
            # file index of unlabeled object o is o % 3 + 2
            assert queries[0, 0, 0, 0] == objects[0] % 3 + 2
            assert cat == unlabeled.object_categories[objects[0]]
            assert references.shape == (2, 24, 4, 8, 8)
            np.testing.assert_array_equal(references,
                                          labeled.reference_views(cat))
            seen += objects
    assert sorted(seen) == list(range(6))


def test_pseudo_label_stats(data_root):
    unlabeled = build(data_root, split='unlabeled')
    table = torch.full((6, 24), -1)
    table[0] = torch.arange(24)  # one object, all right
    table[1, :2] = torch.tensor([5, 1])  # one wrong, one right
    unlabeled.set_pseudo_labels(table)
    stats = unlabeled.pseudo_label_stats()
    assert stats['coverage'] == pytest.approx(26 / 144)
    assert stats['accuracy'] == pytest.approx(25 / 26)
    assert stats['eligible_objects'] == 2


def test_max_unlabeled_caps_the_unlabeled_objects_only(data_root):
    semi = SemiSupervisedShapeNetDataset(
        dataset_type='ShapeNetDataset',
        data_root=str(data_root),
        categories=['chair', 'car'],
        num_labeled=2,
        max_unlabeled=1)
    assert semi.labeled.num_objects == 4
    assert semi.unlabeled.num_objects == 2  # 1 of 3 per category
    with pytest.raises(ValueError, match='max_unlabeled'):
        SemiSupervisedShapeNetDataset(
            dataset_type='ShapeNetDataset',
            data_root=str(data_root),
            categories=['chair'],
            num_labeled=2,
            max_unlabeled=0)


def test_val_ratio_truncates_as_the_reference(tmp_path):
    """SSR's datasets.py takes int(n * ratio) objects for validation."""
    write_split(tmp_path, SYNSETS['chair'], 'val', 19)
    val = build(
        tmp_path,
        categories=['chair'],
        split='val',
        mode='view',
        test_source='val_ratio',
        val_ratio=0.1)
    test = build(
        tmp_path,
        categories=['chair'],
        split='test',
        mode='view',
        test_source='val_ratio',
        val_ratio=0.1)
    assert val.num_objects == 1 and test.num_objects == 18  # not 2 and 17
    with pytest.raises(DataError, match='cannot be split'):
        build(
            tmp_path,
            categories=['chair'],
            split='val',
            mode='view',
            test_source='val_ratio',
            val_ratio=0.05).full_init()
