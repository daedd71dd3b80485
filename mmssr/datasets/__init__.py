from .categories import SHAPENET_CATEGORIES, resolve_categories
from .loading import DatasetNotFoundError, load_single_array
from .samplers import *  # noqa: F401,F403
from .semi_supervised_dataset import SemiSupervisedShapeNetDataset
from .shapenet_dataset import ShapeNetDataset
from .synthetic_dataset import SyntheticShapeNetDataset
from .transforms import *  # noqa: F401,F403
from .unlabeled_views_dataset import UnlabeledViewsDataset
from .view_files import ViewsFile, load_views, save_views

__all__ = [
    'SHAPENET_CATEGORIES', 'resolve_categories', 'ShapeNetDataset',
    'SemiSupervisedShapeNetDataset', 'SyntheticShapeNetDataset',
    'DatasetNotFoundError', 'load_single_array', 'UnlabeledViewsDataset',
    'ViewsFile', 'load_views', 'save_views'
]
