"""The pseudo-labels of an unlabeled split: a grid view and a camera per image.

Every image of the split has a retrieved grid view id (-1: none; the
acceptance of the confidence rule) and, when the model refines its
pseudo-labels, a camera (azimuth°, elevation°, distance; NaN: none, the
grid view's camera is used). Both live in shared memory, so forked
dataloader workers see each update. Images are numbered in stored order,
the images of one object next to each other.
"""
from typing import Dict, Sequence

import numpy as np
import torch

from mmssr.errors import DataError
from mmssr.structures import NUM_VIEWS, view_ids_to_eyes
from mmssr.structures.view_cameras import (camera_errors, cameras_to_eyes,
                                           grid_cameras, nearest_grid_views)


class PseudoLabelTable:
    """Pseudo-labels of ``len(image_objects)`` images.

    Args:
        shape: shape of the view-id table, ``(num_objects, NUM_VIEWS)`` for
            a split in the grid format (as checkpoints store it) or
            ``(num_images,)``; its flat order is the image order.
        image_objects: the object (position in the split) of each image,
            non-decreasing.
        true_cameras: the images' true cameras (num_images, 3), NaN where
            unknown; read only by :meth:`stats` (diagnostics) and the
            ``'oracle'`` ablation, never by a training loss.
    """

    def __init__(self, shape: Sequence[int], image_objects: np.ndarray,
                 true_cameras: np.ndarray) -> None:
        self.image_objects = np.asarray(image_objects, dtype=np.int64)
        num = len(self.image_objects)
        if int(np.prod(shape)) != num or true_cameras.shape != (num, 3):
            raise ValueError(f'a table of shape {tuple(shape)} needs '
                             f'{num} images and cameras, got '
                             f'{true_cameras.shape}')
        self.true_cameras = np.asarray(true_cameras, dtype=np.float32)
        self.views = torch.full(
            tuple(shape), -1, dtype=torch.long).share_memory_()
        self.cameras = torch.full((num, 3), float('nan')).share_memory_()
        num_objects = int(self.image_objects.max()) + 1 if num else 0
        counts = np.bincount(self.image_objects, minlength=num_objects)
        # images of object o: starts[o] .. starts[o] + counts[o]
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.counts = counts

    @property
    def num_images(self) -> int:
        return len(self.image_objects)

    def set(self, views, cameras=None) -> None:
        """Write the view ids (the table's shape; -1 = none) and, if given,
        the cameras (num_images, 3), NaN where none (``None``: all none)."""
        views = torch.as_tensor(views)
        if views.shape != self.views.shape:
            raise DataError(f'pseudo-label table must have shape '
                            f'{tuple(self.views.shape)}, got '
                            f'{tuple(views.shape)}')
        if views.dtype.is_floating_point or views.dtype == torch.bool:
            raise TypeError(f'pseudo-labels must be integers, got '
                            f'{views.dtype}')
        if views.numel() and (views.min() < -1 or views.max() >= NUM_VIEWS):
            raise DataError('pseudo-labels must be -1 or view ids 0..'
                            f'{NUM_VIEWS - 1}')
        if cameras is None:
            cameras = torch.full_like(self.cameras, float('nan'))
        cameras = torch.as_tensor(cameras, dtype=torch.float32)
        if cameras.shape != self.cameras.shape:
            raise DataError(f'pseudo-label cameras must have shape '
                            f'{tuple(self.cameras.shape)}, got '
                            f'{tuple(cameras.shape)}')
        self.views.copy_(views)
        self.cameras.copy_(cameras)

    def accepted(self) -> np.ndarray:
        """(num_images,) bool: images with a pseudo-label."""
        return self.views.numpy().reshape(-1) >= 0

    def eyes(self, images: np.ndarray) -> np.ndarray:
        """Supervision eyes (K, 3) float32 of images: the refined camera
        where there is one, else the grid view's eye (view 0's for images
        without a label, which the losses leave out)."""
        images = np.asarray(images)
        views = self.views.view(-1)[torch.as_tensor(images)].numpy()
        eyes = view_ids_to_eyes(np.maximum(views, 0)).numpy()
        cams = self.cameras[torch.as_tensor(images)]
        refined = torch.isfinite(cams).all(1).numpy()
        if refined.any():
            eyes[refined] = cameras_to_eyes(cams[refined]).numpy()
        return eyes

    def supervision_cameras(self) -> np.ndarray:
        """(num_images, 3): the camera each image is supervised from, NaN
        where it has no pseudo-label."""
        views = self.views.numpy().reshape(-1)
        cams = self.cameras.numpy().copy()
        snapped = (views >= 0) & ~np.isfinite(cams).all(1)
        cams[snapped] = grid_cameras(views[snapped])
        cams[views < 0] = np.nan
        return cams

    def stats(self) -> Dict[str, float]:
        """Coverage, accuracy and camera errors, for logs.

        ``accuracy``: the share of labelled images whose view id is the
        grid view nearest to the true camera (the stored view order in the
        grid format), among those with a known camera (NaN when no image
        has one, 0 when none of those is labelled);
        ``camera_azimuth`` / ``camera_elevation`` (mean absolute degrees)
        and ``camera_distance`` (mean relative error) compare the cameras
        the labelled images are supervised from with the true ones;
        ``eligible_objects`` counts objects with two or more labelled
        images (they can form pairs).
        """
        views = self.views.numpy().reshape(-1)
        accepted = views >= 0
        known = np.isfinite(self.true_cameras).all(1)
        scored = accepted & known
        truth = nearest_grid_views(self.true_cameras)
        errors = camera_errors(self.supervision_cameras()[scored],
                               self.true_cameras[scored])
        if scored.any():
            accuracy = float((views[scored] == truth[scored]).mean())
        else:
            accuracy = 0.0 if known.any() else float('nan')
        per_object = np.bincount(
            self.image_objects[accepted], minlength=len(self.counts))
        return dict(
            coverage=int(accepted.sum()) / max(self.num_images, 1),
            accuracy=accuracy,
            eligible_objects=int((per_object >= 2).sum()),
            camera_azimuth=errors['azimuth'],
            camera_elevation=errors['elevation'],
            camera_distance=errors['distance'])

    def object_images(self, obj: int) -> np.ndarray:
        """Image numbers of object ``obj``."""
        start = self.starts[obj]
        return np.arange(start, start + self.counts[obj])


def grid_table(num_objects: int) -> PseudoLabelTable:
    """The table of a split in the grid format: image ``o·24 + v`` is view
    ``v`` of object ``o``, its true camera the grid's."""
    views = np.tile(np.arange(NUM_VIEWS), num_objects)
    return PseudoLabelTable((num_objects, NUM_VIEWS),
                            np.repeat(np.arange(num_objects), NUM_VIEWS),
                            grid_cameras(views))
