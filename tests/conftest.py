import importlib.util
import os.path as osp

import pytest

from mmssr.utils import register_all_modules

# Configs name mmssr classes; make mmssr the default registry scope.
register_all_modules()

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def load_tool(path: str, name: str = None):
    """Import a tool script (tools/...) as a module, by its path."""
    name = name or osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TINY_SYNTHETIC = dict(
    num_train=4, num_val=2, num_test=2, seed=0, image_size=32)
TINY_CATEGORIES = ['chair', 'car']


@pytest.fixture(scope='session')
def tiny_synthetic_root(tmp_path_factory):
    """A tiny synthetic dataset (2 categories, 32x32), made once."""
    from mmssr.datasets.synthetic import generate_synthetic_dataset
    root = str(tmp_path_factory.mktemp('synthetic'))
    generate_synthetic_dataset(
        root, TINY_CATEGORIES, progress=False, **TINY_SYNTHETIC)
    return root


@pytest.fixture(scope='session')
def tiny_off_grid_root(tmp_path_factory):
    """The tiny synthetic dataset with its training objects also seen from
    anywhere off the grid (``{synset}_train_views.npz``), made once."""
    from mmssr.datasets.synthetic import generate_synthetic_dataset
    root = str(tmp_path_factory.mktemp('synthetic_anywhere'))
    generate_synthetic_dataset(
        root,
        TINY_CATEGORIES,
        progress=False,
        unlabeled_views='anywhere',
        **TINY_SYNTHETIC)
    return root
