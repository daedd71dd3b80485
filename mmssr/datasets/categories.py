"""The 13 ShapeNet categories of the SoftRas renders (conventions.md order),
and categories of your own (``'SYNSET:NAME'``)."""
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import List, Optional, Sequence, Tuple

from mmssr.errors import DataError, did_you_mean

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

_CUSTOM_SYNSET = re.compile(r'[0-9A-Za-z][0-9A-Za-z-]*')
_CUSTOM_NAME = re.compile(r'[A-Za-z0-9][\w\- ]*')


def _custom_category(entry, synset, name) -> Tuple[str, str]:
    """A checked ``(synset, name)`` of a category given with both."""
    synset, name = str(synset).strip(), str(name).strip()
    if not _CUSTOM_SYNSET.fullmatch(synset):
        raise DataError(f'categories: {entry!r}: the synset must be letters, '
                        f'digits or "-" (it names the files '
                        f'{{synset}}_{{split}}_images.npz), got {synset!r}')
    if not _CUSTOM_NAME.fullmatch(name):
        raise DataError(f'categories: {entry!r}: the name must be letters, '
                        f'digits, "_", "-" or spaces, got {name!r}')
    known = SHAPENET_CATEGORIES.get(synset)
    if known is not None and known != name:
        raise DataError(f'categories: {entry!r}: {synset} is the ShapeNet '
                        f'category "{known}"; give it as {known!r}')
    return synset, name


def _resolve_one(entry) -> Tuple[str, str]:
    if isinstance(entry, Mapping):
        if set(entry) != {'synset', 'name'}:
            raise DataError(f'categories: {dict(entry)!r}: a category given '
                            "as a dict needs exactly the keys 'synset' and "
                            "'name'")
        return _custom_category(dict(entry), entry['synset'], entry['name'])
    if isinstance(entry, (list, tuple)):
        if len(entry) != 2:
            raise DataError(f'categories: {entry!r}: a category given as a '
                            'pair is (synset, name)')
        return _custom_category(entry, *entry)
    key = str(entry)
    if ':' in key:
        return _custom_category(entry, *key.split(':', 1))
    if key in SHAPENET_CATEGORIES:
        return key, SHAPENET_CATEGORIES[key]
    if key.lower() in NAME_TO_SYNSET:
        return NAME_TO_SYNSET[key.lower()], key.lower()
    raise DataError(
        f'categories: unknown ShapeNet category "{entry}": expected '
        f'one of {list(NAME_TO_SYNSET)} or their synsets'
        f'{did_you_mean(key.lower(), NAME_TO_SYNSET)}; a category of your '
        "own is 'SYNSET:NAME' (e.g. '90000001:mug')")


def resolve_categories(
        categories: Optional[Sequence] = None) -> List[Tuple[str, str]]:
    """``[(synset, name), ...]``; ``None``: all 13 ShapeNet categories.

    An entry is a ShapeNet name or synset, or, for any other category (a
    converted one, see ``tools/dataset_converters/meshes_to_shapenet.py``),
    both: ``'SYNSET:NAME'``, ``(synset, name)`` or
    ``{'synset': ..., 'name': ...}``.

    Raises:
        DataError: for an empty list, an unknown entry or a repeated
            synset or name.
    """
    if categories is None:
        return list(SHAPENET_CATEGORIES.items())
    if isinstance(categories, (str, Mapping)):
        categories = [categories]
    if len(categories) == 0:
        raise DataError('categories: the list is empty; give category '
                        f'names or synsets from {list(NAME_TO_SYNSET)}')
    resolved = [_resolve_one(entry) for entry in categories]
    for position in (0, 1):
        values = [r[position] for r in resolved]
        if len(set(values)) != len(values):
            raise DataError(f'categories: an entry repeats in '
                            f'{list(categories)}')
    return resolved
