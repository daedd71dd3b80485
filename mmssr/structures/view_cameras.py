"""Cameras as (azimuth, elevation, distance), for images of any viewpoint.

A camera here is a row ``(azimuth°, elevation°, distance)`` of the look-at
eye of :func:`~mmssr.structures.cameras.eye_from_angles`; grid view ``v``
is ``(−15·v, 30, 2.732)`` (:mod:`mmssr.structures.views`). NaN rows are
unknown cameras. Pseudo-labels, the per-image cameras of a views file and
their errors all use this form.
"""
from typing import Dict, Union

import numpy as np
import torch
from torch import Tensor

from .views import (DATASET_AZIMUTH_STEP, DATASET_DISTANCE, DATASET_ELEVATION,
                    NUM_VIEWS, eye_from_angles)

CAMERA_FIELDS = ('azimuth', 'elevation', 'distance')
ArrayLike = Union[np.ndarray, Tensor]


def wrap_degrees(angles: ArrayLike) -> ArrayLike:
    """Angles in degrees mapped into [−180, 180)."""
    return (angles + 180.0) % 360.0 - 180.0


def grid_cameras(view_ids: ArrayLike) -> np.ndarray:
    """Cameras (..., 3) float32 of grid view ids (any integer shape)."""
    ids = np.asarray(view_ids, dtype=np.float64)
    return np.stack(
        np.broadcast_arrays(
            wrap_degrees(ids * DATASET_AZIMUTH_STEP), DATASET_ELEVATION,
            DATASET_DISTANCE), -1).astype(np.float32)


def nearest_grid_views(cameras: ArrayLike) -> np.ndarray:
    """The grid view of nearest azimuth to each camera (...,); -1 where
    the camera is unknown (NaN)."""
    azimuth = np.asarray(cameras, dtype=np.float64)[..., 0]
    known = np.isfinite(azimuth)
    steps = np.round(np.where(known, azimuth, 0) / DATASET_AZIMUTH_STEP)
    return np.where(known, steps.astype(np.int64) % NUM_VIEWS, -1)


def cameras_to_eyes(cameras: ArrayLike) -> Tensor:
    """Eyes (..., 3) float32 of cameras (..., 3); differentiable in the
    cameras when they are a tensor."""
    cams = torch.as_tensor(cameras)
    if not cams.dtype.is_floating_point:
        cams = cams.float()
    return eye_from_angles(cams[..., 2], cams[..., 1], cams[...,
                                                            0]).to(cams.dtype)


def camera_errors(predicted: ArrayLike, true: ArrayLike) -> Dict[str, float]:
    """Mean errors of ``predicted`` cameras against ``true`` ones, (K, 3).

    Rows where either is unknown are left out. Returns ``azimuth`` and
    ``elevation`` (mean absolute error in degrees, azimuth taken round the
    circle), ``distance`` (mean absolute error relative to the true
    distance) and ``count`` (rows compared); the errors are NaN when no row
    is compared.
    """
    pred = np.asarray(predicted, dtype=np.float64).reshape(-1, 3)
    ref = np.asarray(true, dtype=np.float64).reshape(-1, 3)
    both = np.isfinite(pred).all(1) & np.isfinite(ref).all(1)
    if not both.any():
        return dict(
            azimuth=float('nan'),
            elevation=float('nan'),
            distance=float('nan'),
            count=0)
    pred, ref = pred[both], ref[both]
    return dict(
        azimuth=float(np.abs(wrap_degrees(pred[:, 0] - ref[:, 0])).mean()),
        elevation=float(np.abs(pred[:, 1] - ref[:, 1]).mean()),
        distance=float((np.abs(pred[:, 2] - ref[:, 2]) / ref[:, 2]).mean()),
        count=int(both.sum()))
