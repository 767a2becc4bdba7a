"""One decorator turns every error of a command into one line and an exit code."""
from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import click

from ..errors import AudiotourError, ExitStatus, Terminated
from .output import error_line

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(command: F) -> F:
    """Map audiotour's errors to one line and an exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = bool(kwargs.get("verbose"))
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
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            sys.exit(ExitStatus.WORLD_FAILED)
        except Exception as exc:  # a bug of ours: one line, the traceback on request
            if verbose:
                traceback.print_exc()
            click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); run again with -v and report "
                       "the traceback", err=True)
            sys.exit(ExitStatus.WORLD_FAILED)

    return wrapper  # type: ignore[return-value]
