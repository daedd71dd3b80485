"""The SoftRas / NMR ShapeNet renders, with the splits of SSR."""
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.dataset import BaseDataset

from mmssr.errors import DataError
from mmssr.registry import DATASETS
from mmssr.structures import (NUM_VIEWS, PAIRS_PER_OBJECT, all_view_ids,
                              decode_pair, encode_pair, view_ids_to_eyes)
from mmssr.structures.color import (COLOR_CONVENTIONS, MODEL_COLOR_CONVENTION,
                                    to_model_colors)
from .array_cache import cache_key, cached_array, source_stamp
from .categories import resolve_categories
from .data_warnings import warn_if_degenerate, warn_if_shared_copies
from .loading import (check_files, detect_color_convention, downsample_views,
                      load_images, load_points, load_voxels)
from .pseudo_label_split import PseudoLabelSplitMixin
from .pseudo_label_table import grid_table


@DATASETS.register_module()
class ShapeNetDataset(PseudoLabelSplitMixin, BaseDataset):
    """ShapeNet renders of SoftRas: ``NUM_VIEWS`` views and 32³ voxels each.

    Files in ``data_root``: ``{synset}_{split}_images.npz`` (uint8
    (N, NUM_VIEWS, 4, S, S), RGBA with the silhouette in alpha) and
    ``{synset}_{split}_voxels.npz`` ((N, 32, 32, 32), 0/1).

    Splits (``split``):
        - ``'labeled'``: the first ``num_labeled`` objects of each category's
          train file, with their viewpoints;
        - ``'unlabeled'``: the other train objects; their supervision
          viewpoints come from :attr:`pseudo_labels` (-1 = unknown), never
          from the stored view order;
        - ``'train'``: every train object with its viewpoints;
        - ``'val'`` / ``'test'``: the val/test files (``test_source='file'``)
          or, as the SSR reference does, the first ``int(n·val_ratio)``
          objects of each category's val file (of n) as validation and the
          rest as test (``test_source='val_ratio'``).

    Colour: every image is given in the NMR convention
    (:mod:`mmssr.structures.color`), whatever the files store;
    ``color_convention`` says what they store (``'auto'``: read from the
    folder's mmssr record, the released renders' ``'nmr'`` without one).
    ``metainfo['color_convention']`` is what models see (checkpoints keep
    it), ``metainfo['file_color_convention']`` what the files hold.

    Items (``mode``):
        - ``'pair'``: index ``encode_pair(obj, a, b)``
          (:mod:`mmssr.structures.views`) is the pair of stored views (a, b)
          of object ``obj``.
        - ``'view'``: index ``obj * len(views) + i`` is view ``views[i]``
          of object ``obj``, with the object's voxels.

    The arrays are read once at construction (forked dataloader workers
    share them copy-on-write; the pseudo-label table lives in shared
    memory), never per item. With ``cache_dir`` the views are stored there
    once as an uncompressed array and memory-mapped, so that the processes
    of a distributed run on one machine share one copy
    (:mod:`mmssr.datasets.array_cache`).

    Args:
        data_root: folder of the npz files.
        categories: names or synsets (default: all 13).
        split: see above.
        num_labeled: labeled objects per category (N).
        mode: ``'pair'`` or ``'view'``.
        views: stored view ids used in 'view' mode (default: all).
        test_source: ``'file'`` or ``'val_ratio'``.
        val_ratio: fraction of the val file used for validation.
        max_objects: explicit cap on objects per category (quick runs).
        color_convention: ``'auto'``, ``'nmr'`` or ``'true'``.
        image_size: resolution to keep in memory; stored views are
            downsampled once at load time by averaging pixel blocks (the
            stored size must be a multiple of it). ``None`` keeps the stored
            size; the model's data preprocessor resizes to its own input
            size anyway, so this only saves memory.
        cache_dir: a folder for the memory-mapped copy of the views (on a
            local disk, with room for them uncompressed: N x 24 x 4 x S x S
            bytes); ``None`` keeps them in this process's memory.
        pipeline: transforms applied to each item.
        max_array_bytes: the largest array a data file may hold, checked
            from its header before it is read (default
            :data:`~mmssr.datasets.loading.DEFAULT_MAX_ARRAY_BYTES`, 4 GiB).
    """

    SPLITS = ('labeled', 'unlabeled', 'train', 'val', 'test')

    def __init__(self,
                 data_root: str,
                 categories: Optional[Sequence[str]] = None,
                 split: str = 'train',
                 num_labeled: int = 2,
                 mode: str = 'pair',
                 views: Optional[Sequence[int]] = None,
                 test_source: str = 'file',
                 val_ratio: float = 0.1,
                 max_objects: Optional[int] = None,
                 image_size: Optional[int] = None,
                 color_convention: str = 'auto',
                 cache_dir: Optional[str] = None,
                 pipeline: Sequence = (),
                 test_mode: bool = False,
                 lazy_init: bool = False,
                 max_array_bytes: Optional[int] = None,
                 **kwargs) -> None:
        self.max_array_bytes = max_array_bytes
        if split not in self.SPLITS:
            raise DataError(f'split must be one of {self.SPLITS}, got '
                            f'{split!r}')
        if mode not in ('pair', 'view'):
            raise DataError(f"mode must be 'pair' or 'view', got {mode!r}")
        if test_source not in ('file', 'val_ratio'):
            raise DataError("test_source must be 'file' or 'val_ratio', "
                            f'got {test_source!r}')
        if not 0 < val_ratio < 1:
            raise DataError(f'val_ratio must be in (0, 1), got {val_ratio}')
        if split in ('labeled', 'unlabeled') and num_labeled < 1:
            raise DataError(f'num_labeled must be >= 1, got {num_labeled}')
        if max_objects is not None and max_objects < 1:
            raise DataError(f'max_objects must be >= 1, got {max_objects}')
        self.categories = resolve_categories(categories)
        self.split = split
        self.num_labeled = int(num_labeled)
        self.mode = mode
        self.views = all_view_ids().tolist() if views is None else [
            int(v) for v in views
        ]
        if not self.views or min(self.views) < 0 or max(
                self.views) >= NUM_VIEWS:
            raise DataError(f'views must be ids in 0..{NUM_VIEWS - 1}, got '
                            f'{views}')
        self.test_source = test_source
        self.val_ratio = float(val_ratio)
        self.max_objects = max_objects
        self.target_size = image_size
        if color_convention == 'auto':
            color_convention = detect_color_convention(data_root)
        elif color_convention not in COLOR_CONVENTIONS:
            raise DataError(f"color_convention must be 'auto' or one of "
                            f'{COLOR_CONVENTIONS}, got {color_convention!r}')
        self.file_color_convention = color_convention
        self.cache_dir = cache_dir
        metainfo = dict(
            categories=tuple(name for _, name in self.categories),
            synsets=tuple(synset for synset, _ in self.categories),
            color_convention=MODEL_COLOR_CONVENTION,
            file_color_convention=color_convention)
        super().__init__(
            data_root=data_root,
            metainfo=metainfo,
            pipeline=list(pipeline),
            test_mode=test_mode,
            lazy_init=lazy_init,
            serialize_data=False,
            **kwargs)

    # -- loading ----------------------------------------------------------
    @property
    def file_split(self) -> str:
        if self.split in ('labeled', 'unlabeled', 'train'):
            return 'train'
        if self.test_source == 'val_ratio':
            return 'val'
        return self.split

    def expected_files(self) -> List[str]:
        names = []
        for synset, _ in self.categories:
            names.append(f'{synset}_{self.file_split}_images.npz')
            if self.mode == 'view':
                names.append(f'{synset}_{self.file_split}_voxels.npz')
        return names

    def _check_files(self) -> None:
        check_files(self.data_root, self.expected_files(),
                    [s for s, _ in self.categories])

    def _select(self, num: int, name: str, path: str) -> slice:
        if self.split == 'labeled':
            if self.num_labeled > num:
                raise DataError(
                    f'{path}: category "{name}" has {num} training objects, '
                    f'fewer than num_labeled={self.num_labeled}')
            sel = slice(0, self.num_labeled)
        elif self.split == 'unlabeled':
            if self.num_labeled >= num:
                raise DataError(
                    f'{path}: category "{name}" has {num} training objects: '
                    f'none left unlabeled with num_labeled='
                    f'{self.num_labeled}')
            sel = slice(self.num_labeled, num)
        elif self.file_split == 'val' and self.split in ('val', 'test') \
                and self.test_source == 'val_ratio':
            cut = int(num * self.val_ratio)  # the reference truncates
            if not 0 < cut < num:
                raise DataError(f'{path}: {num} objects cannot be split '
                                f'with val_ratio={self.val_ratio} (the '
                                f'first int({num}·{self.val_ratio}) = {cut} '
                                'for validation, the rest for test)')
            sel = slice(0, cut) if self.split == 'val' else slice(cut, num)
        else:
            sel = slice(0, num)
        if self.max_objects is not None:
            stop = min(sel.stop, sel.start + self.max_objects)
            sel = slice(sel.start, stop)
        return sel

    def load_data_list(self) -> List[dict]:
        self._check_files()
        if self.cache_dir is None:
            self.images, data_list, file_counts = self._read_images()
            warn_if_shared_copies(self.images)
        else:
            data_list, file_counts = self._map_cached_images()
        voxels, points = [], []
        if self.mode == 'view':
            for synset, _ in self.categories:
                objects = [
                    d['obj_index'] for d in data_list if d['synset'] == synset
                ]
                prefix = osp.join(self.data_root,
                                  f'{synset}_{self.file_split}')
                num = file_counts[synset]
                vox = load_voxels(prefix + '_voxels.npz', num,
                                  self.max_array_bytes)
                voxels.append(np.ascontiguousarray(vox[objects]))
                pts = load_points(prefix + '_points.npz', num,
                                  self.max_array_bytes)
                points += [None if pts is None else pts[i] for i in objects]
        self.voxels = np.concatenate(voxels) if voxels else None
        # surface points (P, 6) of each object, None where no points file
        self.object_points = points
        self.image_size = self.images.shape[-1]
        self.object_categories = [d['category'] for d in data_list]
        self.pseudo_table = grid_table(len(data_list))
        return data_list

    def _read_images(self) -> Tuple[np.ndarray, List[dict], Dict[str, int]]:
        """The split's views of every category, the data list and the
        number of objects in each category's file."""
        images, data_list, file_counts = [], [], {}
        for synset, name in self.categories:
            img_path = osp.join(self.data_root,
                                f'{synset}_{self.file_split}_images.npz')
            imgs = load_images(img_path, self.max_array_bytes)
            warn_if_degenerate(img_path, imgs)
            sel = self._select(len(imgs), name, img_path)
            images.append(np.ascontiguousarray(imgs[sel]))
            file_counts[synset] = len(imgs)
            del imgs
            for obj in range(sel.start, sel.stop):
                data_list.append(
                    dict(category=name, synset=synset, obj_index=obj))
        sizes = {im.shape[-1] for im in images}
        if len(sizes) != 1:
            raise DataError(f'image sizes differ across categories in '
                            f'{self.data_root}: {sorted(sizes)}')
        images = downsample_views(
            to_model_colors(
                np.concatenate(images), self.file_color_convention),
            sizes.pop(), self.target_size, self.data_root)
        return images, data_list, file_counts

    def _map_cached_images(self) -> Tuple[List[dict], Dict[str, int]]:
        """:meth:`_read_images` through the machine's cache in
        ``cache_dir``: ``self.images`` becomes a read-only memory map that
        every process of the machine shares."""
        paths = [
            osp.join(self.data_root, name) for name in self.expected_files()
            if name.endswith('_images.npz')
        ]
        key = cache_key(
            kind='shapenet_images',
            sources=source_stamp(paths),
            split=self.split,
            num_labeled=self.num_labeled,
            test_source=self.test_source,
            val_ratio=self.val_ratio,
            max_objects=self.max_objects,
            image_size=self.target_size,
            color_convention=self.file_color_convention)

        def build():
            images, data_list, file_counts = self._read_images()
            return images, dict(data_list=data_list, file_counts=file_counts)

        self.images, meta = cached_array(self.cache_dir, key, build)
        return meta['data_list'], meta['file_counts']

    # -- items ------------------------------------------------------------
    @property
    def num_objects(self) -> int:
        return len(self.data_list)

    @property
    def is_labeled(self) -> bool:
        return self.split != 'unlabeled'

    def __len__(self) -> int:
        if not self._fully_initialized:
            self.full_init()
        per_object = (
            PAIRS_PER_OBJECT if self.mode == 'pair' else len(self.views))
        return self.num_objects * per_object

    def get_images(self, obj_indices: Sequence[int],
                   view_ids: Sequence[int]) -> np.ndarray:
        """Stored views (K, 4, S, S) uint8 of objects (positions in split)."""
        return self.images[np.asarray(obj_indices), np.asarray(view_ids)]

    def pair_index(self, obj: int, a: int, b: int) -> int:
        """Item of the pair of the a-th and b-th images of object ``obj``."""
        return encode_pair(obj, a, b)

    def get_data_info(self, idx: int) -> dict:
        if idx < 0:
            idx += len(self)
        if not 0 <= idx < len(self):
            raise IndexError(f'index {idx} out of range for {len(self)} '
                             'items')
        if self.mode == 'pair':
            obj, view_a, view_b = decode_pair(idx)
            source = np.array([view_a, view_b], dtype=np.int64)
        else:
            obj, pos = divmod(idx, len(self.views))
            source = np.array([self.views[pos]], dtype=np.int64)
        info: Dict = dict(self.data_list[obj])
        if self.is_labeled:
            view_ids = source.copy()
            eyes = view_ids_to_eyes(view_ids).numpy()
        else:
            view_ids = self.pseudo_labels[obj, source].numpy().copy()
            eyes = self.pseudo_table.eyes(obj * NUM_VIEWS + source)
        info.update(
            sample_idx=idx,
            object_idx=obj,
            images=self.images[obj, source],
            source_view_ids=source,
            view_ids=view_ids,
            eyes=eyes,
            is_labeled=self.is_labeled)
        if self.mode == 'view' and self.voxels is not None:
            info['gt_voxels'] = self.voxels[obj]
            points = getattr(self, 'object_points', None)
            if points and points[obj] is not None:
                info['gt_points'] = points[obj]
        return info
