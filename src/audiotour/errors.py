"""One family of errors, split by whose fault it is.

The core raises these and never prints; the CLI maps `TourError` (the user's
mistake) to exit 2 and `WorldError` (network, disk, missing binary) to exit 1,
in one place. An error may carry a `Remedy`: what would help, said in the
words of whoever shows it (the CLI names its own options).
"""
from __future__ import annotations

from enum import Enum, IntEnum
from pathlib import Path


class ExitStatus(IntEnum):
    OK = 0
    WORLD_FAILED = 1
    USER_ERROR = 2
    INTERRUPTED = 130
    """Ctrl-C (128 + SIGINT), as shells report it."""
    TERMINATED = 143
    """SIGTERM (128 + SIGTERM)."""


class Terminated(KeyboardInterrupt):
    """SIGTERM, turned by the command line into an exception: the build stops as on Ctrl-C (workers
    stopped, nothing partial kept) and the process exits 143."""


class Remedy(Enum):
    """What would help, independent of how the build was asked for."""

    FORCE = "rebuild everything (force)"
    OTHER_ENGINE = "use another speech engine, e.g. espeak"
    OTHER_OUTPUT = "choose another output folder"
    WAIT = "wait for it to finish"


class AudiotourError(Exception):
    """Base of every error audiotour reports to a user."""

    exit_status = ExitStatus.WORLD_FAILED
    remedy: Remedy | None = None

    def __init__(self, *args: object, remedy: Remedy | None = None) -> None:
        super().__init__(*args)
        if remedy is not None:
            self.remedy = remedy

    @property
    def reason(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return self.reason + (f"; {self.remedy.value}" if self.remedy else "")


class TourError(AudiotourError):
    """A mistake in what the user wrote, located as precisely as we know.

    Renders as ``tour.yml:14:7: stops[2].location.lat: 200.0 is not a latitude``.
    """

    exit_status = ExitStatus.USER_ERROR

    def __init__(
        self,
        reason: str,
        *,
        path: Path | str | None = None,
        line: int | None = None,
        column: int | None = None,
        field: str | None = None,
        remedy: Remedy | None = None,
    ) -> None:
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        self.field = field
        super().__init__(reason, remedy=remedy)

    def located(self) -> str:
        """``tour.yml:14:7: field: `` (what comes before the reason), or nothing."""
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}"

    def __str__(self) -> str:
        return self.located() + super().__str__()


class UsageError(TourError):
    """A bad argument to the build (on the command line: an option), named by ``field``."""


class WorldError(AudiotourError):
    """Something outside the user's text failed: network, disk, a binary."""


class EngineUnavailable(WorldError):
    """A speech engine cannot be used here (offline, library missing...)."""


_stop: KeyboardInterrupt | None = None


def request_stop(reason: KeyboardInterrupt) -> KeyboardInterrupt:
    """Remember that the process was asked to stop (a signal handler calls this, then raises what it
    returns). Python swallows an exception raised where it cannot propagate (a ``__del__``, a weakref
    callback, a ctypes callback); the build's checkpoints (`check_stop`) raise it again."""
    global _stop
    _stop = reason
    return reason


def check_stop() -> None:
    """Raise the interruption a signal asked for, if any: a build calls this between steps."""
    if _stop is not None:
        raise type(_stop)()


def stop_requested() -> KeyboardInterrupt | None:
    """The interruption a signal asked for, if any (whatever error the build then ran into)."""
    return _stop


def clear_stop() -> None:
    global _stop
    _stop = None
