"""tools/dataset_converters/photos_to_unlabeled.py on a small folder."""
import json
import shutil

import cv2
import numpy as np

from mmssr.datasets import SemiSupervisedShapeNetDataset, load_views
from mmssr.datasets.transforms.framing import prepare_image
from mmssr.structures.color import encode_nmr
from ...test_tools.test_train_test_resume import run_tool
from .helpers import convert, write_primitives

TOOL = 'tools/dataset_converters/photos_to_unlabeled.py'
CHAIR = '03001627'


def photo(h=90, w=120, box=(20, 30, 60, 70), color=(200, 40, 40)):
    """An RGB photo: a coloured box on a plain grey background."""
    image = np.full((h, w, 3), 210, np.uint8)
    y0, x0, y1, x1 = box
    image[y0:y1, x0:x1] = color
    return image


def write(path, rgb_or_rgba):
    channels = rgb_or_rgba.shape[2]
    order = cv2.COLOR_RGB2BGR if channels == 3 else cv2.COLOR_RGBA2BGRA
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb_or_rgba, order))


def make_photos(root):
    a, b, c = (root / name for name in ('mug_a', 'mug_b', 'mug_c'))
    for folder in (a, b, c):
        folder.mkdir(parents=True)
    write(a / '1.png', photo())  # plain background: estimated
    rgba = np.dstack([photo(), np.zeros((90, 120), np.uint8)])
    rgba[10:80, 40:100, 3] = 255  # alpha: the silhouette
    write(a / '2.png', rgba)
    write(a / '3.jpg', photo(box=(5, 5, 85, 60)))
    mask = np.zeros((90, 120), np.uint8)
    mask[5:85, 5:40] = 255  # the mask says: only the left part
    write(a / '3_mask.png', np.dstack([mask] * 3))
    write(b / 'empty.png', np.full((50, 50, 3), 128, np.uint8))
    write(b / 'ok.png', photo(color=(30, 160, 60)))
    write(c / 'blank.png', np.full((50, 50, 3), 90, np.uint8))
    return a


def photo_dataset(data):
    """The chairs of ``data``, two labeled, the photos unlabeled."""
    return SemiSupervisedShapeNetDataset(
        dataset_type='ShapeNetDataset',
        data_root=str(data),
        categories=['chair'],
        num_labeled=2,
        unlabeled_views='file')


def test_photo_folders_become_the_unlabeled_split(tmp_path,
                                                  tiny_synthetic_root):
    data = tmp_path / 'data'
    shutil.copytree(tiny_synthetic_root, data)  # labeled part: 4 chairs
    a = make_photos(tmp_path / 'photos')
    proc = run_tool(TOOL, str(tmp_path / 'photos'), '--out', str(data),
                    '--synset', CHAIR)
    out = proc.stdout
    assert 'skipped: ' in out and 'empty.png' in out and 'mug_c' in out
    assert '2 objects, 4 photos' in out
    views = load_views(str(data / f'{CHAIR}_train_views.npz'))
    assert views.objects.tolist() == [4, 4, 4, 5]  # after the 4 chairs
    assert np.isnan(views.cameras).all()
    assert views.images.shape == (4, 4, 32, 32)
    # framed as the demo frames a photo, stored in the NMR convention
    expected = [
        prepare_image(str(a / '1.png'), 32).inputs,
        prepare_image(str(a / '2.png'), 32).inputs,
        prepare_image(str(a / '3.jpg'), 32, mask=str(a / '3_mask.png')).inputs
    ]
    np.testing.assert_array_equal(views.images[:3],
                                  encode_nmr(np.stack(expected)))
    record = json.loads((data / f'{CHAIR}_train_views.json').read_text())
    assert [o['folder'] for o in record['objects']] == ['mug_a', 'mug_b']
    assert record['color_convention'] == 'nmr'
    # the unlabeled split is exactly the photos
    semi = photo_dataset(data)
    assert semi.unlabeled.num_images == 4
    assert [d['obj_index'] for d in semi.unlabeled.data_list] == [4, 5]
    # a second run needs --overwrite; bad input is one line, exit 2
    again = run_tool(
        TOOL,
        str(tmp_path / 'photos'),
        '--out',
        str(data),
        '--synset',
        CHAIR,
        check=False)
    assert again.returncode == 2 and '--overwrite' in again.stderr
    missing = run_tool(
        TOOL,
        str(tmp_path / 'photos'),
        '--out',
        str(tmp_path / 'nowhere'),
        '--synset',
        CHAIR,
        check=False)
    assert missing.returncode == 2
    assert 'meshes_to_shapenet' in missing.stderr
    assert 'Traceback' not in missing.stderr


def test_photos_join_a_folder_converted_from_meshes(tmp_path):
    meshes, data = tmp_path / 'meshes', tmp_path / 'data'
    meshes.mkdir()
    write_primitives(str(meshes), ['box', 'sphere', 'cylinder'])
    convert(meshes, data, synset=CHAIR, name='chair', num_points=0)
    make_photos(tmp_path / 'photos')
    run_tool(TOOL, str(tmp_path / 'photos'), '--out', str(data), '--synset',
             CHAIR)
    # the conversion's record lists the photos' files: the dataset takes them
    meta = json.loads((data / 'convert_meta.json').read_text())
    views = f'{CHAIR}_train_views.npz'
    assert meta['files'][views]['size'] == (data / views).stat().st_size
    semi = photo_dataset(data)
    assert semi.unlabeled.num_images == 4
    assert [d['obj_index'] for d in semi.unlabeled.data_list] == [3, 4]
    # converting the meshes again renumbers the objects: the photos go
    convert(meshes, data, synset=CHAIR, name='chair', num_points=0)
    assert not (data / views).exists()
    assert not (data / f'{CHAIR}_train_views.json').exists()
