"""The episode: the segments' own frames stitched into `tour.mp3`, with ID3 chapters.

Nothing is encoded again: an encoded pause goes between segments, and the
chapters start where each segment's frames start, exactly. Only the tags are
rewritten when only the tour's metadata changed.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .audioformat import BITRATE_KBPS, OUTPUT_SAMPLE_RATE
from .errors import Remedy, WorldError
from .fsutil import BeforeRename, atomic_path
from .manifest import EpisodeRecord, SegmentRecord, digest, unchanged_file
from .mp3stitch import NotStitchable, Stream, parse, stitch_files
from .render import encode_pause
from .tags import Chapter, TrackTags, retag, write_tags

EPISODE_NAME = "tour.mp3"


@dataclass(frozen=True)
class Episode:
    record: EpisodeRecord
    segments: tuple[SegmentRecord, ...]
    """The segments' records with where each starts in the episode."""
    written: bool


@dataclass(frozen=True)
class ChapterExtras:
    """What a chapter shows besides its title: the stop's picture and link."""

    image_jpeg: bytes | None = None
    url: str | None = None


def write_episode(output: Path, records: Sequence[SegmentRecord], tags: TrackTags, gap_s: float, rate: int,
                  cache_dir: Path, previous: EpisodeRecord | None,
                  previous_starts: Sequence[int] | None,
                  extras: Sequence[ChapterExtras] | None = None, before_rename: BeforeRename | None = None) -> Episode:
    """Stitch ``records``' files with ``gap_s`` of silence between them, unless the episode on disk is that already.

    ``extras``: per record, the chapter's picture and link (ID3 APIC and WXXX inside its CHAP)."""
    fingerprint = digest({"gap": gap_s, "rate": rate, "kbps": BITRATE_KBPS, "edges": 2,
                          "segments": [(r.audio_fingerprint, r.size_bytes) for r in records]})
    target = output / EPISODE_NAME
    if (previous is not None and previous_starts is not None and previous.audio_fingerprint == fingerprint
            and unchanged_file(target, previous.size_bytes, previous.mtime_ns)):
        # The same segments in the same order: where each starts has not moved, only the tags may have.
        placed = _placed(records, previous_starts)
        chapters = _chapters(placed, previous.samples, extras)
        tags_fingerprint = _tags_fingerprint(tags, chapters)
        if previous.tags_fingerprint == tags_fingerprint:
            return Episode(previous, placed, written=False)
        size, mtime_ns = retag(target, tags, chapters, before_rename=before_rename)
        retagged = EpisodeRecord(EPISODE_NAME, previous.duration_s, previous.samples, size,
                                 previous.audio_fingerprint, tags_fingerprint, mtime_ns)
        return Episode(retagged, placed, written=True)

    sources: list[Path | bytes] = []
    streams = [_stream(output / r.file) for r in records]
    for index, segment in enumerate(records):
        if index:
            sources.append(_pause(gap_s, records[index - 1], streams[index - 1], segment, streams[index], rate,
                                  cache_dir))
        sources.append(output / segment.file)
    with atomic_path(target, before_rename) as temporary:
        try:
            samples, stream_starts = stitch_files(sources, temporary)
        except NotStitchable as exc:
            raise WorldError(f"cannot join the segments into {EPISODE_NAME} ({exc}); a segment file was changed "
                             "by hand?", remedy=Remedy.FORCE) from None
        placed = _placed(records, stream_starts[::2])
        chapters = _chapters(placed, samples, extras)
        write_tags(temporary, tags, chapters)
        written = temporary.stat()
    record = EpisodeRecord(EPISODE_NAME, round(samples / OUTPUT_SAMPLE_RATE, 3), samples, written.st_size,
                           fingerprint, _tags_fingerprint(tags, chapters), written.st_mtime_ns)
    return Episode(record, placed, written=True)


def _stream(path: Path) -> Stream | None:
    """The segment's stream described (its frames let go: every segment's would be held at once)."""
    try:
        return replace(parse(path.read_bytes()), audio=memoryview(b""))
    except (OSError, NotStitchable):
        return None  # stitching says what is wrong with it


def _pause(gap_s: float, before: SegmentRecord, before_stream: Stream | None, after: SegmentRecord,
           after_stream: Stream | None, rate: int, cache_dir: Path) -> bytes:
    """The encoded silence between two segments such that a listener hears ``gap_s`` of silence, within half
    an MP3 frame: the segments' own silent edges, the encoder's padding at the end of the one and its delay
    at the start of the other are silence heard too, and so is every sample of the pause's own frames."""
    if before_stream is None or after_stream is None:
        return encode_pause(gap_s, rate, cache_dir)
    frame = before_stream.format.samples_per_frame
    heard = (before.trail_s + after.lead_s) * OUTPUT_SAMPLE_RATE + before_stream.padding + after_stream.delay
    frames = max(1, round((gap_s * OUTPUT_SAMPLE_RATE - heard) / frame))
    # Encoded from as many samples as fill those frames after the encoder's own delay.
    samples = frames * frame - before_stream.delay - frame // 4
    for _ in range(3):
        data = encode_pause(samples / OUTPUT_SAMPLE_RATE, rate, cache_dir)
        got = parse(data).frames
        if got == frames:
            break
        samples += (frames - got) * frame
    return data


def _placed(records: Sequence[SegmentRecord], starts: Sequence[int]) -> tuple[SegmentRecord, ...]:
    return tuple(replace(r, start_sample=start, start_s=round(start / OUTPUT_SAMPLE_RATE, 3))
                 for r, start in zip(records, starts))


def _chapters(records: Sequence[SegmentRecord], total: int,
              extras: Sequence[ChapterExtras] | None = None) -> list[Chapter]:
    chapters = []
    for index, record in enumerate(records):
        end = records[index + 1].start_sample if index + 1 < len(records) else total
        extra = extras[index] if extras is not None and index < len(extras) else ChapterExtras()
        chapters.append(Chapter(f"chp{index:03d}", record.title, _ms(record.start_sample), _ms(end),
                                extra.image_jpeg, extra.url))
    return chapters


def _tags_fingerprint(tags: TrackTags, chapters: Sequence[Chapter]) -> str:
    return digest({"tags": tags.fingerprint_data(), "chapters": [c.fingerprint_data() for c in chapters]})


def _ms(samples: int) -> int:
    return int(round(samples * 1000 / OUTPUT_SAMPLE_RATE))
