"""Locks that keep two builds from interleaving their writes.

fcntl locks (through filelock): a killed build never leaves a stale one
behind. The output folder's lock lives outside it (the folder is published)
and outside any one cache.
"""
from __future__ import annotations

import getpass
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import filelock

from .errors import Remedy, WorldError

CACHE_LOCK_NAME = ".lock"


@contextmanager
def exclusive(output: Path, cache_dir: Path, timeout_s: float) -> Iterator[None]:
    """Hold the cache and the output folder for this build alone; the second build refuses
    (or waits up to ``timeout_s``) with a clear message."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorldError(f"cannot create the cache folder {cache_dir}: {exc.strerror}") from None
    cache_lock = filelock.FileLock(str(cache_dir / CACHE_LOCK_NAME))
    output_lock = filelock.FileLock(str(output_lock_path(output)))
    try:
        cache_lock.acquire(timeout=timeout_s)
    except filelock.Timeout:
        raise WorldError(f"another build is using the cache {cache_dir}", remedy=Remedy.OTHER_CACHE) from None
    try:
        try:
            output_lock.acquire(timeout=timeout_s)
        except filelock.Timeout:
            raise WorldError(f"another build is writing to {output}", remedy=Remedy.WAIT) from None
        try:
            yield
        finally:
            output_lock.release()
    finally:
        cache_lock.release()


def output_lock_path(output: Path) -> Path:
    """A lock file per output folder, outside it (the folder gets published) and outside any one cache."""
    user = os.getuid() if hasattr(os, "getuid") else getpass.getuser()
    folder = Path(tempfile.gettempdir()) / f"audiotour-locks-{user}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:24]}.lock"
