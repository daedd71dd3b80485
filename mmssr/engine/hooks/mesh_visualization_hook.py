"""Show input views beside renders of their reconstructions."""
from typing import Optional, Sequence

from mmengine.hooks import Hook

from mmssr.registry import HOOKS
from mmssr.structures.color import to_true_colors
from mmssr.visualization import image_grid, render_mesh_views, rgba_to_rgb


@HOOKS.register_module()
class MeshVisualizationHook(Hook):
    """Write an image grid (input | renders of the predicted mesh).

    On the first validation batch of every ``interval``-th validation, the
    first ``max_samples`` inputs and their reconstructions rendered at
    ``view_ids`` go to the runner's Visualizer (``vis_data/`` in the work dir
    with the LocalVisBackend).
    """

    priority = 'NORMAL'

    def __init__(self,
                 interval: int = 1,
                 max_samples: int = 8,
                 view_ids: Sequence[int] = (0, 6, 12, 18),
                 draw_test: bool = False) -> None:
        self.interval = int(interval)
        self.max_samples = int(max_samples)
        self.view_ids = tuple(view_ids)
        self.draw_test = draw_test
        self._val_count = 0

    def before_val(self, runner) -> None:
        self._val_count += 1

    def after_val_iter(self,
                       runner,
                       batch_idx: int,
                       data_batch=None,
                       outputs: Optional[Sequence] = None) -> None:
        if batch_idx != 0 or (self._val_count - 1) % self.interval:
            return
        self._draw(runner, 'val_reconstructions', data_batch, outputs)

    def after_test_iter(self,
                        runner,
                        batch_idx: int,
                        data_batch=None,
                        outputs: Optional[Sequence] = None) -> None:
        if self.draw_test and batch_idx == 0:
            self._draw(runner, 'test_reconstructions', data_batch, outputs)

    def _draw(self, runner, name: str, data_batch, outputs) -> None:
        if not outputs or data_batch is None:
            return
        count = min(self.max_samples, len(outputs))
        rows = []
        for sample, image in zip(outputs[:count],
                                 data_batch['inputs'][:count]):
            image = to_true_colors(image.cpu().numpy())
            if image.ndim == 4:  # a pair: show its first view
                image = image[0]
            renders = render_mesh_views(
                sample.pred_vertices[None],
                sample.pred_faces,
                self.view_ids,
                image_size=image.shape[-1])[0]
            rows.append([rgba_to_rgb(image)] + list(renders))
        runner.visualizer.add_image(name, image_grid(rows), step=runner.iter)
