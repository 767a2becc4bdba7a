"""Atomic file writes: a reader (or a killed build) never sees half a file."""
from __future__ import annotations

import contextlib
import errno
import fcntl
import getpass
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .errors import WorldError

TEMP_PREFIX = ".audiotour-tmp-"

CLAIM_GRACE_S = 2.0
"""A temporary file younger than this may be between its creation and its writer's claim on it."""


BeforeRename = Callable[[Path], None]
"""Called with the finished temporary file just before it is renamed into place (to journal it)."""


@contextlib.contextmanager
def atomic_path(target: Path, before_rename: BeforeRename | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place on success.

    The writer holds a lock on the temporary file while it lives: in a folder shared without a lock (the
    cache), another build tells a file whose writer was killed from one being written now (`abandoned`).
    """
    handle, temporary = _new_temporary(target)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield temporary
        rename_into_place(temporary, target, before_rename)
    finally:
        temporary.unlink(missing_ok=True)
        os.close(handle)  # the claim ends with the file, whichever way


def abandoned(temporary: Path, now: float) -> bool:
    """True when nobody is writing ``temporary`` any more: its writer's claim is gone (killed, or crashed).

    The kernel drops a process's locks when it dies, however it dies, so no age has to be guessed;
    only a file younger than `CLAIM_GRACE_S` is left alone, as its writer may not have claimed it yet.
    """
    try:
        if now - temporary.lstat().st_mtime < CLAIM_GRACE_S:
            return False
        handle = os.open(temporary, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(handle)
    return True


def temporary_beside(target: Path) -> Path:
    """A new empty file beside ``target``, named so that a later build knows it for a leftover."""
    handle, temporary = _new_temporary(target)
    os.close(handle)
    return temporary


def _new_temporary(target: Path) -> tuple[int, Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=target.suffix, dir=target.parent)
    return handle, Path(name)


def rename_into_place(temporary: Path, target: Path, before_rename: BeforeRename | None = None) -> None:
    os.chmod(temporary, 0o644)
    if before_rename is not None:
        before_rename(temporary)
    os.replace(temporary, target)


def atomic_write_bytes(target: Path, data: bytes, *, durable: bool = True,
                       before_rename: BeforeRename | None = None) -> None:
    """``durable=False`` skips fsync: for caches, where a lost entry is only recomputed."""
    atomic_write_chunks(target, (data,), durable=durable, before_rename=before_rename)


def atomic_write_chunks(target: Path, chunks: Iterable[bytes], *, durable: bool = True,
                        before_rename: BeforeRename | None = None) -> None:
    """`atomic_write_bytes` of the chunks one after the other (never joined into one copy)."""
    with atomic_path(target, before_rename) as temporary:
        with temporary.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
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


def write_if_changed(target: Path, data: bytes, before_rename: BeforeRename | None = None) -> bool:
    """Write atomically unless the file already holds exactly ``data``; True when written.

    A rebuild with nothing changed must leave every file (and its mtime) alone.
    """
    try:
        if target.stat().st_size == len(data) and target.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    atomic_write_bytes(target, data, before_rename=before_rename)
    return True


NEARLY_FULL_BYTES = 1 << 20
"""Less free space than this where a write just failed: the disk is full, whatever the writer said."""


def write_failure_reason(folder: Path, error: BaseException | None = None) -> str | None:
    """Why writing into ``folder`` failed, in the file system's own terms (full, quota, read-only,
    permission), from the error's errno or, when a writer (ffmpeg, a tag library) said something
    else, from the folder itself; None when it is none of those. Call it before removing what the
    failed write left, so that a full disk is still seen full."""
    code = None
    seen: BaseException | None = error
    while seen is not None and code is None:
        code = getattr(seen, "errno", None)
        seen = seen.__cause__ or seen.__context__
    where = folder
    while not where.exists() and where != where.parent:
        where = where.parent
    try:
        space = os.statvfs(where)
    except (OSError, AttributeError):
        space = None
    if code == errno.ENOSPC or (space is not None and space.f_bavail * space.f_frsize < NEARLY_FULL_BYTES):
        return f"no space left on the disk holding {folder}"
    if code == errno.EDQUOT:
        return f"your disk quota is used up (writing in {folder})"
    if code == errno.EROFS or (space is not None and space.f_flag & getattr(os, "ST_RDONLY", 1)):
        return f"{folder} is on a read-only file system"
    if code in (errno.EACCES, errno.EPERM) or (where == folder and not os.access(folder, os.W_OK)):
        return f"no permission to write in {folder}"
    return None


def cannot_write(path: Path, error: BaseException) -> WorldError:
    """A WorldError for a failed write of ``path``, naming the honest cause when it is a known one."""
    reason = write_failure_reason(path.parent, error)
    if reason is None:
        reason = getattr(error, "strerror", None) or (error.reason if isinstance(error, WorldError) else str(error))
    return WorldError(f"cannot write {path}: {reason}")


LOCK_FOLDER_PREFIX = "audiotour-locks-"


def private_lock_folder(base: Path | None = None) -> Path:
    """``$TMPDIR/audiotour-locks-<uid>``, created private or checked to be.

    The folder is shared by the user's builds to lock output folders; in a temporary
    folder other users can write to, someone else could have made it first (and then
    hold or remove our locks). Refused with a WorldError unless it is a real folder
    (not a symbolic link) owned by this user and not writable by anyone else.
    """
    user = os.getuid() if hasattr(os, "getuid") else getpass.getuser()
    folder = (base if base is not None else Path(tempfile.gettempdir())) / f"{LOCK_FOLDER_PREFIX}{user}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise WorldError(f"cannot create the lock folder {folder}: {exc.strerror}") from None
    try:
        info = folder.lstat()
    except OSError as exc:
        raise WorldError(f"cannot use the lock folder {folder}: {exc.strerror}") from None
    fix = "remove it, or set TMPDIR to a folder of your own"
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise WorldError(f"the lock folder {folder} is not a folder but a {_kind(info.st_mode)}; {fix}")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise WorldError(f"the lock folder {folder} belongs to another user (uid {info.st_uid}); {fix}")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise WorldError(f"the lock folder {folder} can be written by other users "
                         f"(mode {stat.S_IMODE(info.st_mode):o}); {fix}")
    return folder


def _kind(mode: int) -> str:
    return "symbolic link" if stat.S_ISLNK(mode) else "file"
