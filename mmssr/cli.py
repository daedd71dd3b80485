"""The error policy of the command-line tools: user errors are one line.

Tools wrap ``main`` in :func:`cli_main`: a user error
(:class:`mmssr.errors.UserError`, or bad input that a library reports in its
own words) is printed as ``error: <file or key>: <what was expected>`` with
exit status 2 and no traceback; ``--debug`` or ``MMSSR_DEBUG=1`` shows the
traceback too. Everything else is a bug and keeps its traceback.
"""
import functools
import os
import sys
import traceback
from typing import Callable, Optional

from mmssr.errors import EXIT_USER_ERROR, UserError

DEBUG_ENV = 'MMSSR_DEBUG'


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
    if isinstance(err, UserError):
        return str(err)
    from mmssr.utils.config_errors import explain_build_error
    explained = explain_build_error(err)
    if explained is not None:
        return explained
    if isinstance(err, FileNotFoundError):
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
