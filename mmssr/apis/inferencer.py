"""``MeshInferencer``: photos -> coloured meshes, the mmengine way.

    from mmssr.apis import MeshInferencer
    inferencer = MeshInferencer('configs/ssr/ssr_synthetic_n2.py',
                                'work_dirs/ssr_synthetic_n2/iter_4000.pth')
    result = inferencer('photos/', batch_size=8, out_dir='meshes/')
    result['predictions'][0]['vertex_colors']  # (V, 3) float in [0, 1]

Inputs: an image file, a folder (its image files, sorted), a glob pattern,
an array (H, W[, C]) or a list of any of these. Each image is prepared by
:func:`~mmssr.datasets.transforms.framing.prepare_image` (silhouette,
framing, resize),
reconstructed in batches, and coloured from the image by
:func:`mmssr.visualization.vertex_colors_from_image` (the image is taken as
seen from dataset view ``view``, default 0).

Outputs (``out_dir``): one ``<name><mesh_format>`` and ``<name>_views.png``
per input, the names unique (``a.jpg`` and ``a.png`` give ``a`` and
``a_1``; see :func:`output_names`). Files that exist already are not
replaced unless ``overwrite=True``, and ``out_dir`` may not be a folder
given as input (its previews would be read as photos next time). Every file
is written whole or not at all.
"""
import glob
import os
import os.path as osp
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.infer import BaseInferencer

from mmssr.datasets.transforms.framing import (FRAMING_RATIO, IMAGE_EXTENSIONS,
                                               PreparedImage, prepare_image)
from mmssr.errors import CheckpointError, DataError, UserError
from mmssr.structures import NUM_VIEWS, view_ids_to_eyes
from mmssr.structures.color import from_true_colors
from .inference import expected_image_size, init_model, input_color_convention
from .outputs import (input_sources, mesh_extension, output_names,
                      plan_outputs, save_prediction)

InputType = Union[str, np.ndarray]


def list_inputs(inputs) -> List[InputType]:
    """Files of a folder / glob / path, arrays as they are, lists flattened."""
    if isinstance(inputs, (list, tuple)):
        return [item for x in inputs for item in list_inputs(x)]
    if isinstance(inputs, np.ndarray) or torch.is_tensor(inputs):
        return [np.asarray(inputs)]
    if not isinstance(inputs, str):
        raise UserError(f'input {inputs!r}: expected an image path, folder, '
                        'glob pattern or array')
    if osp.isdir(inputs):
        files = sorted(
            osp.join(inputs, n) for n in os.listdir(inputs)
            if n.lower().endswith(IMAGE_EXTENSIONS)
            and osp.isfile(osp.join(inputs, n)))
        if not files:
            raise DataError(f'{inputs}: no image file '
                            f'({", ".join(IMAGE_EXTENSIONS)}) in this folder')
        return files
    if glob.has_magic(inputs) and not osp.exists(inputs):
        files = sorted(f for f in glob.glob(inputs) if osp.isfile(f))
        if not files:
            raise DataError(f'{inputs}: no file matches this pattern')
        return files
    return [inputs]


class MeshInferencer(BaseInferencer):
    """Single-view reconstruction of coloured meshes from images.

    Args:
        model: config file or Config of an mmssr reconstructor.
        weights: checkpoint (loaded safely and strictly, see
            :func:`mmssr.apis.init_model`).
        device: torch device.
        checkpoint_prefix: e.g. ``'reconstructor.'`` to use the
            reconstructor of an SSR checkpoint with a SoftRas config.

        max_pixels: the largest image (pixels) that is read, checked from
            the file's header before decoding (default
            :data:`~mmssr.io.image.DEFAULT_MAX_PIXELS`).

    Call keywords: ``batch_size`` (8), ``mask`` (a mask file or array for a
    single input), ``background`` ('auto' | 'alpha' | 'mask' | 'grabcut'),
    ``framing_ratio`` (longer side of the object / side of the model's
    input, default
    :data:`~mmssr.datasets.transforms.framing.FRAMING_RATIO`), ``view``
    (dataset view id the images are seen from, 0), ``preview_views``
    (view ids of the preview renders), ``out_dir`` (write
    ``<name>.<mesh_format>`` and ``<name>_views.png`` there),
    ``mesh_format`` ('.ply'), ``overwrite`` (replace existing output files,
    False), ``skip_unreadable`` (False: an unreadable image or one without
    an object raises; True: it is left out and listed in the result's
    ``'failed'``, ``[{'source', 'error'}]``), ``return_silhouette`` (False;
    True adds ``silhouette``, the (H, W) bool mask used, in the processed
    image, see :class:`~mmssr.datasets.transforms.framing.PreparedImage`).
    """

    preprocess_kwargs = {
        'mask', 'background', 'framing_ratio', 'skip_unreadable'
    }
    forward_kwargs = {'view'}
    visualize_kwargs = {'preview_views', 'preview_size', 'show'}
    postprocess_kwargs = {
        'out_dir', 'mesh_format', 'overwrite', 'return_silhouette'
    }

    def __init__(self,
                 model,
                 weights: Optional[str] = None,
                 device: str = 'cpu',
                 checkpoint_prefix: Optional[str] = None,
                 show_progress: bool = False,
                 max_pixels: Optional[int] = None) -> None:
        self.checkpoint_prefix = checkpoint_prefix
        self.max_pixels = max_pixels
        self.weights = weights
        self._failed: List[dict] = []
        if isinstance(model, str) and not osp.isfile(model):
            raise FileNotFoundError(f'config file not found: {model}')
        super().__init__(
            model=model,
            weights=weights,
            device=device,
            scope='mmssr',
            show_progress=show_progress)
        self.image_size = expected_image_size(self.model)
        # photos are true colour; the model sees what it was trained on
        self.color_convention = input_color_convention(self.model)

    # -- set-up -----------------------------------------------------------
    def _init_model(self, cfg, weights, device='cpu'):
        return init_model(cfg, weights, device, prefix=self.checkpoint_prefix)

    def _init_pipeline(self, cfg):
        return lambda x: x  # preprocess() prepares images itself

    def _init_collate(self, cfg):
        return lambda batch: batch  # preprocess() batches itself

    def _init_visualizer(self, cfg):
        return None  # previews are drawn by visualize()

    def _inputs_to_list(self, inputs) -> list:
        return list_inputs(inputs)

    # -- steps ------------------------------------------------------------
    def __call__(self,
                 inputs,
                 batch_size: int = 8,
                 out_dir: Optional[str] = None,
                 **kwargs) -> dict:
        if out_dir is not None:  # refused before any work
            plan_outputs(
                list_inputs(inputs), out_dir,
                kwargs.get('mesh_format', '.ply'),
                kwargs.get('overwrite', False), inputs)
        self._failed = []
        result = super().__call__(
            inputs, batch_size=batch_size, out_dir=out_dir, **kwargs)
        result['failed'] = self._failed
        return result

    def preprocess(self,
                   inputs: list,
                   batch_size: int = 8,
                   mask=None,
                   background: str = 'auto',
                   framing_ratio: float = FRAMING_RATIO,
                   skip_unreadable: bool = False):
        if mask is not None and len(inputs) != 1:
            raise UserError(f'--mask: one mask is for one image, got '
                            f'{len(inputs)} images')
        names = output_names(input_sources(inputs))
        for start in range(0, len(inputs), batch_size):
            prepared, kept = [], []
            for i, x in enumerate(inputs[start:start + batch_size]):
                try:
                    prepared.append(
                        prepare_image(
                            x,
                            self.image_size,
                            mask,
                            background,
                            ratio=framing_ratio,
                            name=f'<array {start + i}>',
                            max_pixels=self.max_pixels))
                except UserError as err:
                    if not skip_unreadable:
                        raise
                    source = x if isinstance(x, str) else \
                        f'<array {start + i}>'
                    self._failed.append(dict(source=source, error=str(err)))
                    continue
                kept.append(names[start + i])
            if prepared:
                # photos are true colour; the model sees its checkpoint's
                data = dict(inputs=[
                    torch.from_numpy(
                        from_true_colors(p.inputs, self.color_convention))
                    for p in prepared
                ])
                yield data, prepared, kept

    @torch.no_grad()
    def forward(self, data, view: int = 0) -> List[dict]:
        from mmssr.visualization import vertex_colors_from_image
        if not 0 <= int(view) < NUM_VIEWS:
            raise UserError(f'--view {view}: expected a view id in '
                            f'0..{NUM_VIEWS - 1}')
        batch, prepared, names = data
        batch = self.model.data_preprocessor(batch, False)
        vertices, faces = self.model(batch['inputs'], mode='tensor')
        if not torch.isfinite(vertices).all():
            raise CheckpointError(
                f'{self.weights or "the model"}: the model predicts NaN or '
                'infinite vertices (its weights are not usable)')
        faces = faces.cpu().numpy()
        eye = view_ids_to_eyes([int(view)])[0]
        preds = []
        for verts, prep, name in zip(vertices.cpu().numpy(), prepared, names):
            colors, visible = vertex_colors_from_image(verts, faces,
                                                       prep.framed, eye)
            preds.append(
                dict(
                    vertices=verts,
                    faces=faces,
                    vertex_colors=colors,
                    visible=visible,
                    prepared=prep,
                    name=name,
                    view=int(view)))
        return preds

    def visualize(self,
                  inputs: list,
                  preds: List[dict],
                  preview_views: Sequence[int] = (0, 3, 6, 9, 12, 18),
                  preview_size: Optional[int] = None,
                  show: bool = False) -> List[np.ndarray]:
        return [preview_image(p, preview_views, preview_size) for p in preds]

    def postprocess(self,
                    preds: List[dict],
                    visualization: List[np.ndarray],
                    return_datasamples: bool = False,
                    out_dir: Optional[str] = None,
                    mesh_format: str = '.ply',
                    overwrite: bool = False,
                    return_silhouette: bool = False) -> Dict[str, Any]:
        results = []
        for pred, preview in zip(preds, visualization):
            name = pred.pop('name')
            prep: PreparedImage = pred.pop('prepared')
            pred.update(
                source=prep.source,
                inputs=prep.inputs,
                silhouette_from=prep.silhouette_from,
                bbox=prep.bbox)
            if return_silhouette:
                pred['silhouette'] = prep.mask
            if out_dir is not None:
                ext = mesh_extension(mesh_format)
                pred.update(
                    save_prediction(pred, osp.join(out_dir, name + ext),
                                    preview, overwrite))
            results.append(pred)
        return dict(predictions=results, visualization=visualization)


def preview_image(pred: dict,
                  view_ids: Sequence[int] = (0, 3, 6, 9, 12, 18),
                  size: Optional[int] = None) -> np.ndarray:
    """Input | renders of the coloured mesh from ``view_ids`` (RGB uint8)."""
    import cv2

    from mmssr.visualization import (image_grid, render_colored_mesh_views,
                                     rgba_to_rgb)
    prep = pred['prepared'] if 'prepared' in pred else None
    inputs = prep.inputs if prep is not None else pred['inputs']
    size = size or max(inputs.shape[-1], 128)
    renders = render_colored_mesh_views(
        pred['vertices'],
        pred['faces'],
        pred['vertex_colors'],
        view_ids,
        image_size=size) if len(view_ids) else []  # () skips the renders
    inp = cv2.resize(
        rgba_to_rgb(inputs), (size, size), interpolation=cv2.INTER_NEAREST)
    return image_grid([[inp] + list(renders)])
