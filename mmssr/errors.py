"""The errors a user can fix; a leaf that imports nothing of mmssr.

A *user error* is bad input the user can fix: a data file, a config key, a
checkpoint, an image, an argument, an output folder. Its message names the
file or key and what was expected. Tools print it as one ``error:`` line and
exit with :data:`EXIT_USER_ERROR` (see :mod:`mmssr.cli`); everything else
is a bug and keeps its traceback.
"""
import difflib
from typing import Iterable

EXIT_USER_ERROR = 2


class UserError(Exception):
    """Bad input from the user; the message names the file or key."""


class ConfigError(UserError, ValueError):
    """A config key or value is wrong."""


class DataError(UserError, ValueError):
    """A data file or data setting is wrong."""


class CheckpointError(UserError, RuntimeError):
    """A checkpoint cannot be used with this config."""


class OutputError(UserError, OSError):
    """An output file cannot be written (disk full, read-only, ...)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``''``."""
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ''


def check_known_keys(cfg: Iterable[str], known: Iterable[str],
                     prefix: str) -> None:
    """Raise a :class:`ConfigError` naming ``prefix.key`` for the first key
    of ``cfg`` not in ``known``, with the closest known one."""
    known = list(known)
    for key in cfg:
        if key not in known:
            raise ConfigError(f'{prefix}.{key}: unknown setting (expected one '
                              f'of {known}){did_you_mean(key, known)}')


def check_values(checks: Iterable[tuple], settings: object,
                 prefix: str) -> None:
    """Raise a :class:`ConfigError` for the first ``(ok, key, expected)`` of
    ``checks`` that is not ok, with the value ``settings.key`` holds."""
    for ok, key, expected in checks:
        if not ok:
            raise ConfigError(f'{prefix}.{key}: expected {expected}, got '
                              f'{getattr(settings, key)!r}')
