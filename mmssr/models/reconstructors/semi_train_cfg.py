"""Settings of SSR's pseudo-labelling rule (``semi_train_cfg``)."""
from dataclasses import dataclass, fields
from typing import Mapping, Optional

from mmssr.utils.errors import ConfigError, did_you_mean


@dataclass(frozen=True)
class SemiTrainConfig:
    """How :class:`SSRReconstructor` pseudo-labels unlabeled views.

    Attributes:
        gate: minimum running SiamVP training accuracy (on random labeled
            pairs) before any pseudo-label is made (paper: 0.99).
        confidence: ``'probability'`` (the paper: SiamVP's same-viewpoint
            probability of the chosen reference view) or ``'margin'`` (that
            probability minus the runner-up view's). The margin is low when
            two reference views look alike to SiamVP, which the probability
            alone does not see; on the synthetic benchmark it ranks right
            pseudo-labels far better (README, "What made the gain").
        threshold: τ; a view is pseudo-labelled when its confidence exceeds
            it.
        reference: ``'first'`` (reference views of the first labeled object
            of the category, as in the paper) or ``'all'`` (every labeled
            object of it, probabilities averaged).
        rotation_check: also require the same answer on a copy of query and
            references rotated in-plane by ``rotation_angle`` degrees.
        rotation_angle: degrees.
        batch_size: images per SiamVP forward pass while pseudo-labelling.
    """

    gate: float = 0.99
    confidence: str = 'probability'
    threshold: float = 0.8
    reference: str = 'first'
    rotation_check: bool = False
    rotation_angle: float = 45.0
    batch_size: int = 256

    def __post_init__(self) -> None:
        checks = (
            (0.0 <= self.gate <= 1.0, 'gate', 'a number in [0, 1]'),
            (self.confidence in ('probability', 'margin'), 'confidence',
             "'probability' or 'margin'"),
            (0.0 <= self.threshold < 1.0, 'threshold', 'a number in [0, 1)'),
            (self.reference in ('first', 'all'), 'reference',
             "'first' or 'all'"),
            (self.batch_size >= 1, 'batch_size', 'a positive integer'),
        )
        for ok, key, expected in checks:
            if not ok:
                raise ConfigError(f'semi_train_cfg.{key}: expected '
                                  f'{expected}, got {getattr(self, key)!r}')

    @classmethod
    def from_dict(cls, cfg: Optional[Mapping]) -> 'SemiTrainConfig':
        """Build from a config dict; unknown keys are named with a hint."""
        cfg = dict(cfg or {})
        known = [f.name for f in fields(cls)]
        for key in cfg:
            if key not in known:
                raise ConfigError(f'semi_train_cfg.{key}: unknown setting '
                                  f'(expected one of {known})'
                                  f'{did_you_mean(key, known)}')
        return cls(**cfg)
