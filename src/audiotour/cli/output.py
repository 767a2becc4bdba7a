"""What the command line prints on stderr: progress, and errors as one line.

The core raises typed errors and calls a `Progress`; only here do they become
text that names the command line's own options.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

import click

from ..errors import AudiotourError, Remedy, TourError
from ..progress import Counter, Phase, QuietProgress

OPTIONS = {"output": "-o", "base_url": "--base-url", "engine": "--engine", "jobs": "--jobs", "stop": "--stop"}
"""The build's argument names as this command line spells them."""

REMEDIES = {
    Remedy.FORCE: "rebuild with --force",
    Remedy.OTHER_ENGINE: "use --engine espeak, offline",
    Remedy.OTHER_OUTPUT: "choose another output with -o",
    Remedy.WAIT: "wait for it to finish",
}


def error_line(exc: AudiotourError) -> str:
    """``Error: file:line: field: reason; what to do``: one line, in this command line's words."""
    text = exc.reason
    if isinstance(exc, TourError):
        # A field of the tour file keeps its name; an argument of the build is named as its option.
        field = OPTIONS.get(exc.field or "", exc.field) if exc.path is None else exc.field
        located = TourError(text, path=exc.path, line=exc.line, column=exc.column, field=field)
        text = str(located)
    if exc.remedy is not None:
        text += f"; {REMEDIES[exc.remedy]}"
    return f"Error: {text}"


class PlainProgress:
    """One line when a phase starts and one when it ends: readable in CI logs."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr

    @contextmanager
    def phase(self, label: str, total: int) -> Iterator[Phase]:
        started = time.monotonic()
        counter = Counter()
        click.echo(f"{label}: {total}…", file=self.stream)
        yield counter
        click.echo(f"{label}: done in {time.monotonic() - started:.1f} s", file=self.stream)

    def say(self, message: str) -> None:
        click.echo(message, file=self.stream)


class TerminalProgress(PlainProgress):
    @contextmanager
    def phase(self, label: str, total: int) -> Iterator[Phase]:
        bar: click._termui_impl.ProgressBar[int]
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
