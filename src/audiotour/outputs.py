"""The output folder: only plain names, only inside, only what changed, only what is ours.

Every file a build publishes goes through `OutputFolder`, which remembers it:
the build records the list in the manifest, and the next build deletes what
it published before and no longer does. A file that is already there but
that no build of ours wrote (the author's own, a tour built into its own
folder) is never replaced or deleted: the build stops and says so.

Until a build's manifest is written, each file it writes is entered in a
small journal beside them just before it is renamed into place: its name, size,
time and inode (a rename keeps all three), and for a segment its record. The
next build counts as ours only the journaled files still exactly as written (a
file the user put there since, under the same name, is not, and is never
deleted), and reuses journaled segments whose audio is still what it needs: an
interrupted build resumes without encoding again what it had finished.
"""
from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import UsageError, WorldError
from .fsutil import BeforeRename, rename_into_place, write_if_changed

_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
SUBFOLDERS = ("images", "icons")
"""The only folders a build writes into, below the output folder."""
JOURNAL_NAME = ".audiotour-pending.json"
JOURNAL_FORMAT = 2


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
        self._journal, planned = self._read_journal()
        self.owned = set(owned or ()) | set(self._journal) | planned

    def journaled_segments(self) -> dict[str, dict[str, Any]]:
        """The segments an interrupted build finished here (as journaled, still as written): name → record."""
        return {name: entry["segment"] for name, entry in self._journal.items()
                if isinstance(entry.get("segment"), dict)}

    def before_rename(self, name: str, segment: dict[str, Any] | None = None) -> BeforeRename:
        """What to call with ``name``'s finished temporary file just before it is renamed into place:
        journals it (as ours, and ``segment``'s record for a resumed build to reuse)."""
        def journal(temporary: Path) -> None:
            info = temporary.stat()
            entry: dict[str, Any] = {"size": info.st_size, "mtime_ns": info.st_mtime_ns, "inode": info.st_ino}
            if segment is not None:
                entry["segment"] = segment
            self._journal[name] = entry
            self.owned.add(name)
            # One line appended per file (rewriting the whole journal each time grows with the square of the
            # files); a line cut by a kill is skipped when read. Written before the rename, so never behind it.
            line = json.dumps({"format": JOURNAL_FORMAT, "name": name, **entry}, ensure_ascii=False) + "\n"
            try:
                with (self.root / JOURNAL_NAME).open("a", encoding="utf-8") as handle:
                    handle.write(line)
            except OSError as exc:
                raise WorldError(f"cannot write {self.root / JOURNAL_NAME}: {exc.strerror}") from None
        return journal

    def put(self, temporary: Path, name: str, segment: dict[str, Any] | None = None) -> None:
        """Rename a finished temporary file (beside ``name``) into place, journaled first."""
        rename_into_place(temporary, self.path(name), self.before_rename(name, segment))

    def path(self, name: str) -> Path:
        path = self.root / check_name(name)
        # Belt and braces: a symlinked folder must not carry writes elsewhere either.
        if not path.resolve().is_relative_to(self.root.resolve()):
            raise WorldError(f"refusing to write {name!r}: it would land outside {self.root}")
        return path

    def claim(self, names: Iterable[str]) -> None:
        """Before writing ``names``: refuse if one is somebody else's."""
        names = [check_name(name) for name in names]
        for name in names:
            path = self.root / name
            if not self.trust_all and name not in self.owned and (path.exists() or path.is_symlink()):
                raise UsageError(f"{path} is already there and audiotour did not write it; move it away, "
                                 "or build into a folder of its own", field="output")

    def write(self, name: str, data: bytes) -> None:
        """Write ``name`` unless it already holds ``data``; remember it either way."""
        self.claim([name])
        try:
            if write_if_changed(self.path(name), data, self.before_rename(name)):
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

    def _read_journal(self) -> tuple[dict[str, dict[str, Any]], set[str]]:
        """The journaled files still exactly as written; and the names an older audiotour's journal
        planned (a list, trusted as it was then)."""
        try:
            text = (self.root / JOURNAL_NAME).read_text("utf-8")
        except (OSError, ValueError):
            return {}, set()
        try:
            planned = json.loads(text)
        except ValueError:
            planned = None
        if isinstance(planned, list):
            return {}, {n for n in planned if isinstance(n, str)}
        files: dict[str, Any] = {}
        for line in text.splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # the last line, cut by a kill
            if isinstance(entry, dict) and entry.get("format") == JOURNAL_FORMAT and isinstance(entry.get("name"), str):
                files[entry.pop("name")] = entry
        kept = {}
        for name, entry in files.items():
            try:
                info = (self.root / check_name(name)).lstat()
            except (OSError, WorldError):
                continue
            if (isinstance(entry, dict) and stat.S_ISREG(info.st_mode) and entry.get("size") == info.st_size
                    and entry.get("mtime_ns") == info.st_mtime_ns and entry.get("inode") == info.st_ino):
                kept[name] = entry
        return kept, set()
