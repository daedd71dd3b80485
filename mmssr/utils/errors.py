"""One error policy for every tool: user errors are one clear line.

A *user error* is bad input the user can fix: a data file, a config key, a
checkpoint, an image, an argument. Tools print it as ``error: <file or key>:
<what was expected>`` and exit with status 2, without a traceback; ``--debug``
or ``MMSSR_DEBUG=1`` shows the traceback too. Everything else is a bug and
keeps its traceback.
"""
import difflib
import functools
import os
import sys
import traceback
from typing import Callable, Iterable, Optional

EXIT_USER_ERROR = 2
DEBUG_ENV = 'MMSSR_DEBUG'


class UserError(Exception):
    """Bad input from the user; the message names the file or key."""


class ConfigError(UserError, ValueError):
    """A config key or value is wrong."""


class DataError(UserError, ValueError):
    """A data file or data setting is wrong."""


class CheckpointError(UserError, RuntimeError):
    """A checkpoint cannot be used with this config."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest choice, or ``''``."""
    close = difflib.get_close_matches(str(word), list(choices), n=1)
    return f"; did you mean {close[0]!r}?" if close else ''


def add_debug_argument(parser) -> None:
    """The ``--debug`` option every tool takes; :func:`cli_main` reads it."""
    parser.add_argument(
        '--debug',
        action='store_true',
        help=f'show tracebacks of user errors too (or {DEBUG_ENV}=1)')


def debug_enabled(argv: Optional[list] = None) -> bool:
    argv = sys.argv if argv is None else argv
    return '--debug' in argv or os.environ.get(DEBUG_ENV, '') not in ('', '0')


def user_error_of(err: BaseException) -> Optional[str]:
    """The one-line message if ``err`` is a user error, else ``None``.

    Besides :class:`UserError`, errors that libraries raise for bad user
    input are recognised here (mmengine's registry for an unknown type,
    Python for a keyword a class does not take).
    """
    from mmssr.utils.config_errors import explain_build_error
    if isinstance(err, UserError):
        return str(err)
    explained = explain_build_error(err)
    if explained is not None:
        return explained
    from mmssr.utils.checkpoint import UnsafeCheckpointError
    if isinstance(err, (UnsafeCheckpointError, FileNotFoundError)):
        return str(err)
    return None


def cli_main(main: Callable[[], Optional[int]]) -> Callable[[], None]:
    """Run a tool's ``main`` under the error policy and exit with its code."""

    @functools.wraps(main)
    def wrapper() -> None:
        try:
            code = main()
        except KeyboardInterrupt:
            print('error: interrupted', file=sys.stderr)
            sys.exit(130)
        except Exception as err:  # noqa: BLE001 - sorted out just below
            message = user_error_of(err)
            if message is None:
                raise
            if debug_enabled():
                traceback.print_exc()
            print(f'error: {message}', file=sys.stderr)
            sys.exit(EXIT_USER_ERROR)
        sys.exit(code or 0)

    return wrapper
