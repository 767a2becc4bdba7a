"""The output folder: only plain names, only inside, only what changed, only what is ours.

Every file a build publishes goes through `OutputFolder`, which remembers it:
the build records the list in the manifest, and the next build deletes what
it published before and no longer does. A file that is already there but
that no build of ours wrote (the author's own, a tour built into its own
folder) is never replaced or deleted: the build stops and says so.

Until a build's manifest is written, the names it is about to write are kept
in a small journal beside them, so that an interrupted build's files still
count as ours the next time.
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from .errors import UsageError, WorldError
from .fsutil import atomic_write_text, write_if_changed

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SUBFOLDERS = ("images", "icons")
"""The only folders a build writes into, below the output folder."""
JOURNAL_NAME = ".audiotour-pending.json"


def refuse_dangerous_output(output: Path, tour_folder: Path) -> None:
    """Refuse an output folder a build must never write into, with a UsageError on ``output``.

    The filesystem root, the home folder and the tour's own folder, and any folder holding
    one of them: a build writes and deletes files there, and `serve` publishes the whole
    folder (the tour's sources, or a whole home, would be one click away on the network).
    """
    target = _real(output)
    fix = "build into a folder of its own, e.g. audio_out"
    if target == Path(target.anchor):
        raise UsageError(f"{output} is the filesystem root; {fix}", field="output")
    try:
        home = _real(Path.home())
    except (RuntimeError, KeyError, OSError):
        home = None
    if home is not None and home != Path(home.anchor):
        if target == home:
            raise UsageError(f"{output} is your home folder; {fix}", field="output")
        if home.is_relative_to(target):
            raise UsageError(f"{output} holds your home folder; {fix}", field="output")
    tour = _real(tour_folder)
    inside = f"build into a folder of its own, e.g. {_shown(tour_folder / 'audio_out')}"
    if target == tour:
        raise UsageError(f"{output} is the tour's own folder; {inside}", field="output")
    if tour.is_relative_to(target):
        raise UsageError(f"{output} holds the tour's folder; {inside}", field="output")


def _real(path: Path) -> Path:
    """Absolute, symbolic links followed as far as they exist: what the build would write into."""
    return Path(os.path.realpath(path))


def _shown(path: Path) -> str:
    text = os.path.normpath(path)
    return text if not text.startswith("-") else f"./{text}"


def check_name(name: str) -> str:
    """A relative name that cannot leave the folder: a plain file name, maybe in one of SUBFOLDERS."""
    parts = name.split("/")
    plain = all(_PLAIN_NAME.match(part) for part in parts) and len(name) <= 200
    if not plain or len(parts) > 2 or (len(parts) == 2 and parts[0] not in SUBFOLDERS):
        raise WorldError(f"refusing to publish a file named {name!r}: not a plain file name")
    return name


class OutputFolder:
    def __init__(self, root: Path, owned: Iterable[str] | None = None) -> None:
        """``owned``: names earlier builds wrote here; None trusts every existing file (an old manifest)."""
        self.root = root
        self.written: list[str] = []
        self.kept: set[str] = set()
        self.trust_all = owned is None
        self.owned = set(owned or ()) | self._journal()
        self._journaled = set(self.owned)

    def path(self, name: str) -> Path:
        path = self.root / check_name(name)
        # Belt and braces: a symlinked folder must not carry writes elsewhere either.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise WorldError(f"refusing to write {name!r}: it would land outside {self.root}")
        return path

    def claim(self, names: Iterable[str]) -> None:
        """Before writing ``names``: refuse if one is somebody else's, and journal them."""
        names = [check_name(name) for name in names]
        for name in names:
            path = self.root / name
            if not self.trust_all and name not in self.owned and (path.exists() or path.is_symlink()):
                raise UsageError(f"{path} is already there and audiotour did not write it; move it away, "
                                 "or build into a folder of its own", field="output")
        new = set(names) - self._journaled
        if new:
            self._journaled |= new
            self.owned |= new
            atomic_write_text(self.root / JOURNAL_NAME, json.dumps(sorted(self._journaled)))

    def write(self, name: str, data: bytes) -> None:
        """Write ``name`` unless it already holds ``data``; remember it either way."""
        self.claim([name])
        try:
            if write_if_changed(self.path(name), data):
                self.written.append(name)
        except OSError as exc:
            raise WorldError(f"cannot write {self.root / name}: {exc.strerror}") from None
        self.kept.add(name)

    def remove(self, names: set[str]) -> None:
        """Delete files an earlier build published, and the subfolders that leaves empty."""
        for name in sorted(names):
            try:
                path = self.path(name)
            except WorldError:
                continue
            if path.is_file() and not path.is_symlink():
                path.unlink(missing_ok=True)
        for folder in SUBFOLDERS:
            try:
                (self.root / folder).rmdir()  # only when empty
            except OSError:
                pass

    def done(self) -> None:
        """The manifest now lists what is ours: the journal has served."""
        (self.root / JOURNAL_NAME).unlink(missing_ok=True)

    def _journal(self) -> set[str]:
        try:
            names = json.loads((self.root / JOURNAL_NAME).read_text("utf-8"))
        except (OSError, ValueError):
            return set()
        return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()
