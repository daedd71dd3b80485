"""Step decay of the renderer's silhouette sharpness, as SoftRas trains."""
from typing import Sequence

from mmengine.hooks import Hook

from mmssr.errors import ConfigError
from mmssr.registry import HOOKS


@HOOKS.register_module()
class SigmaScheduleHook(Hook):
    """Multiply the renderers' sigma by ``gamma`` at each milestone.

    Before iteration ``i`` (counted from 0) every renderer of the model
    (each module with ``set_sigma``, e.g. ``SoftRasterizer``) gets
    ``sigma0 · gamma^k``, ``k`` the number of milestones ``<= i`` and
    ``sigma0`` its configured value. The reference (SoftRas
    ``examples/recon/train.py``, ``adjust_sigma``; SSR ``src/models.py``)
    multiplies sigma by 0.3 from iteration 150000 on, with the learning
    rate. The value follows from the iteration alone, so a resumed run gets
    the same sigma as one that never stopped.
    """

    priority = 'NORMAL'

    def __init__(self, milestones: Sequence[int], gamma: float = 0.3) -> None:
        milestones = [int(m) for m in milestones]
        if any(m < 0 for m in milestones) or sorted(milestones) != milestones:
            raise ConfigError(f'SigmaScheduleHook.milestones: expected '
                              f'increasing iterations >= 0, got {milestones}')
        if not gamma > 0:
            raise ConfigError(f'SigmaScheduleHook.gamma: expected a positive '
                              f'number, got {gamma}')
        self.milestones, self.gamma = milestones, float(gamma)
        self._base = {}

    def _renderers(self, runner):
        model = runner.model.module if hasattr(runner.model,
                                               'module') else runner.model
        return [(name, m) for name, m in model.named_modules()
                if callable(getattr(m, 'set_sigma', None))
                and hasattr(m, 'sigma_val')]

    def before_train(self, runner) -> None:
        renderers = self._renderers(runner)
        if not renderers:
            raise ConfigError('SigmaScheduleHook: the model has no renderer '
                              'with set_sigma / sigma_val')
        self._base = {name: float(m.sigma_val) for name, m in renderers}

    def sigma_factor(self, iteration: int) -> float:
        """gamma ** (milestones reached at ``iteration``)."""
        return self.gamma**sum(iteration >= m for m in self.milestones)

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        factor = self.sigma_factor(runner.iter)
        for name, renderer in self._renderers(runner):
            renderer.set_sigma(self._base[name] * factor)
