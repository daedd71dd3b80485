"""The data contract of the SoftRas / NMR ShapeNet renders (conventions.md).

One home for what every part of mmssr agrees on: how many views an object
has, which eye a view id is seen from, and how a training item index names a
pair of views of one object. Datasets, samplers, the pseudo-labeller and the
tools import these instead of writing 24 or 576 themselves.

View ``v`` is seen from distance 2.732 at elevation 30° and azimuth
``-15·v`` degrees, looking at the origin with up = +y.
"""
import math
from typing import Sequence, Tuple, Union

import numpy as np
import torch
from torch import Tensor

DATASET_DISTANCE = 2.732
DATASET_ELEVATION = 30.0
DATASET_AZIMUTH_STEP = -15.0
NUM_VIEWS = 24
# Pair items of one object: every ordered (a, b), a == b included.
PAIRS_PER_OBJECT = NUM_VIEWS * NUM_VIEWS

IntArray = Union[int, np.ndarray, Tensor]


def eye_from_angles(distance: Union[float, Tensor],
                    elevation: Union[float, Tensor],
                    azimuth: Union[float, Tensor],
                    degrees: bool = True) -> Tensor:
    """Eye position ``(d·cos e·sin a, d·sin e, −d·cos e·cos a)``.

    Arguments broadcast against each other; the result has shape
    ``broadcast_shape + (3,)``.
    """
    distance, elevation, azimuth = (
        torch.as_tensor(x, dtype=torch.get_default_dtype())
        if not isinstance(x, Tensor) else x
        for x in (distance, elevation, azimuth))
    if degrees:
        elevation = elevation * (math.pi / 180.0)
        azimuth = azimuth * (math.pi / 180.0)
    distance, elevation, azimuth = torch.broadcast_tensors(
        distance, elevation, azimuth)
    return torch.stack([
        distance * torch.cos(elevation) * torch.sin(azimuth),
        distance * torch.sin(elevation),
        -distance * torch.cos(elevation) * torch.cos(azimuth),
    ],
                       dim=-1)


def view_ids_to_eyes(view_ids: Union[int, Sequence[int], Tensor],
                     distance: float = DATASET_DISTANCE,
                     elevation: float = DATASET_ELEVATION,
                     azimuth_step: float = DATASET_AZIMUTH_STEP,
                     dtype: torch.dtype = torch.float32) -> Tensor:
    """Eyes of dataset view ids (any shape) -> ``view_ids.shape + (3,)``."""
    view_ids = torch.as_tensor(view_ids)
    if view_ids.dtype.is_floating_point:
        raise TypeError('view ids must be integers, got '
                        f'{view_ids.dtype}')
    azimuth = view_ids.to(torch.float64) * azimuth_step
    eyes = eye_from_angles(
        torch.tensor(distance, dtype=torch.float64),
        torch.tensor(elevation, dtype=torch.float64), azimuth)
    return eyes.to(dtype)


def encode_pair(obj: IntArray, view_a: IntArray, view_b: IntArray) -> IntArray:
    """Item index of the pair of views (a, b) of object ``obj``.

    ``obj * PAIRS_PER_OBJECT + a * NUM_VIEWS + b``: a shuffled sampler over
    these indices draws uniform objects and view pairs, so the dataset needs
    no randomness of its own. Works on ints and integer arrays alike.
    """
    return obj * PAIRS_PER_OBJECT + view_a * NUM_VIEWS + view_b


def decode_pair(index: IntArray) -> Tuple[IntArray, IntArray, IntArray]:
    """``(obj, a, b)`` of a pair index made by :func:`encode_pair`."""
    obj, rest = divmod(index, PAIRS_PER_OBJECT)
    view_a, view_b = divmod(rest, NUM_VIEWS)
    return obj, view_a, view_b


def all_view_ids() -> np.ndarray:
    """The view ids ``0 .. NUM_VIEWS-1`` of an object, in stored order."""
    return np.arange(NUM_VIEWS)
