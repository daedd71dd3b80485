"""What :class:`SemiSupervisedViewpointHook` needs of the model and data.

The hook only decides when pseudo-labels are made and moves them between
the model and the dataset; these protocols declare the methods it calls,
so a new model or dataset knows what to provide (``SSRReconstructor`` and
``SemiSupervisedShapeNetDataset`` do; ``tests/test_engine/test_hooks``
checks them).
"""
from typing import Iterator, Optional, Protocol, runtime_checkable

from torch import Tensor


@runtime_checkable
class PseudoLabeller(Protocol):
    """A model that labels unlabeled views with viewpoints."""
    semi_train_cfg: object

    def pseudo_label_ready(self) -> bool:
        """Whether the viewpoint network passes its accuracy gate."""

    @property
    def pseudo_label_gate_value(self) -> float:
        """The running accuracy the gate compares."""

    def broadcast_siamvp_buffers(self) -> None:
        """Make every process's gate state that of rank 0."""

    def embed_references(self, references):
        """Reference embeddings of one category, reused by its calls."""

    def pseudo_label(self,
                     queries,
                     references,
                     stored_views=None,
                     group_size: Optional[int] = None,
                     image_objects=None,
                     stored_cameras=None):
        """View ids (and cameras, confidences, agreement) of queries."""

    def merge_pseudo_labels(self, previous: Tensor, new: Tensor) -> Tensor:
        """The view-id table after a pass."""

    def merge_pseudo_cameras(self, previous: Tensor, new: Tensor,
                             new_views: Tensor) -> Tensor:
        """The refined cameras after a pass."""


@runtime_checkable
class PseudoLabelledData(Protocol):
    """The unlabeled split: where pseudo-labels are stored and read."""

    @property
    def pseudo_labels(self) -> Tensor:
        """(num_objects, views) view ids, -1 = none."""

    @property
    def pseudo_cameras(self) -> Tensor:
        """(num_images, 3) refined cameras, NaN = none."""

    def set_pseudo_labels(self,
                          table: Tensor,
                          cameras: Optional[Tensor] = None) -> None:
        """Store a pass's table (and cameras) for the next batches."""

    def pseudo_label_stats(self) -> dict:
        """Coverage, accuracy (where truth is known) and camera errors."""


@runtime_checkable
class SemiSupervisedData(Protocol):
    """The training dataset: the unlabeled split and its queries."""
    unlabeled: PseudoLabelledData

    def pseudo_label_queries(self,
                             rank: int = 0,
                             world_size: int = 1,
                             objects_per_call: int = 16) -> Iterator:
        """Chunks of unlabeled views of one category with references."""
