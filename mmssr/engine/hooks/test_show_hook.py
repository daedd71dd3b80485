"""``tools/test.py --show-dir``: meshes and pictures of some test views."""
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.hooks import Hook

from mmssr.registry import HOOKS


@HOOKS.register_module()
class TestShowHook(Hook):
    """Write, for ``num`` test items spread evenly over the test set, the
    predicted mesh (``.ply``, vertex colours from the input view) and a PNG
    of input | renders of the prediction at ``view_ids`` | the object's
    ground-truth silhouettes at the same views (white on black).

    Files: ``<out_dir>/<index>_<category>_obj<k>_view<v>.ply`` and
    ``..._show.png``. Only rank 0 writes its items; in distributed testing
    each rank writes the chosen items it evaluates.
    """

    priority = 'LOW'

    def __init__(self,
                 out_dir: str,
                 num: int = 8,
                 view_ids: Sequence[int] = (0, 6, 12, 18),
                 image_size: int = 96) -> None:
        self.out_dir = out_dir
        self.num = int(num)
        self.view_ids = tuple(int(v) for v in view_ids)
        self.image_size = int(image_size)
        self._chosen: set = set()

    def before_test(self, runner) -> None:
        dataset = runner.test_dataloader.dataset
        total = len(dataset)
        count = min(self.num, total)
        self._chosen = set(
            np.linspace(
                0, total - 1,
                count).round().astype(int).tolist()) if count > 0 else set()
        os.makedirs(self.out_dir, exist_ok=True)

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        if not outputs or data_batch is None:
            return
        for sample, image in zip(outputs, data_batch['inputs']):
            idx = int(sample.metainfo.get('sample_idx', -1))
            if idx in self._chosen:
                self._write(runner, idx, sample, image.cpu().numpy())

    def _write(self, runner, idx: int, sample, image: np.ndarray) -> None:
        import cv2

        from mmssr.io.image import write_image
        from mmssr.io.mesh import write_mesh
        from mmssr.structures.color import to_true_colors
        from mmssr.visualization import (image_grid, render_mesh_views,
                                         rgba_to_rgb, vertex_colors_from_image)
        image = to_true_colors(image)  # model inputs are stored inverted
        if image.ndim == 4:  # a pair: its first view
            image = image[0]
        meta = sample.metainfo
        view = int(np.asarray(meta.get('source_view_ids', [0])).reshape(-1)[0])
        obj = int(meta.get('obj_index', -1))
        name = (f'{idx:05d}_{meta.get("category", "object")}_obj{obj}'
                f'_view{view}')
        verts = sample.pred_vertices.detach().cpu()
        faces = sample.pred_faces.detach().cpu()
        colors, _ = vertex_colors_from_image(
            verts.numpy(), faces.numpy(), image, view_id=view)
        write_mesh(
            osp.join(self.out_dir, name + '.ply'), verts.numpy(),
            faces.numpy(), colors)
        size = self.image_size
        renders = render_mesh_views(
            verts[None], faces, self.view_ids, image_size=size)[0]
        row = [
            cv2.resize(
                rgba_to_rgb(image), (size, size),
                interpolation=cv2.INTER_NEAREST)
        ] + list(renders)
        dataset = runner.test_dataloader.dataset
        if hasattr(dataset, 'get_images') and 'object_idx' in meta:
            gt = dataset.get_images([int(meta['object_idx'])] *
                                    len(self.view_ids), self.view_ids)
            for alpha in gt[:, 3]:
                sil = cv2.resize(
                    alpha, (size, size), interpolation=cv2.INTER_NEAREST)
                row.append(np.repeat(sil[..., None], 3, 2))
        write_image(
            osp.join(self.out_dir, name + '_show.png'), image_grid([row]))
