"""The pseudo-labelling side of a ShapeNet-format split: its objects by
category, their views as queries or references, and the pseudo-label table
(:class:`~.pseudo_label_table.PseudoLabelTable`) the hook fills.

:class:`PseudoLabelSplitMixin` is a part of :class:`ShapeNetDataset`; it
provides what ``SemiSupervisedViewpointHook`` reads and writes
(:class:`mmssr.engine.hooks.protocols.PseudoLabelledData`).
"""
from typing import Dict, List, Sequence

import numpy as np
import torch

from mmssr.errors import DataError
from mmssr.structures import NUM_VIEWS, all_view_ids


class PseudoLabelSplitMixin:
    """Needs ``images`` (N, NUM_VIEWS, 4, S, S), ``categories``,
    ``object_categories``, ``split``, ``is_labeled`` and ``pseudo_table``."""

    @property
    def pseudo_labels(self) -> torch.Tensor:
        """The view-id table (num_objects, NUM_VIEWS), -1 = none: the
        supervision viewpoints of the unlabeled split."""
        return self.pseudo_table.views

    @property
    def pseudo_cameras(self) -> torch.Tensor:
        """Refined cameras (num_objects·NUM_VIEWS, 3) of the pseudo-labels,
        NaN where none (see :class:`PseudoLabelTable`)."""
        return self.pseudo_table.cameras

    def objects_by_category(self) -> Dict[str, List[int]]:
        """Object positions of each category, in category order."""
        groups: Dict[str, List[int]] = {
            name: []
            for _, name in self.categories
        }
        for obj, name in enumerate(self.object_categories):
            groups[name].append(obj)
        return groups

    def object_views(self, obj_indices: Sequence[int]) -> np.ndarray:
        """Every stored view (K, NUM_VIEWS, 4, S, S) uint8 of objects."""
        return self.images[np.asarray(obj_indices, dtype=np.int64)]

    def reference_views(self, category: str) -> np.ndarray:
        """Views (R, NUM_VIEWS, 4, S, S) of the R objects of a category.

        For a labeled split these are viewpoint references: view ``v`` of
        every object is seen from eye ``view_ids_to_eyes(v)``.
        """
        if not self.is_labeled:
            raise RuntimeError('reference views need known viewpoints; this '
                               f'is the {self.split!r} split')
        objects = self.objects_by_category().get(category)
        if not objects:
            raise DataError(f'no {self.split} object of category '
                            f'"{category}" to take reference views from')
        return self.object_views(objects)

    def object_images(self, obj_indices: Sequence[int]):
        """Image numbers (K,) and images (K, 4, S, S) uint8 of objects, in
        the numbering of :attr:`pseudo_table` (view ``v`` of object ``o``
        is image ``o·NUM_VIEWS + v``)."""
        objs = np.asarray(obj_indices, dtype=np.int64)
        numbers = (objs[:, None] * NUM_VIEWS + all_view_ids()).reshape(-1)
        views = self.object_views(objs)
        return numbers, views.reshape(-1, *views.shape[2:])

    def set_pseudo_labels(self, table, cameras=None) -> None:
        """Write the pseudo-label table (num_objects, NUM_VIEWS), -1 = none,
        and the refined cameras (None: none; see :class:`PseudoLabelTable`)."""
        self.pseudo_table.set(table, cameras)

    def pseudo_label_stats(self) -> Dict[str, float]:
        """Coverage, accuracy and camera errors of the pseudo-labels, for
        logs (:meth:`PseudoLabelTable.stats`).

        The accuracy compares with the stored view order, a diagnostic that
        never reaches the training losses. ``eligible_objects`` counts
        objects with two or more accepted views (they can form pairs).
        """
        return self.pseudo_table.stats()
