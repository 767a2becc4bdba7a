"""The output folder as publishers see it: only plain names, only inside, only what changed."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import WorldError
from ..fsutil import write_if_changed

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def check_name(name: str) -> str:
    """A name that cannot leave the folder: no separator, no leading dot, nothing odd."""
    if not _PLAIN_NAME.match(name) or len(name) > 200:
        raise WorldError(f"refusing to publish a file named {name!r}: not a plain file name")
    return name


class OutputFolder:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.written: list[str] = []
        self.kept: set[str] = set()

    def path(self, name: str) -> Path:
        path = self.root / check_name(name)
        # Belt and braces: a symlinked folder must not carry writes elsewhere either.
        if path.resolve().parent != self.root.resolve():
            raise WorldError(f"refusing to write {name!r}: it would land outside {self.root}")
        return path

    def write(self, name: str, data: bytes) -> None:
        """Write ``name`` unless it already holds ``data``; remember it either way."""
        try:
            if write_if_changed(self.path(name), data):
                self.written.append(name)
        except OSError as exc:
            raise WorldError(f"cannot write {self.root / name}: {exc.strerror}") from None
        self.kept.add(name)

    def remove_stale(self, pattern: re.Pattern[str]) -> list[str]:
        """Files matching ``pattern`` that this run did not write: left by a stop since removed or moved."""
        removed = []
        for path in sorted(self.root.iterdir()):
            if pattern.fullmatch(path.name) and path.name not in self.kept and path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path.name)
        return removed
