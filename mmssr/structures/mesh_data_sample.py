"""The data sample that travels between datasets, models and metrics."""
from mmengine.structures import BaseDataElement


class MeshDataSample(BaseDataElement):
    """Annotations and predictions of one item.

    Metainfo set by the datasets (see ``PackMeshInputs``):
        - ``category`` (str): category name, e.g. ``'airplane'``.
        - ``synset`` (str): ShapeNet synset id.
        - ``obj_index`` (int): object index inside its split file.
        - ``is_labeled`` (bool): whether ``view_ids`` are true viewpoints.
        - ``view_ids`` (LongTensor (K,)): viewpoints used as supervision
          (true for labeled items, pseudo-labels for unlabeled ones).
        - ``source_view_ids`` (LongTensor (K,)): which stored image each input
          is; for unlabeled items a diagnostic only, never used by losses.
        - ``eyes`` (Tensor (K, 3)): camera positions of ``view_ids``.

    Data fields:
        - ``gt_voxels`` (BoolTensor (32, 32, 32)): evaluation only.
        - ``pred_vertices`` (Tensor (V, 3)), ``pred_faces`` (LongTensor
          (F, 3)): set by ``predict``.
    """
