"""Train/val/test splits: by ratio with a seed, or from ShapeNet's all.csv.

The ratio split draws which objects go to which split with a seeded
shuffle; within a split, objects are in model-id order.
"""
import csv
import os.path as osp
from typing import Dict, List, Sequence, Tuple

import numpy as np

from mmssr.errors import DataError

SPLITS = ('train', 'val', 'test')


def check_ratios(ratios: Sequence[float]) -> Tuple[float, float, float]:
    if len(ratios) != 3 or any(r < 0 for r in ratios) or sum(ratios) <= 0:
        raise DataError(f'--split-ratio: expected three fractions >= 0 '
                        f'(train val test), got {list(ratios)}')
    total = float(sum(ratios))
    return tuple(float(r) / total for r in ratios)


def split_counts(num: int, ratios: Sequence[float]) -> List[int]:
    """Objects per split: largest remainders; a split with a ratio > 0
    gets at least one object when there are enough."""
    raw = [num * r for r in ratios]
    counts = [int(np.floor(x)) for x in raw]
    order = sorted(range(3), key=lambda i: (counts[i] - raw[i], i))
    for i in order[:num - sum(counts)]:
        counts[i] += 1
    for i in range(3):
        if ratios[i] > 0 and counts[i] == 0:
            donor = max(range(3), key=lambda j: counts[j])
            if counts[donor] > 1:
                counts[donor] -= 1
                counts[i] += 1
    return counts


def ratio_split(model_ids: Sequence[str], ratios: Sequence[float], seed: int,
                synset: str) -> Dict[str, List[str]]:
    """``{split: sorted model ids}``: a seeded shuffle cut by ``ratios``.

    The shuffle of a category depends on the seed, the synset and the
    sorted ids only (not on the other categories converted).
    """
    ids = sorted(model_ids)
    rng = np.random.default_rng(
        [int(seed), int.from_bytes(synset.encode()[:16], 'little')])
    order = [ids[i] for i in rng.permutation(len(ids))]
    counts = split_counts(len(ids), ratios)
    out, start = {}, 0
    for split, count in zip(SPLITS, counts):
        out[split] = sorted(order[start:start + count])
        start += count
    return out


def read_split_file(path: str) -> Dict[Tuple[str, str], str]:
    """``{(synset, model id): split}`` from a ShapeNet ``all.csv``
    (columns id,synsetId,subSynsetId,modelId,split; synsetId may have lost
    its leading zero)."""
    if not osp.isfile(path):
        raise DataError(f'{path}: the split file does not exist')
    table = {}
    with open(path, newline='') as f:
        reader = csv.DictReader(f)
        missing = {'synsetId', 'modelId', 'split'} - set(reader.fieldnames or
                                                         ())
        if missing:
            raise DataError(f'{path}: expected the columns id,synsetId,'
                            f'subSynsetId,modelId,split of ShapeNet\'s '
                            f'all.csv; missing {sorted(missing)}')
        for line, row in enumerate(reader, start=2):
            split = (row['split'] or '').strip().lower()
            if split not in SPLITS:
                raise DataError(f'{path}: line {line}: split must be one of '
                                f'{SPLITS}, got {row["split"]!r}')
            synset = (row['synsetId'] or '').strip()
            if synset.isdigit():
                synset = synset.zfill(8)
            table[(synset, (row['modelId'] or '').strip())] = split
    return table


def file_split(model_ids: Sequence[str], synset: str,
               table: Dict[Tuple[str, str], str]) -> Dict[str, List[str]]:
    """``{split: sorted model ids}`` of the ids listed in ``table``."""
    out = {split: [] for split in SPLITS}
    for model in sorted(model_ids):
        split = table.get((synset, model))
        if split is not None:
            out[split].append(model)
    return out
