"""The output folder as publishers see it: only plain names, only inside, only what changed.

Every file a build publishes goes through `OutputFolder.write`, which also
remembers it: the build records the list in the manifest, and the next build
deletes what it published before and no longer does. Nothing else in the
folder is ever touched, whatever its name.
"""
from __future__ import annotations

import re
from pathlib import Path

from .errors import WorldError
from .fsutil import write_if_changed

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SUBFOLDERS = ("images", "icons")
"""The only folders a build writes into, below the output folder."""


def check_name(name: str) -> str:
    """A relative name that cannot leave the folder: a plain file name, maybe in one of SUBFOLDERS."""
    parts = name.split("/")
    plain = all(_PLAIN_NAME.match(part) for part in parts) and len(name) <= 200
    if not plain or len(parts) > 2 or (len(parts) == 2 and parts[0] not in SUBFOLDERS):
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
        if not path.resolve().is_relative_to(self.root.resolve()):
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

    def remove(self, names: set[str]) -> None:
        """Delete files an earlier build published (plain names only, as ever)."""
        for name in sorted(names):
            try:
                path = self.path(name)
            except WorldError:
                continue
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
