"""SoftRas: single-view mesh reconstruction supervised by silhouettes."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

import torch
from mmengine.model import BaseModel
from torch import Tensor

from mmssr.errors import ConfigError
from mmssr.models.losses.iou_loss import silhouette_iou
from mmssr.registry import MODELS
from mmssr.structures import NUM_VIEWS, MeshDataSample, view_ids_to_eyes

ForwardResults = Union[Dict[str, Tensor], List[MeshDataSample], Tuple[Tensor,
                                                                      Tensor]]


@MODELS.register_module()
class SoftRasReconstructor(BaseModel):
    """Encoder + template-mesh decoder trained through a soft rasterizer.

    Training items are pairs of views (A, B) of one object with their
    viewpoints. Both meshes are rendered at both viewpoints and compared with
    the target silhouettes (multi-view IoU loss), with Laplacian and flatten
    regularisers (Liu et al., SoftRas, ICCV 2019).

    Args:
        encoder, decoder, renderer: configs of the sub-modules.
        image_size: the input and render size S, stated once: it is given
            to the encoder, the renderer and the data preprocessor (which
            resizes views of other sizes). A sub-module config that states
            another size is an error.
        loss_silhouette: the multi-view IoU loss.
        loss_laplacian, loss_flatten: mesh regularisers; they are built with
            the decoder's template faces (``faces=`` is filled in here).
        data_preprocessor: defaults to ``MeshDataPreprocessor``.
        init_cfg: mmengine weight initialisation config.
    """

    def __init__(self,
                 encoder: dict,
                 decoder: dict,
                 renderer: dict,
                 image_size: Optional[int] = None,
                 loss_silhouette: dict = dict(type='MultiViewIoULoss'),
                 loss_laplacian: Optional[dict] = dict(
                     type='LaplacianLoss', loss_weight=5e-3),
                 loss_flatten: Optional[dict] = dict(
                     type='FlattenLoss', loss_weight=5e-4),
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        data_preprocessor = dict(
            data_preprocessor or dict(type='MeshDataPreprocessor'))
        if image_size is not None:
            encoder, renderer, data_preprocessor = (_with_image_size(
                cfg, image_size,
                name) for cfg, name in ((encoder, 'encoder'), (renderer,
                                                               'renderer'),
                                        (data_preprocessor,
                                         'data_preprocessor')))
        super().__init__(
            data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.encoder = MODELS.build(encoder)
        self.decoder = MODELS.build(decoder)
        self.renderer = MODELS.build(renderer)
        self.image_size = self.encoder.image_size
        self.loss_silhouette = MODELS.build(loss_silhouette)
        faces = self.decoder.faces
        self.loss_laplacian = (
            MODELS.build(dict(loss_laplacian, faces=faces))
            if loss_laplacian else None)
        self.loss_flatten = (
            MODELS.build(dict(loss_flatten, faces=faces))
            if loss_flatten else None)

    def reconstruct(self, images: Tensor) -> Tuple[Tensor, Tensor]:
        """Images (N, 4, S, S) in [0, 1] -> vertices (N, V, 3), faces."""
        return self.decoder(self.encoder(images))

    def forward(self,
                inputs: Tensor,
                data_samples: Optional[List[MeshDataSample]] = None,
                mode: str = 'tensor',
                **kwargs) -> ForwardResults:
        if mode == 'loss':
            return self.loss(inputs, data_samples, **kwargs)
        if kwargs:
            raise TypeError(f'mode "{mode}" takes no {sorted(kwargs)}')
        if mode == 'predict':
            return self.predict(inputs, data_samples)
        if mode == 'tensor':
            return self.reconstruct(self._single_views(inputs))
        raise RuntimeError(f'Invalid mode "{mode}": expected "loss", '
                           '"predict" or "tensor"')

    @staticmethod
    def _single_views(inputs: Tensor) -> Tensor:
        return inputs.flatten(0, 1) if inputs.dim() == 5 else inputs

    def loss(self,
             inputs: Tensor,
             data_samples: List[MeshDataSample],
             groups: Optional[Sequence[str]] = None,
             viewpoint_free: bool = False) -> Dict[str, Tensor]:
        """Multi-view losses of pairs ``inputs`` (B, 2, 4, S, S).

        Pairs whose supervision viewpoint is unknown (view id < 0, possible
        for pseudo-labelled pairs) are left out. ``groups`` optionally names
        a group of each pair (e.g. ``''`` and ``'_pseudo'``): each group's
        losses are averaged over its own pairs and their names get the
        group's name as a suffix, all from one forward pass.
        ``viewpoint_free=True`` ignores the viewpoints: see
        :meth:`viewpoint_free_losses`.
        """
        if inputs.dim() != 5 or inputs.shape[1] != 2:
            raise ValueError('training inputs must be view pairs '
                             f'(B, 2, 4, S, S), got {tuple(inputs.shape)}')
        if viewpoint_free:
            return self.viewpoint_free_losses(inputs[:, 0])
        groups = [''] * len(inputs) if groups is None else list(groups)
        if len(groups) != len(inputs):
            raise ValueError(f'{len(groups)} groups for {len(inputs)} pairs')
        view_ids = torch.stack([ds.view_ids for ds in data_samples])
        eyes = torch.stack([ds.eyes for ds in data_samples]).to(inputs)
        valid = (view_ids >= 0).all(dim=1)
        names = list(dict.fromkeys(groups))  # in order of appearance
        if not bool(valid.all()):
            keep = valid.to(inputs.device)
            inputs, eyes = inputs[keep], eyes[keep]
            groups = [g for g, ok in zip(groups, valid.tolist()) if ok]
        members = [[i for i, g in enumerate(groups) if g == name]
                   for name in names]
        losses = {}
        for name, group in zip(names,
                               self.grouped_pair_losses(inputs, eyes,
                                                        members)):
            losses.update((key + name, value) for key, value in group.items())
        return losses

    def grouped_pair_losses(
            self, pairs: Tensor, eyes: Tensor,
            members: Sequence[Sequence[int]]) -> List[Dict[str, Tensor]]:
        """Losses of groups of view pairs, each averaged over its pairs.

        One encoder, decoder and renderer pass over all ``pairs``
        (B, 2, 4, S, S) seen from ``eyes`` (B, 2, 3): a single batch is
        cheaper than one per group, and no layer mixes batch items, so each
        group's losses equal those of a pass over the group alone.
        ``members`` lists the pair indices of each group.
        """
        batch = pairs.shape[0]
        if batch == 0:
            return [self._zero_losses() for _ in members]
        images = torch.cat([pairs[:, 0], pairs[:, 1]])  # [A; B]
        vertices, faces = self.reconstruct(images)
        # Render [M_A, M_B] at eye A, then [M_A, M_B] at eye B.
        eyes_a, eyes_b = eyes[:, 0], eyes[:, 1]
        render_eyes = torch.cat([eyes_a, eyes_a, eyes_b, eyes_b])
        silhouettes = self.renderer(
            vertices.repeat(2, 1, 1), faces, render_eyes)[:, 3]
        targets = torch.cat(
            [pairs[:, 0, 3], pairs[:, 0, 3], pairs[:, 1, 3], pairs[:, 1, 3]])
        results = []
        for member in members:
            if not len(member):
                results.append(dict(loss_silhouette=silhouettes.sum() * 0.0))
                continue
            idx = torch.as_tensor(member, device=pairs.device)
            # render k of pair i is row k * batch + i; mesh j of it, j * B + i
            renders = torch.cat([idx + k * batch for k in range(4)])
            meshes = vertices[torch.cat([idx, idx + batch])]
            results.append(
                self._mesh_losses(silhouettes[renders], targets[renders],
                                  meshes))
        return results

    def _mesh_losses(self, silhouettes: Tensor, targets: Tensor,
                     vertices: Tensor) -> Dict[str, Tensor]:
        """The silhouette loss of renders and the regularisers of meshes."""
        losses = dict(
            loss_silhouette=self.loss_silhouette(silhouettes, targets))
        if self.loss_laplacian is not None:
            losses['loss_laplacian'] = self.loss_laplacian(vertices)
        if self.loss_flatten is not None:
            losses['loss_flatten'] = self.loss_flatten(vertices)
        return losses

    def _zero_losses(self) -> Dict[str, Tensor]:
        """A zero loss tied to every parameter, for a batch without pairs
        (DDP's reducer expects a gradient for each)."""
        zero = sum(p.sum() * 0.0 for p in self.parameters() if p.requires_grad)
        return dict(loss_silhouette=zero)

    def viewpoint_free_losses(self, images: Tensor) -> Dict[str, Tensor]:
        """Losses of single views (B, 4, S, S) whose viewpoint is unknown.

        Each view's mesh is rendered from every viewpoint of the data
        contract (``NUM_VIEWS`` renders per view) and its silhouette loss is
        that of the best-matching render: a silhouette term that needs no
        viewpoint (an ablation of SSR, ``semi_train_cfg.viewpoints='free'``).
        """
        num = images.shape[0]
        if num == 0:
            return self._zero_losses()
        vertices, faces = self.reconstruct(images)
        eyes = view_ids_to_eyes(torch.arange(NUM_VIEWS)).to(vertices)
        silhouettes = self.renderer(
            vertices.repeat_interleave(NUM_VIEWS, 0), faces,
            eyes.repeat(num, 1))[:, 3]
        targets = images[:, 3].repeat_interleave(NUM_VIEWS, 0).to(silhouettes)
        with torch.no_grad():
            iou = silhouette_iou(silhouettes, targets,
                                 self.loss_silhouette.eps).view(
                                     num, NUM_VIEWS)
        # the best render of each view, scored by the configured loss
        best = iou.argmax(1) + torch.arange(num, device=iou.device) * NUM_VIEWS
        return self._mesh_losses(silhouettes[best], targets[best], vertices)

    @torch.no_grad()
    def predict(
        self,
        inputs: Tensor,
        data_samples: Optional[List[MeshDataSample]] = None
    ) -> List[MeshDataSample]:
        """Meshes of single views (B, 4, S, S) as data samples."""
        images = self._single_views(inputs)
        vertices, faces = self.reconstruct(images)
        if data_samples is None:
            data_samples = [MeshDataSample() for _ in range(len(images))]
        if len(data_samples) != len(images):
            raise ValueError(f'{len(images)} images but {len(data_samples)} '
                             'data samples')
        for sample, verts in zip(data_samples, vertices):
            sample.pred_vertices = verts
            sample.pred_faces = faces
        return data_samples


def _with_image_size(cfg: dict, image_size: int, name: str) -> dict:
    """``cfg`` with ``image_size`` filled in; a different one is an error."""
    given = cfg.get('image_size')
    if given is not None and given != image_size:
        raise ConfigError(f'model.{name}.image_size={given} differs from '
                          f'model.image_size={image_size}; state it once, on '
                          'the model')
    return dict(cfg, image_size=image_size)
