"""Atomic file writes: a reader (or a killed build) never sees half a file."""
from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

TEMP_PREFIX = ".audiotour-tmp-"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_bytes(target: Path, data: bytes, *, durable: bool = True) -> None:
    """``durable=False`` skips fsync: for caches, where a lost entry is only recomputed."""
    with atomic_path(target) as temporary:
        with temporary.open("wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())


def atomic_write_text(target: Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))


def remove_stale_temporaries(folder: Path, *, recursive: bool = False) -> None:
    """Temporary files a killed build left behind (call only while holding the folder's lock)."""
    if folder.is_dir():
        pattern = f"**/{TEMP_PREFIX}*" if recursive else f"{TEMP_PREFIX}*"
        for leftover in folder.glob(pattern):
            leftover.unlink(missing_ok=True)


def write_if_changed(target: Path, data: bytes) -> bool:
    """Write atomically unless the file already holds exactly ``data``; True when written.

    A rebuild with nothing changed must leave every file (and its mtime) alone.
    """
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write_bytes(target, data)
    return True
