"""The embedded synthetic ShapeNet-like dataset, generated on first use."""
import warnings
from typing import Optional

from mmengine.dist import barrier, is_main_process
from mmengine.logging import print_log

from mmssr.errors import check_known_keys
from mmssr.registry import DATASETS
from .shapenet_dataset import ShapeNetDataset
from .synthetic.generator import ensure_synthetic_dataset
from .synthetic.storage import DEFAULT_SETTINGS

DEFAULT_SYNTHETIC = dict(DEFAULT_SETTINGS)


class SyntheticDataWarning(UserWarning):
    """The synthetic data on disk was not what the config asks for."""


def _warn(message: str) -> None:
    warnings.warn(message, SyntheticDataWarning, stacklevel=2)


@DATASETS.register_module()
class SyntheticShapeNetDataset(ShapeNetDataset):
    """:class:`ShapeNetDataset` on synthetic data made on first use.

    When ``data_root`` holds no synthetic dataset, it is generated with
    ``synthetic_cfg`` (keys of :func:`generate_synthetic_dataset`:
    ``num_train``, ``num_val``, ``num_test``, ``seed``, ``image_size``); the
    same settings always give the same data. A dataset there whose
    ``synthetic_meta.json`` disagrees with ``synthetic_cfg``, or which is
    incomplete (a file missing or changed: every file's sha256 is checked,
    about 10 ms for the default dataset), is regenerated with a
    :class:`SyntheticDataWarning` naming what differed; requested
    categories it lacks are added. Generation is atomic and serialised
    across processes (:func:`ensure_synthetic_dataset`). In distributed
    runs rank 0 checks and generates and the others wait.
    """

    def __init__(self,
                 data_root: str,
                 synthetic_cfg: Optional[dict] = None,
                 categories=None,
                 **kwargs) -> None:
        cfg = dict(DEFAULT_SYNTHETIC)
        check_known_keys(
            sorted(synthetic_cfg or {}), sorted(cfg), 'synthetic_cfg')
        cfg.update(synthetic_cfg or {})
        self.synthetic_cfg = cfg
        self._ensure_generated(data_root, categories)
        super().__init__(data_root=data_root, categories=categories, **kwargs)

    def _ensure_generated(self, data_root: str, categories) -> None:
        if is_main_process():
            ensure_synthetic_dataset(
                data_root,
                categories,
                progress=True,
                info=lambda msg: print_log(msg, logger='current'),
                warn=_warn,
                **self.synthetic_cfg)
        barrier()
