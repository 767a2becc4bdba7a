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
from .mp3stitch import NotStitchable, stitch_files
from .render import encode_pause
from .tags import Chapter, TrackTags, retag, write_tags

EPISODE_NAME = "tour.mp3"


@dataclass(frozen=True)
class Episode:
    record: EpisodeRecord
    segments: tuple[SegmentRecord, ...]
    """The segments' records with where each starts in the episode."""
    written: bool


def write_episode(output: Path, records: Sequence[SegmentRecord], tags: TrackTags, gap_s: float, rate: int,
                  cache_dir: Path, previous: EpisodeRecord | None,
                  previous_starts: Sequence[int] | None, before_rename: BeforeRename | None = None) -> Episode:
    """Stitch ``records``' files with ``gap_s`` of silence between them, unless the episode on disk is that already."""
    fingerprint = digest({"gap": gap_s, "rate": rate, "kbps": BITRATE_KBPS,
                          "segments": [(r.audio_fingerprint, r.size_bytes) for r in records]})
    target = output / EPISODE_NAME
    if (previous is not None and previous_starts is not None and previous.audio_fingerprint == fingerprint
            and unchanged_file(target, previous.size_bytes, previous.mtime_ns)):
        # The same segments in the same order: where each starts has not moved, only the tags may have.
        placed = _placed(records, previous_starts)
        chapters = _chapters(placed, previous.samples)
        tags_fingerprint = _tags_fingerprint(tags, chapters)
        if previous.tags_fingerprint == tags_fingerprint:
            return Episode(previous, placed, written=False)
        size, mtime_ns = retag(target, tags, chapters, before_rename=before_rename)
        retagged = EpisodeRecord(EPISODE_NAME, previous.duration_s, previous.samples, size,
                                 previous.audio_fingerprint, tags_fingerprint, mtime_ns)
        return Episode(retagged, placed, written=True)

    gap = encode_pause(gap_s, rate, cache_dir)
    sources: list[Path | bytes] = []
    for index, segment in enumerate(records):
        if index:
            sources.append(gap)
        sources.append(output / segment.file)
    with atomic_path(target, before_rename) as temporary:
        try:
            samples, stream_starts = stitch_files(sources, temporary)
        except NotStitchable as exc:
            raise WorldError(f"cannot join the segments into {EPISODE_NAME} ({exc}); a segment file was changed "
                             "by hand?", remedy=Remedy.FORCE) from None
        placed = _placed(records, stream_starts[::2])
        chapters = _chapters(placed, samples)
        write_tags(temporary, tags, chapters)
        written = temporary.stat()
    record = EpisodeRecord(EPISODE_NAME, round(samples / OUTPUT_SAMPLE_RATE, 3), samples, written.st_size,
                           fingerprint, _tags_fingerprint(tags, chapters), written.st_mtime_ns)
    return Episode(record, placed, written=True)


def _placed(records: Sequence[SegmentRecord], starts: Sequence[int]) -> tuple[SegmentRecord, ...]:
    return tuple(replace(r, start_sample=start, start_s=round(start / OUTPUT_SAMPLE_RATE, 3))
                 for r, start in zip(records, starts))


def _chapters(records: Sequence[SegmentRecord], total: int) -> list[Chapter]:
    chapters = []
    for index, record in enumerate(records):
        end = records[index + 1].start_sample if index + 1 < len(records) else total
        chapters.append(Chapter(f"chp{index:03d}", record.title, _ms(record.start_sample), _ms(end)))
    return chapters


def _tags_fingerprint(tags: TrackTags, chapters: Sequence[Chapter]) -> str:
    return digest({"tags": tags.fingerprint_data(), "chapters": [c.__dict__ for c in chapters]})


def _ms(samples: int) -> int:
    return int(round(samples * 1000 / OUTPUT_SAMPLE_RATE))
