"""The 13 ShapeNet categories of the SoftRas renders (DESIGN.md order)."""
from collections import OrderedDict
from typing import List, Optional, Sequence, Tuple

from mmssr.utils.errors import DataError, did_you_mean

SHAPENET_CATEGORIES = OrderedDict([
    ('02691156', 'airplane'),
    ('02828884', 'bench'),
    ('02933112', 'cabinet'),
    ('02958343', 'car'),
    ('03001627', 'chair'),
    ('03211117', 'display'),
    ('03636649', 'lamp'),
    ('03691459', 'loudspeaker'),
    ('04090263', 'rifle'),
    ('04256520', 'sofa'),
    ('04379243', 'table'),
    ('04401088', 'telephone'),
    ('04530566', 'watercraft'),
])
NAME_TO_SYNSET = {name: synset for synset, name in SHAPENET_CATEGORIES.items()}


def resolve_categories(
        categories: Optional[Sequence[str]] = None) -> List[Tuple[str, str]]:
    """``[(synset, name), ...]`` for names or synsets; ``None``: all 13.

    Raises:
        ValueError: for an empty list, an unknown entry or a repeated one.
    """
    if categories is None:
        return list(SHAPENET_CATEGORIES.items())
    if isinstance(categories, str):
        categories = [categories]
    if len(categories) == 0:
        raise DataError('categories: the list is empty; give category '
                        f'names or synsets from {list(NAME_TO_SYNSET)}')
    resolved = []
    for entry in categories:
        key = str(entry)
        if key in SHAPENET_CATEGORIES:
            resolved.append((key, SHAPENET_CATEGORIES[key]))
        elif key.lower() in NAME_TO_SYNSET:
            resolved.append((NAME_TO_SYNSET[key.lower()], key.lower()))
        else:
            raise DataError(
                f'categories: unknown ShapeNet category "{entry}": expected '
                f'one of {list(NAME_TO_SYNSET)} or their synsets'
                f'{did_you_mean(key.lower(), NAME_TO_SYNSET)}')
    synsets = [s for s, _ in resolved]
    if len(set(synsets)) != len(synsets):
        raise DataError(f'categories: an entry repeats in '
                        f'{list(categories)}')
    return resolved
