"""The unlabeled split read from per-image views files (any viewpoints)."""
import os.path as osp
from typing import Dict, List, Sequence

import numpy as np

from mmssr.errors import DataError
from mmssr.registry import DATASETS
from mmssr.structures.color import to_model_colors
from .loading import check_files, downsample_views
from .pseudo_label_table import PseudoLabelTable
from .shapenet_dataset import ShapeNetDataset
from .view_files import load_views, views_file_name


@DATASETS.register_module()
class UnlabeledViewsDataset(ShapeNetDataset):
    """Unlabeled training images with any viewpoints, any number per object.

    Reads ``{synset}_train_views.npz`` (:mod:`mmssr.datasets.view_files`)
    of each category: the unlabeled objects are those at or past
    ``num_labeled``, with all their images there, whatever their cameras
    (which only diagnostics read). Items are pairs of images of one
    object: index ``a·M + b`` is the pair of images ``a`` and ``b`` of the
    M images, numbered in stored order, the images of an object next to
    each other. Their supervision cameras come from the pseudo-labels
    (:class:`PseudoLabelTable`, view ids of shape (M,)).

    Takes the arguments of :class:`ShapeNetDataset` (``split`` is
    ``'unlabeled'`` and ``mode`` ``'pair'``); ``max_objects`` caps the
    unlabeled objects per category.
    """

    def __init__(self,
                 *args,
                 split: str = 'unlabeled',
                 mode: str = 'pair',
                 **kwargs) -> None:
        if split != 'unlabeled' or mode != 'pair':
            raise DataError('UnlabeledViewsDataset is the unlabeled split in '
                            f"'pair' mode, got split={split!r}, "
                            f'mode={mode!r}')
        super().__init__(*args, split=split, mode=mode, **kwargs)

    def expected_files(self) -> List[str]:
        return [views_file_name(s) for s, _ in self.categories]

    def _check_files(self) -> None:
        check_files(self.data_root, self.expected_files(),
                    [s for s, _ in self.categories])

    def load_data_list(self) -> List[dict]:
        self._check_files()
        images, cameras, objects, data_list = [], [], [], []
        for synset, name in self.categories:
            path = osp.join(self.data_root, views_file_name(synset))
            views = load_views(path)
            mine = views.objects >= self.num_labeled
            ids = np.unique(views.objects[mine])
            if self.max_objects is not None:
                ids = ids[:self.max_objects]
            if not len(ids):
                raise DataError(
                    f'{path}: no images of objects at or past num_labeled='
                    f'{self.num_labeled}: category "{name}" has nothing '
                    'unlabeled')
            for obj in ids:
                rows = np.flatnonzero(views.objects == obj)
                images.append(views.images[rows])
                cameras.append(views.cameras[rows])
                objects.append(np.full(len(rows), len(data_list)))
                data_list.append(
                    dict(category=name, synset=synset, obj_index=int(obj)))
        sizes = {im.shape[-1] for im in images}
        if len(sizes) != 1:
            raise DataError(f'image sizes differ across the views files in '
                            f'{self.data_root}: {sorted(sizes)}')
        self.images = downsample_views(
            to_model_colors(
                np.concatenate(images), self.file_color_convention),
            sizes.pop(), self.target_size, self.data_root)
        self.voxels, self.object_points = None, []
        self.image_size = self.images.shape[-1]
        self.object_categories = [d['category'] for d in data_list]
        image_objects = np.concatenate(objects)
        self.pseudo_table = PseudoLabelTable((len(image_objects), ),
                                             image_objects,
                                             np.concatenate(cameras))
        return data_list

    @property
    def num_images(self) -> int:
        return len(self.images)

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        return self.num_images * self.num_images

    def get_images(self, obj_indices: Sequence[int],
                   view_ids: Sequence[int]) -> np.ndarray:
        raise NotImplementedError('images of an UnlabeledViewsDataset have '
                                  'no view ids; see object_images')

    def object_views(self, obj_indices: Sequence[int]) -> np.ndarray:
        raise NotImplementedError('objects of an UnlabeledViewsDataset may '
                                  'have any number of images; see '
                                  'object_images')

    def object_images(self, obj_indices: Sequence[int]):
        """Image numbers (K,) and images (K, 4, S, S) uint8 of objects."""
        numbers = np.concatenate([
            self.pseudo_table.object_images(o) for o in obj_indices
        ]) if len(obj_indices) else np.zeros(0, np.int64)
        return numbers, self.images[numbers]

    def pair_index(self, obj: int, a: int, b: int) -> int:
        """Item of the pair of the a-th and b-th images of object ``obj``."""
        start = int(self.pseudo_table.starts[obj])
        return (start + a) * self.num_images + start + b

    def get_data_info(self, idx: int) -> Dict:
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise IndexError(f'index {idx} out of range for {len(self)} '
                             'items')
        source = np.array(divmod(idx, self.num_images), dtype=np.int64)
        objs = self.pseudo_table.image_objects[source]
        if objs[0] != objs[1]:
            raise IndexError(f'item {idx} pairs images of two objects')
        obj = int(objs[0])
        info: Dict = dict(self.data_list[obj])
        info.update(
            sample_idx=idx,
            object_idx=obj,
            images=self.images[source],
            source_view_ids=source - self.pseudo_table.starts[obj],
            view_ids=self.pseudo_labels.view(-1)[source].numpy().copy(),
            eyes=self.pseudo_table.eyes(source),
            is_labeled=False)
        return info
