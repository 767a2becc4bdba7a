"""ID3 tags and chapters, written with mutagen as ID3v2.3 (the widest player support)."""
from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mutagen import MutagenError
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TIT2,
    TLAN,
    TPE1,
    TPE2,
    TRCK,
    TYER,
    WXXX,
    CTOCFlags,
    PictureType,
)

from .errors import WorldError
from .fsutil import BeforeRename, atomic_path, write_failure_reason
from .lang.codes import iso639_2

GENRE = "Speech"
"""ID3v1 genre 101: podcast apps and phones file it with spoken word."""


@dataclass(frozen=True)
class TrackTags:
    title: str
    album: str
    artist: str
    track: int
    track_count: int
    language: str
    year: int | None
    comment: str
    cover_jpeg: bytes | None = field(default=None, repr=False)
    credits: tuple[str, ...] = ()
    """Who made the music and sounds: a comment of its own ("credits")."""

    def fingerprint_data(self) -> dict[str, object]:
        """What the tags say, with the cover as its hash rather than its bytes."""
        data: dict[str, object] = {k: v for k, v in self.__dict__.items() if k != "cover_jpeg"}
        data["cover_sha256"] = hashlib.sha256(self.cover_jpeg).hexdigest() if self.cover_jpeg else None
        return data


@dataclass(frozen=True)
class Chapter:
    element_id: str
    title: str
    start_ms: int
    end_ms: int
    image_jpeg: bytes | None = field(default=None, repr=False)
    """The chapter's picture (an APIC inside its CHAP): Overcast, Pocket Casts and Podcast Addict show it."""
    url: str | None = None
    """Where to read more (a WXXX inside its CHAP)."""

    def fingerprint_data(self) -> dict[str, object]:
        data: dict[str, object] = {k: v for k, v in self.__dict__.items() if k != "image_jpeg"}
        data["image_sha256"] = hashlib.sha256(self.image_jpeg).hexdigest() if self.image_jpeg else None
        return data


def retag(target: Path, tags: TrackTags, chapters: Sequence[Chapter] = (),
          before_rename: BeforeRename | None = None) -> tuple[int, int]:
    """Rewrite ``target``'s tags, atomically; its new size and modification time."""
    with atomic_path(target, before_rename) as temporary:
        temporary.write_bytes(target.read_bytes())
        write_tags(temporary, tags, chapters)
        written = temporary.stat()
    return written.st_size, written.st_mtime_ns


def write_tags(path: Path, tags: TrackTags, chapters: Sequence[Chapter] = ()) -> None:
    language = iso639_2(tags.language)
    id3 = ID3()
    id3.add(TIT2(encoding=1, text=tags.title))
    id3.add(TALB(encoding=1, text=tags.album))
    id3.add(TPE1(encoding=1, text=tags.artist))
    id3.add(TPE2(encoding=1, text=tags.artist))
    id3.add(TRCK(encoding=1, text=f"{tags.track}/{tags.track_count}"))
    id3.add(TLAN(encoding=1, text=language))
    id3.add(TCON(encoding=1, text=GENRE))
    if tags.year is not None:
        id3.add(TYER(encoding=1, text=str(tags.year)))
    id3.add(COMM(encoding=1, lang=language, desc="", text=tags.comment))
    if tags.credits:
        id3.add(COMM(encoding=1, lang=language, desc="credits", text=" / ".join(tags.credits)))
    if tags.cover_jpeg:
        id3.add(APIC(encoding=0, mime="image/jpeg", type=PictureType.COVER_FRONT, desc="", data=tags.cover_jpeg))
    if chapters:
        _add_tables_of_contents(id3, tags.album, chapters)
        for chapter in chapters:
            # Offsets 0xFFFFFFFF mean "use the times": players seek by milliseconds.
            sub_frames: list[object] = [TIT2(encoding=1, text=chapter.title)]
            if chapter.url:
                sub_frames.append(WXXX(encoding=0, desc="", url=chapter.url))
            if chapter.image_jpeg:
                sub_frames.append(APIC(encoding=0, mime="image/jpeg", type=PictureType.OTHER, desc="",
                                       data=chapter.image_jpeg))
            id3.add(CHAP(element_id=chapter.element_id, start_time=chapter.start_ms, end_time=chapter.end_ms,
                         start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF, sub_frames=sub_frames))
    try:
        id3.save(str(path), v2_version=3, v23_sep="/")
        if chapters:
            _chapters_in_time_order(path)
    except (OSError, MutagenError) as exc:
        reason = write_failure_reason(path.parent, exc) or getattr(exc, "strerror", None) or str(exc)
        raise WorldError(f"cannot write tags to {path}: {reason}") from None


MAX_TOC_ENTRIES = 255
"""A CTOC frame counts its entries in one byte."""


def _add_tables_of_contents(id3: ID3, title: str, chapters: Sequence[Chapter]) -> None:
    """One table of contents; past 255 chapters, a top table of tables of 255 chapters each (ID3v2
    chapters allow nesting; players that read only the top one still find every CHAP frame)."""
    ordered = CTOCFlags.ORDERED
    ids = [c.element_id for c in chapters]
    if len(ids) <= MAX_TOC_ENTRIES:
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | ordered, child_element_ids=ids,
                     sub_frames=[TIT2(encoding=1, text=title)]))
        return
    groups = [list(range(start, min(start + MAX_TOC_ENTRIES, len(ids))))
              for start in range(0, len(ids), MAX_TOC_ENTRIES)]
    if len(groups) > MAX_TOC_ENTRIES:
        raise ValueError(f"{len(ids)} chapters are more than two levels of tables of contents hold")
    tables = []
    for number, group in enumerate(groups, start=1):
        element_id = f"toc{number:03d}"
        tables.append(element_id)
        id3.add(CTOC(element_id=element_id, flags=ordered, child_element_ids=[ids[i] for i in group],
                     sub_frames=[TIT2(encoding=1, text=f"{group[0] + 1}–{group[-1] + 1}: "
                                                       f"{chapters[group[0]].title}")]))
    id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | ordered, child_element_ids=tables,
                 sub_frames=[TIT2(encoding=1, text=title)]))


def _chapters_in_time_order(path: Path) -> None:
    """Put the CHAP frames in the order they play.

    mutagen orders frames by size, so chapters land in the tag shuffled; the
    CTOC gives their order, but players and ffprobe that list CHAP frames as
    they find them would show them shuffled. The CHAP frames swap places
    among themselves, in place: same frames, same size.
    """
    with path.open("r+b") as handle:
        header = handle.read(10)
        if header[:3] != b"ID3" or header[3] != 3 or header[5] & 0xC0:
            return  # not the plain v2.3 tag just written (no unsynchronisation, no extended header)
        size = header[6] << 21 | header[7] << 14 | header[8] << 7 | header[9]
        tag = handle.read(size)
        frames, position = [], 0
        while position + 10 <= len(tag) and tag[position] != 0:
            length = 10 + int.from_bytes(tag[position + 4 : position + 8], "big")
            frames.append(tag[position : position + length])
            position += length
        chapters = iter(sorted((f for f in frames if f[:4] == b"CHAP"), key=_chapter_start))
        handle.seek(10)
        handle.write(b"".join(next(chapters) if f[:4] == b"CHAP" else f for f in frames))


def _chapter_start(frame: bytes) -> int:
    element_end = frame.index(b"\0", 10)
    return int.from_bytes(frame[element_end + 1 : element_end + 5], "big")
