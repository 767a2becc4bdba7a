"""The lock that keeps two builds from writing into one output folder at once.

An fcntl lock (through filelock): a killed build never leaves a stale one
behind. It lives outside the folder (the folder is published), in a folder
private to the user. The speech cache needs no lock: each entry is written
by an atomic rename and checked when read (`cache.py`), so any number of
builds share it.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from .errors import Remedy, WorldError
from .fsutil import private_lock_folder


@contextmanager
def exclusive(output: Path, timeout_s: float) -> Iterator[None]:
    """Hold the output folder for this build alone; a second build refuses (or waits up to
    ``timeout_s``) with a clear message."""
    output_lock = filelock.FileLock(str(output_lock_path(output)))
    try:
        output_lock.acquire(timeout=timeout_s)
    except filelock.Timeout:
        raise WorldError(f"another build is writing to {output}", remedy=Remedy.WAIT) from None
    try:
        yield
    finally:
        output_lock.release()


def output_lock_path(output: Path) -> Path:
    """A lock file per output folder, outside it (the folder gets published)."""
    return private_lock_folder() / f"{hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:24]}.lock"
