"""One model per category from one config, as Table 2 of SSR is made.

A config with ``train_per_category = True`` and several categories stands
for one training per category (the SSR reference trains a model per
category). :func:`per_category_configs` splits it; ``tools/train.py`` runs
the parts one after another, each in ``<work_dir>/<category>``, and
:func:`format_table` prints the row of the categories' test mIoUs.
"""
import copy
import os.path as osp
import time
from typing import Dict, List, Optional, Tuple

from mmengine.config import Config

from mmssr.errors import ConfigError

_LOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')


def config_categories(cfg: Config) -> List[str]:
    """The categories the config's train dataset uses."""
    dataset = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    categories = dataset.get('categories')
    if categories is None:
        from mmssr.datasets.categories import SHAPENET_CATEGORIES
        return list(SHAPENET_CATEGORIES.values())
    return list(categories)


def per_category_configs(
        cfg: Config) -> List[Tuple[Optional[str], Config]]:
    """``[(category, config)]``: one per category when the config asks for
    ``train_per_category`` and has several, else ``[(None, cfg)]``.

    Each part has its dataloaders restricted to its category and its work
    dir under ``cfg.work_dir``.
    """
    if not cfg.get('train_per_category', False):
        return [(None, cfg)]
    categories = config_categories(cfg)
    if len(categories) <= 1:
        return [(None, cfg)]
    parts = []
    stamp = time.strftime('%Y%m%d_%H%M%S')
    for category in categories:
        part = copy.deepcopy(cfg)
        for key in _LOADERS:
            loader = part.get(key)
            if isinstance(loader, dict) and isinstance(
                    loader.get('dataset'), dict):
                loader['dataset']['categories'] = [category]
        part.work_dir = osp.join(cfg.work_dir, str(category))
        # runners built in the same second must not share mmengine's
        # logger and visualizer instances
        part.experiment_name = f'{category}_{stamp}'
        parts.append((category, part))
    return parts


def check_per_category_resume(parts: list, resume: Optional[str]) -> None:
    """One checkpoint cannot resume several trainings: only ``--resume``
    without a value (each part's latest checkpoint) is allowed."""
    if len(parts) > 1 and resume not in (None, 'auto'):
        raise ConfigError(
            f'--resume {resume}: this config trains one model per category '
            f'({len(parts)} trainings, train_per_category); use --resume '
            'without a checkpoint (each category resumes from its own latest '
            'checkpoint), or train one category with its own config')


def format_table(results: Dict[str, Dict[str, float]],
                 key: str = 'shapenet/mIoU') -> str:
    """Markdown row of each category's ``key`` and their mean."""
    names = list(results)
    values = [results[n].get(key, float('nan')) for n in names]
    cells = [f'{v:.3f}' for v in values]
    mean = sum(values) / len(values) if values else float('nan')
    header = '| ' + ' | '.join(names + ['mean']) + ' |'
    rule = '|' + '---|' * (len(names) + 1)
    row = '| ' + ' | '.join(cells + [f'{mean:.3f}']) + ' |'
    return '\n'.join([header, rule, row])
