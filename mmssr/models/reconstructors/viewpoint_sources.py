"""Where the viewpoint of an unlabeled view comes from.

SSR's rule takes it from SiamVP (``'pseudo'``); the ablations of the paper
replace that answer by the true viewpoint (``'oracle'``), a random one
(``'random'``) or none (``'free'``: the view is used without a camera).
Each is a small class; ``semi_train_cfg.viewpoints`` names one of them and
:func:`build_viewpoint_source` makes it. A new source is a subclass with a
``name`` and, where SiamVP's answer is not kept, :meth:`choose`.
"""
from typing import Callable, Dict, Optional, Tuple, Type

import torch
from torch import Tensor

from mmssr.errors import ConfigError, did_you_mean
from mmssr.structures.view_cameras import (grid_cameras, nearest_grid_views,
                                           wrap_degrees)

VIEWPOINT_SOURCES: Dict[str, Type['ViewpointSource']] = {}


class ViewpointSource:
    """SiamVP's viewpoints (SSR's rule).

    Attributes:
        name: the value of ``semi_train_cfg.viewpoints`` that selects it.
        refines: whether cameras of accepted views are refined
            (``semi_train_cfg.refine``): only SiamVP's answers are.
        viewpoint_free: whether the reconstruction loss of unlabeled views
            ignores their view ids (a silhouette loss without a camera).
    """
    name = 'pseudo'
    refines = True
    viewpoint_free = False

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        VIEWPOINT_SOURCES[cls.name] = cls  # a subclass is a new choice

    def choose(
            self, views: Tensor, confidence: Tensor,
            stored_views: Optional[Tensor], num_views: int,
            generator: Callable[[], torch.Generator]) -> Tuple[Tensor, Tensor]:
        """The view ids (N,) and confidences (N,) to threshold, from
        SiamVP's ``views`` and ``confidence``; ``stored_views`` are the
        queries' hidden true views, ``generator`` makes the random stream
        of the ablations that draw."""
        return views, confidence

    def cameras(self, stored_cameras: Optional[Tensor]) -> Optional[Tensor]:
        """Cameras (N, 3) of the chosen views, NaN where the view id's grid
        camera is meant; ``None`` (the default): the view ids alone, which
        ``semi_train_cfg.refine`` may turn into cameras (see
        :attr:`refines`). ``stored_cameras`` are the queries' true cameras,
        NaN where unknown: the hidden truth."""
        return None


VIEWPOINT_SOURCES[ViewpointSource.name] = ViewpointSource


class OracleViewpoints(ViewpointSource):
    """The stored (true) viewpoints: the upper bound of pseudo-labelling.

    Images off the 24-view grid get their true camera, with the nearest grid
    view as their view id; images on the grid get the view id alone, so a
    run on the grid is the same as without cameras.
    """
    name = 'oracle'
    refines = False

    def choose(self, views, confidence, stored_views, num_views, generator):
        if stored_views is None:
            raise ConfigError("semi_train_cfg.viewpoints='oracle' needs the "
                              'stored view ids of the unlabeled views')
        views = torch.as_tensor(stored_views).long().cpu()
        return views, torch.ones(len(views))

    def cameras(self, stored_cameras):
        if stored_cameras is None:
            return None
        cams = torch.as_tensor(stored_cameras, dtype=torch.float32).cpu()
        known = torch.isfinite(cams).all(1)
        snapped = torch.as_tensor(
            grid_cameras(nearest_grid_views(cams.numpy())),
            dtype=torch.float32)
        on_grid = known & (wrap_degrees(cams[:, 0] - snapped[:, 0]).abs() <
                           1e-3) & torch.isclose(
                               cams[:, 1:], snapped[:, 1:], atol=1e-4).all(1)
        cams = cams.clone()  # as_tensor shares the dataset's true cameras
        cams[on_grid | ~known] = float('nan')
        return cams


class RandomViewpoints(ViewpointSource):
    """Uniformly random grid views: what SiamVP is worth."""
    name = 'random'
    refines = False

    def choose(self, views, confidence, stored_views, num_views, generator):
        views = torch.randint(num_views, (len(views), ), generator=generator())
        return views, torch.ones(len(views))


class FreeViewpoints(ViewpointSource):
    """Every unlabeled view, without a viewpoint (the loss ignores ids)."""
    name = 'free'
    refines = False
    viewpoint_free = True

    def choose(self, views, confidence, stored_views, num_views, generator):
        return views, torch.ones(len(views))


def build_viewpoint_source(name: str) -> ViewpointSource:
    """The source ``semi_train_cfg.viewpoints`` names."""
    if name not in VIEWPOINT_SOURCES:
        known = tuple(VIEWPOINT_SOURCES)
        raise ConfigError(f'semi_train_cfg.viewpoints: expected one of '
                          f'{known}, got {name!r}{did_you_mean(name, known)}')
    return VIEWPOINT_SOURCES[name]()
