"""One decorator turns every error of a command into one line and an exit code."""
from __future__ import annotations

import errno
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from ..errors import (
    AudiotourError,
    ExitStatus,
    Terminated,
    check_stop,
    clear_stop,
    request_stop,
    stop_requested,
)
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
            result = command(*args, **kwargs)
            check_stop()  # a signal whose exception Python swallowed (in a __del__, say) still stops us
            return result
        except AudiotourError as exc:
            _exit_if_stopped()
            if verbose:
                traceback.print_exc()
            click.echo(error_line(exc), err=True)
            sys.exit(exc.exit_status)
        except KeyboardInterrupt as exc:
            _exit_stopped(exc)
        except OSError as exc:
            _exit_if_stopped()
            if verbose:
                traceback.print_exc()
            click.echo(f"Error: {_os_error(exc)}", err=True)
            sys.exit(ExitStatus.WORLD_FAILED)
        except Exception as exc:  # a bug of ours: one line, the traceback on request
            _exit_if_stopped()
            if verbose:
                traceback.print_exc()
            click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); run again with -v and report "
                       "the traceback", err=True)
            sys.exit(ExitStatus.WORLD_FAILED)
        finally:
            _restore(previous)

    return wrapper  # type: ignore[return-value]


def _exit_stopped(exc: KeyboardInterrupt) -> NoReturn:
    terminated = isinstance(exc, Terminated)
    click.echo(f"{'Terminated' if terminated else 'Interrupted'}; run the same command again to resume.", err=True)
    sys.exit(ExitStatus.TERMINATED if terminated else ExitStatus.INTERRUPTED)


def _exit_if_stopped() -> None:
    """A failure while stopping (a worker gone at Ctrl-C, say) is the stop, not an error to report."""
    stop = stop_requested()
    if stop is not None:
        _exit_stopped(stop)


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
    global _handling_pid
    clear_stop()
    _handling_pid = os.getpid()
    return {signal.SIGINT: signal.signal(signal.SIGINT, _interrupted),
            signal.SIGTERM: signal.signal(signal.SIGTERM, _terminated)}


_handling_pid = 0


def _in_a_fresh_child(signum: int) -> None:
    """A process forked from the build (a worker) gets our handlers until it sets its own: stopped
    then, it ends quietly, as its parent stops it anyway."""
    if os.getpid() != _handling_pid:
        os._exit(128 + signum)


def _interrupted(signum: int, frame: object) -> None:
    _in_a_fresh_child(signum)
    raise request_stop(KeyboardInterrupt())


def _terminated(signum: int, frame: object) -> None:
    _in_a_fresh_child(signum)
    raise request_stop(Terminated())


def _restore(previous: _Handlers) -> None:
    for signum, handler in previous.items():
        if handler is not None:
            signal.signal(signum, handler)
