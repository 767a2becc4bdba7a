"""Progress on stderr: a bar per phase on a terminal, plain lines otherwise."""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol, TextIO

import click


class Phase(Protocol):
    def advance(self, steps: int = 1) -> None: ...


class Progress(Protocol):
    def phase(self, label: str, total: int) -> AbstractContextManager[Phase]: ...

    def say(self, message: str) -> None: ...


class _Counter:
    def __init__(self) -> None:
        self.done = 0

    def advance(self, steps: int = 1) -> None:
        self.done += steps


class QuietProgress:
    @contextmanager
    def phase(self, label: str, total: int) -> Iterator[Phase]:
        yield _Counter()

    def say(self, message: str) -> None:
        pass


class PlainProgress:
    """One line when a phase starts and one when it ends: readable in CI logs."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    @contextmanager
    def phase(self, label: str, total: int) -> Iterator[Phase]:
        started = time.monotonic()
        counter = _Counter()
        click.echo(f"{label}: {total}…", file=self.stream)
        yield counter
        click.echo(f"{label}: done in {time.monotonic() - started:.1f} s", file=self.stream)

    def say(self, message: str) -> None:
        click.echo(message, file=self.stream)


class TerminalProgress(PlainProgress):
    @contextmanager
    def phase(self, label: str, total: int) -> Iterator[Phase]:
        with click.progressbar(length=max(total, 1), label=label.ljust(14), file=self.stream,
                               show_pos=True) as bar:
            class _Bar:
                def advance(self, steps: int = 1) -> None:
                    bar.update(steps)

            yield _Bar()
            bar.update(max(total, 1) - bar.pos)


def progress_for(stream: TextIO, quiet: bool) -> QuietProgress | PlainProgress:
    if quiet:
        return QuietProgress()
    return TerminalProgress(stream) if stream.isatty() else PlainProgress(stream)
