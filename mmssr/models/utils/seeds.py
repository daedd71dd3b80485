"""Random streams of a training step, one per use, reproducible on resume.

Each stream is seeded from the run's seed and the step alone, so a resumed
run draws what an uninterrupted one would, and the streams differ from one
another. The multipliers are fixed: changing them changes every result.
"""
import torch

# run seed -> stream seed multiplier (primes near 10^6)
_STREAMS = dict(siamvp_augments=1_000_003, random_viewpoints=1_000_033)


def step_seed(stream: str, run_seed: int, step: int) -> int:
    """The seed of ``stream`` at training step ``step`` of a run."""
    return int(run_seed) * _STREAMS[stream] + int(step)


def step_generator(stream: str, run_seed: int, step: int) -> torch.Generator:
    """A CPU generator seeded with :func:`step_seed`."""
    return torch.Generator().manual_seed(step_seed(stream, run_seed, step))
