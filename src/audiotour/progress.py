"""How a build reports progress: a small interface the caller implements.

The core only calls it; the command line draws bars or plain lines
(`audiotour.cli.output`), a library user passes their own or nothing.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Phase(Protocol):
    def advance(self, steps: int = 1) -> None: ...


class Progress(Protocol):
    def phase(self, label: str, total: int) -> AbstractContextManager[Phase]:
        """A stage of ``total`` steps starts; the context ends with it."""
        ...

    def say(self, message: str) -> None:
        """Something the user should read once (a fallback taken, a feed not written)."""
        ...


class Counter:
    def __init__(self) -> None:
        self.done = 0

    def advance(self, steps: int = 1) -> None:
        self.done += steps


class QuietProgress:
    @contextmanager
    def phase(self, label: str, total: int) -> Iterator[Phase]:
        yield Counter()

    def say(self, message: str) -> None:
        pass
