"""One decorator turns every error of a command into one line and an exit code."""
from __future__ import annotations

import errno
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import AudiotourError, ExitStatus, Terminated
from ..fsutil import write_failure_reason
from .output import error_line

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Map audiotour's errors to one line and an exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = bool(kwargs.get("verbose"))
        previous = _stop_on_signals()
        try:
            return command(*args, **kwargs)
        except AudiotourError as exc:
            if verbose:
                traceback.print_exc()
            click.echo(error_line(exc), err=True)
            sys.exit(exc.exit_status)
        except KeyboardInterrupt as exc:
            terminated = isinstance(exc, Terminated)
            click.echo(f"{'Terminated' if terminated else 'Interrupted'}; run the same command again to resume.",
                       err=True)
            sys.exit(ExitStatus.TERMINATED if terminated else ExitStatus.INTERRUPTED)
        except OSError as exc:
            if verbose:
                traceback.print_exc()
            click.echo(f"Error: {_os_error(exc)}", err=True)
            sys.exit(ExitStatus.WORLD_FAILED)
        except Exception as exc:  # a bug of ours: one line, the traceback on request
            if verbose:
                traceback.print_exc()
            click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); run again with -v and report "
                       "the traceback", err=True)
            sys.exit(ExitStatus.WORLD_FAILED)
        finally:
            _restore(previous)

    return wrapper  # type: ignore[return-value]


def _os_error(exc: OSError) -> str:
    """The file system's failure, with its honest cause (a full disk, read-only, permission) named."""
    if exc.filename:
        path = Path(exc.filename)
        folder = path if path.is_dir() else path.parent
        reason = write_failure_reason(folder, exc) if exc.errno in _WRITE_ERRNOS else None
        if reason is None:
            return f"{exc.strerror or exc} ({path})"
        return reason if path == folder else f"{reason} (writing {path})"
    return exc.strerror or str(exc)


_WRITE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}
_Handlers = dict[int, Any]


def _stop_on_signals() -> _Handlers:
    """While a command runs, Ctrl-C and SIGTERM unwind it (workers stopped, temporary files removed)
    to the one line above, instead of ending the process on the spot."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signal.SIGINT: signal.signal(signal.SIGINT, signal.default_int_handler),
            signal.SIGTERM: signal.signal(signal.SIGTERM, _terminated)}


def _terminated(signum: int, frame: object) -> None:
    raise Terminated


def _restore(previous: _Handlers) -> None:
    for signum, handler in previous.items():
        if handler is not None:
            signal.signal(signum, handler)
