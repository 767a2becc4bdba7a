"""Content-addressed store of synthesised speech, verified on every read.

A sentence's audio is found by the hash of the engine's identity (engine,
version, voice, speed) and the exact text it was given, so a rebuild asks an
engine only for what is new. Entries are WAV files (they carry their sample
rate, and a curious user can listen to them), written atomically as soon as
each sentence is done so an interrupted build loses nothing.

Each entry also carries, in a chunk of its own that players skip, its key, the
length of its samples and their SHA-256. An entry that does not match (cut
short, a flipped bit, noise, another entry's file, or one written by an
audiotour that did not check) is discarded with a warning and synthesised
again: a damaged cache costs time, never a damaged tour.

Every writer writes a whole entry under a temporary name and renames it into
place, so any number of builds can share one cache without a lock: a reader
sees the old entry, the new one, or none.
"""
from __future__ import annotations

import hashlib
import os
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from .engines import Speech
from .fsutil import TEMP_PREFIX, abandoned, atomic_write_chunks, write_failure_reason

Warn = Callable[[str], None]

ENTRY_SUFFIX = ".wav"
CHECK_CHUNK = b"atck"
"""The chunk that makes an entry verifiable; WAV readers skip chunks they do not know."""
CHECK_VERSION = 1
_CHECK = struct.Struct("<HHQ32s32s")
"""Version, zero, sample bytes, the entry's key, SHA-256 of rate and samples."""
_FORMAT = struct.Struct("<HHIIHH")
"""PCM, channels, rate, byte rate, block align, bits per sample."""
_HEADER_SIZE = 12 + 8 + _FORMAT.size + 8 + _CHECK.size + 8
TOUCH_AFTER_S = 24 * 3600
"""A used entry's time is refreshed at most this often: its age is the time since a build last needed it."""


def default_cache_dir() -> Path:
    explicit = os.environ.get("AUDIOTOUR_CACHE")
    if explicit:
        return Path(explicit)
    return Path(platformdirs.user_cache_dir("audiotour", appauthor=False))


class BadEntry(Exception):
    """An entry that cannot be trusted; the message says why."""


class UncheckedEntry(BadEntry):
    """A WAV without our checksum: most likely written by an audiotour before entries carried one."""


def encode_entry(key: str, speech: Speech) -> bytes:
    """A mono 16-bit WAV holding ``speech``, with the chunk that lets `decode_entry` verify it."""
    return b"".join(_entry_parts(key, speech))


def _entry_parts(key: str, speech: Speech) -> tuple[bytes, bytes]:
    """`encode_entry` as its header and its samples, not joined: a long sentence's are not copied."""
    pcm = speech.pcm
    if len(pcm) % 2:
        raise ValueError("16-bit samples come in pairs of bytes")
    check = _CHECK.pack(CHECK_VERSION, 0, len(pcm), bytes.fromhex(key), _digest(speech.sample_rate, pcm))
    fmt = _FORMAT.pack(1, 1, speech.sample_rate, speech.sample_rate * 2, 2, 16)
    body = (b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
            + CHECK_CHUNK + struct.pack("<I", len(check)) + check
            + b"data" + struct.pack("<I", len(pcm)))
    return b"RIFF" + struct.pack("<I", len(body) + len(pcm)) + body, pcm


def decode_entry(key: str, data: bytes) -> Speech:
    """The speech in an entry written by `encode_entry` for ``key``; BadEntry for anything else."""
    return _decode(key, len(data), lambda a, b: data[a:b])


def read_entry(key: str, path: Path) -> Speech:
    """`decode_entry` of the file at ``path``, its samples read straight into their own bytes (no copy of them
    is made: a long sentence's take as much memory as they are long, not twice that). OSError if unreadable."""
    with path.open("rb") as handle:
        def read(a: int, b: int) -> bytes:
            handle.seek(a)
            return handle.read(b - a)

        return _decode(key, os.fstat(handle.fileno()).st_size, read)


def _decode(key: str, length: int, read: Callable[[int, int], bytes]) -> Speech:
    """`decode_entry` of ``length`` bytes, ``read(a, b)`` giving those from ``a`` to ``b``."""
    start = read(0, 12) if length >= _HEADER_SIZE else b""
    if len(start) < 12 or start[:4] != b"RIFF" or start[8:12] != b"WAVE":
        raise BadEntry("not a WAV file")
    (riff_size,) = struct.unpack_from("<I", start, 4)
    if riff_size != length - 8:
        raise BadEntry(f"{length} bytes where the header says {riff_size + 8}")
    chunks: dict[bytes, bytes] = {}
    offset = 12
    while offset + 8 <= length:
        header = read(offset, offset + 8)
        name = header[:4]
        (size,) = struct.unpack_from("<I", header, 4)
        if offset + 8 + size > length:
            raise BadEntry(f"a chunk of {size} bytes where {length - offset - 8} are left")
        chunks[name] = read(offset + 8, offset + 8 + size)
        offset += 8 + size + (size & 1)
    if offset != length:
        raise BadEntry(f"{length - offset} stray bytes at the end")
    if CHECK_CHUNK not in chunks:
        raise UncheckedEntry("no checksum (written by an older audiotour, or not by audiotour)")
    check, fmt, pcm = chunks[CHECK_CHUNK], chunks.get(b"fmt "), chunks.get(b"data")
    if len(check) != _CHECK.size or fmt is None or len(fmt) != _FORMAT.size or pcm is None:
        raise BadEntry("an incomplete header")
    version, zero, samples_length, owner, digest = _CHECK.unpack(check)
    if version != CHECK_VERSION or zero:
        raise BadEntry(f"written in format {version}, not {CHECK_VERSION}")
    if owner != bytes.fromhex(key):
        raise BadEntry("the entry of another sentence")
    tag, channels, rate, byte_rate, align, bits = _FORMAT.unpack(fmt)
    if (tag, channels, byte_rate, align, bits) != (1, 1, 2 * rate, 2, 16) or not 1000 <= rate <= 192_000:
        raise BadEntry("a format header that is not mono 16-bit audio")
    if len(pcm) != samples_length:
        raise BadEntry(f"{len(pcm)} bytes of audio where {samples_length} were written")
    if _digest(rate, pcm) != digest:
        raise BadEntry("audio that does not match its checksum")
    return Speech(pcm=pcm, sample_rate=rate)


def _digest(rate: int, pcm: bytes) -> bytes:
    digest = hashlib.sha256(struct.pack("<I", rate))
    digest.update(pcm)
    return digest.digest()


class SpeechCache:
    def __init__(self, root: Path, on_warning: Warn | None = None) -> None:
        """``on_warning`` hears of each entry found damaged (the build passes its progress output)."""
        self.root = root
        self.on_warning = on_warning
        self._told_unchecked = False
        self._unwritable = False

    @staticmethod
    def key(engine_identity: str, text: str) -> str:
        digest = hashlib.sha256()
        digest.update(engine_identity.encode("utf-8"))
        digest.update(b"\0")
        digest.update(text.encode("utf-8"))
        return digest.hexdigest()

    def _path(self, key: str) -> Path:
        return self.root / "speech" / key[:2] / f"{key}{ENTRY_SUFFIX}"

    def get(self, key: str) -> Speech | None:
        """The cached speech for ``key``; None when there is none or it cannot be trusted (then it is removed)."""
        path = self._path(key)
        try:
            speech = read_entry(key, path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            self._warn(f"cannot read the cached speech {path} ({exc.strerror}); synthesising it again")
            return None
        except UncheckedEntry:
            # After an upgrade every entry is one: say it once, not once per sentence.
            if not self._told_unchecked:
                self._told_unchecked = True
                self._warn(f"the cache {self.root} holds speech from an older audiotour, without checksums; "
                           "it is synthesised again as needed ('audiotour cache verify' removes it all at once)")
            _remove(path)
            return None
        except BadEntry as exc:
            self._warn(f"discarded the cached speech {path}: {exc}; synthesising it again")
            _remove(path)
            return None
        _touch(path)
        return speech

    def put(self, key: str, speech: Speech) -> None:
        """Store an entry; a cache that cannot be written (full, read-only) is said once and the build
        goes on without it."""
        if self._unwritable:
            return
        try:
            atomic_write_chunks(self._path(key), _entry_parts(key, speech), durable=False)
        except OSError as exc:
            self._unwritable = True
            reason = write_failure_reason(self.root, exc) or exc.strerror or str(exc)
            self._warn(f"cannot store speech in the cache {self.root}: {reason}; the build goes on without "
                       "caching (an interrupted build will synthesise again)")

    def _warn(self, message: str) -> None:
        if self.on_warning is not None:
            self.on_warning(message)


# -- the cache as a whole: `audiotour cache info | prune | verify` ------------------

@dataclass(frozen=True)
class CacheInfo:
    root: Path
    entries: int
    """Files in the cache: sentences, and the pauses the episode is stitched with."""
    size_bytes: int
    oldest_age_s: float | None
    """Since the least recently used entry was last used; None when the cache is empty."""
    newest_age_s: float | None


@dataclass(frozen=True)
class Pruned:
    removed: int
    freed_bytes: int
    left: CacheInfo


@dataclass(frozen=True)
class Verified:
    checked: int
    removed: tuple[tuple[Path, str], ...]
    """Each damaged or foreign entry removed, and why."""
    unchecked: int = 0
    """Entries without a checksum (an older audiotour's) removed: counted, not listed."""


@dataclass(frozen=True)
class _File:
    path: Path
    size: int
    mtime: float


def cache_info(root: Path | None = None, *, now: float | None = None) -> CacheInfo:
    root = default_cache_dir() if root is None else root
    files = list(_entries(root))
    now = time.time() if now is None else now
    ages = [now - f.mtime for f in files]
    return CacheInfo(root, len(files), sum(f.size for f in files), max(ages, default=None),
                     min(ages, default=None))


def prune(root: Path | None = None, *, older_than_s: float | None = None, max_bytes: int | None = None,
          now: float | None = None) -> Pruned:
    """Remove entries unused for ``older_than_s``, then the least recently used until at most ``max_bytes``.

    Safe while builds run: one that needs a removed entry synthesises it again.
    """
    root = default_cache_dir() if root is None else root
    now = time.time() if now is None else now
    files = sorted(_entries(root), key=lambda f: f.mtime)  # least recently used first
    keep: list[_File] = []
    removed = freed = 0
    for entry in files:
        if older_than_s is not None and now - entry.mtime > older_than_s:
            removed, freed = removed + 1, freed + _remove(entry.path, entry.size)
        else:
            keep.append(entry)
    total = sum(f.size for f in keep)
    while max_bytes is not None and keep and total > max_bytes:
        entry = keep.pop(0)
        total -= entry.size
        removed, freed = removed + 1, freed + _remove(entry.path, entry.size)
    _remove_stale_temporaries(root, now)
    _remove_empty_folders(root)
    return Pruned(removed, freed, cache_info(root, now=now))


def verify(root: Path | None = None) -> Verified:
    """Read every speech entry; remove those that are damaged, foreign, or not entries at all."""
    root = default_cache_dir() if root is None else root
    checked = unchecked = 0
    removed: list[tuple[Path, str]] = []
    speech = root / "speech"
    for path in sorted(speech.rglob("*")) if speech.is_dir() else []:
        if path.name.startswith(TEMP_PREFIX) or not path.is_file() or path.is_symlink():
            continue
        checked += 1
        key = path.name.removesuffix(ENTRY_SUFFIX)
        try:
            if not (path.suffix == ENTRY_SUFFIX and len(key) == 64 and path.parent.name == key[:2]):
                raise BadEntry("not a cache entry")
            bytes.fromhex(key)
            read_entry(key, path)
        except UncheckedEntry:
            unchecked += 1
            _remove(path)
        except (BadEntry, ValueError) as exc:
            removed.append((path, str(exc) if isinstance(exc, BadEntry) else "not a cache entry"))
            _remove(path)
        except OSError:
            continue  # gone meanwhile (a prune), or unreadable: nothing to say about its content
    _remove_empty_folders(root)
    return Verified(checked, tuple(removed), unchecked)


def remove_abandoned_temporaries(root: Path) -> None:
    """Temporary files killed writers left behind; those another build is writing now stay."""
    _remove_stale_temporaries(root, time.time())


def _entries(root: Path) -> Iterator[_File]:
    for folder in (root / "speech", root / "pauses"):
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.name.startswith(TEMP_PREFIX):
                continue
            try:
                info = path.lstat()
            except OSError:
                continue
            if path.is_file() and not path.is_symlink():
                yield _File(path, info.st_size, info.st_mtime)


def _remove_stale_temporaries(root: Path, now: float) -> None:
    if not root.is_dir():
        return
    for path in root.rglob(f"{TEMP_PREFIX}*"):
        if abandoned(path, now):
            path.unlink(missing_ok=True)


def _remove_empty_folders(root: Path) -> None:
    speech = root / "speech"
    if speech.is_dir():
        for folder in speech.iterdir():
            try:
                folder.rmdir()  # only when empty
            except OSError:
                pass


def _remove(path: Path, size: int = 0) -> int:
    try:
        path.unlink()
    except OSError:
        return 0
    return size


def _touch(path: Path) -> None:
    """Mark an entry used now (so `prune --older-than` keeps what builds still need); cheap when recent."""
    try:
        if time.time() - path.stat().st_mtime > TOUCH_AFTER_S:
            os.utime(path)
    except OSError:
        pass  # a read-only shared cache still serves
