"""One family of errors, split by whose fault it is.

The CLI maps `TourError` (the user's mistake) to exit 2 and `WorldError`
(network, disk, missing binary) to exit 1, in one place.
"""
from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitStatus(IntEnum):
    OK = 0
    WORLD_FAILED = 1
    USER_ERROR = 2


class AudiotourError(Exception):
    """Base of every error audiotour reports to a user."""

    exit_status = ExitStatus.WORLD_FAILED


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
    ) -> None:
        self.reason = reason
        self.path = Path(path) if path is not None else None
        self.line = line
        self.column = column
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.reason}"


class UsageError(TourError):
    """A bad option or argument on the command line."""


class WorldError(AudiotourError):
    """Something outside the user's text failed: network, disk, a binary."""


class EngineUnavailable(WorldError):
    """A speech engine cannot be used here (offline, library missing...)."""
