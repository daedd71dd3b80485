"""The embedded synthetic ShapeNet-like dataset, generated on first use."""
import json
import os.path as osp
from typing import Optional

from mmengine.dist import barrier, is_main_process
from mmengine.logging import print_log

from mmssr.registry import DATASETS
from .categories import resolve_categories
from .shapenet_dataset import ShapeNetDataset
from .synthetic import META_FILE, generate_synthetic_dataset

DEFAULT_SYNTHETIC = dict(num_train=32, num_val=4, num_test=8, seed=0,
                         image_size=64)


@DATASETS.register_module()
class SyntheticShapeNetDataset(ShapeNetDataset):
    """:class:`ShapeNetDataset` on synthetic data made on first use.

    When the files of the requested categories are missing in
    ``data_root``, they are generated with ``synthetic_cfg`` (keys of
    :func:`generate_synthetic_dataset`: ``num_train``, ``num_val``,
    ``num_test``, ``seed``, ``image_size``); the same settings always give
    the same data. In distributed runs rank 0 generates and the others wait.
    Existing data generated with other settings is an error, never silently
    reused or overwritten.
    """

    def __init__(self, data_root: str, synthetic_cfg: Optional[dict] = None,
                 categories=None, **kwargs) -> None:
        cfg = dict(DEFAULT_SYNTHETIC)
        unknown = set(synthetic_cfg or {}) - set(cfg)
        if unknown:
            raise KeyError(f'synthetic_cfg: unknown keys {sorted(unknown)}; '
                           f'expected {sorted(cfg)}')
        cfg.update(synthetic_cfg or {})
        self.synthetic_cfg = cfg
        self._ensure_generated(data_root, categories)
        super().__init__(data_root=data_root, categories=categories,
                         **kwargs)

    def _ensure_generated(self, data_root: str, categories) -> None:
        synsets = [s for s, _ in resolve_categories(categories)]
        if is_main_process():
            meta_path = osp.join(data_root, META_FILE)
            meta = None
            if osp.isfile(meta_path):
                with open(meta_path) as f:
                    meta = json.load(f)
                settings = {k: meta.get(k) for k in self.synthetic_cfg}
                if settings != self.synthetic_cfg:
                    raise ValueError(
                        f'{meta_path}: the synthetic data in {data_root} was '
                        f'generated with {settings}, but the config asks for '
                        f'{self.synthetic_cfg}; delete the folder or choose '
                        'another data_root')
            have = set(meta['categories']) if meta else set()
            if not set(synsets) <= have or not self._files_exist(
                    data_root, synsets):
                wanted = sorted(set(synsets) | have)
                print_log(f'generating the synthetic dataset in {data_root} '
                          f'({len(wanted)} categories, {self.synthetic_cfg})',
                          logger='current')
                generate_synthetic_dataset(data_root, wanted,
                                           progress=True,
                                           **self.synthetic_cfg)
        barrier()

    @staticmethod
    def _files_exist(root: str, synsets) -> bool:
        return all(
            osp.isfile(osp.join(root, f'{s}_{split}_{kind}.npz'))
            for s in synsets for split in ('train', 'val', 'test')
            for kind in ('images', 'voxels'))
