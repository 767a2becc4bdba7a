"""The build: segments → speech → rendered segments → episode → manifest → publications.

Each stage takes immutable records and returns new ones. A segment is redone
only when its audio fingerprint (engine identity, spoken text, pauses,
loudness, format) changed or its file is gone; its tags are rewritten alone
when only the tour's metadata changed. A rebuild with nothing changed writes
nothing.

Segments are independent, so they render concurrently (`render.py`). The
episode is not encoded again: it is the segments' own frames stitched
together (`episode.py`), so editing one stop re-encodes that stop only.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from ._version import __version__
from .audioformat import BITRATE_KBPS, OUTPUT_SAMPLE_RATE
from .cache import remove_abandoned_temporaries
from .context import BuiltSegment, Cover, PublishContext
from .engines import Engine, VoiceRequest, choose_engine
from .episode import EPISODE_NAME, write_episode
from .errors import Remedy, TourError, UsageError, WorldError, check_stop
from .fsutil import remove_stale_temporaries, write_failure_reason
from .locks import exclusive
from .manifest import (
    MANIFEST_NAME,
    Manifest,
    SegmentRecord,
    SentenceRecord,
    digest,
    read_manifest,
    segment_record_from_json,
    unchanged_file,
    write_manifest,
)
from .outputs import OutputFolder, refuse_dangerous_output
from .progress import Progress, QuietProgress
from .publish import prepare_images
from .publishers import planned_names, publish
from .render import RenderedSegment, SegmentJob, SegmentRenderer
from .segments import Segment, make_segments
from .summary import location_warnings
from .tags import TrackTags, retag
from .tour import LoadedTour

FORMAT_VERSION = "2"
"""Bump when the assembly changes what the same inputs sound like."""


@dataclass(frozen=True)
class BuildOptions:
    output: Path
    cache_dir: Path
    engine: str | None = None
    """None: the tour's `voice.engine`."""
    force: bool = False
    lock_timeout_s: float = 0.0
    base_url: str | None = None
    """Wins over the tour's base_url."""
    jobs: int | None = None
    """Segments rendered at once; None: one per core."""


@dataclass(frozen=True)
class BuildReport:
    manifest: Manifest
    written: list[str] = field(default_factory=list)
    sentences_synthesized: int = 0


EngineFactory = Callable[[str, VoiceRequest, Callable[[str], None]], Engine]


def build(loaded: LoadedTour, options: BuildOptions, progress: Progress | None = None,
          engine_factory: EngineFactory = choose_engine) -> BuildReport:
    progress = progress or QuietProgress()
    tour = loaded.tour
    # The cheap refusals first: no image is read and no network asked for a folder that must never be one.
    refuse_dangerous_output(options.output, loaded.folder)
    _check_output(options.output)
    for warning in location_warnings(loaded):
        progress.say(f"Warning: {warning}")
    segments = make_segments(tour)
    # The user's mistakes surface before anything is created: unreadable images, a language no engine speaks.
    cover = prepare_images(loaded)
    voice = VoiceRequest(language=tour.language, tld=tour.voice.tld, slow=tour.voice.slow)
    try:
        engine = engine_factory(options.engine or tour.voice.engine, voice, progress.say)
    except TourError as exc:
        if exc.path is None and exc.field == "language":
            raise loaded.error(("language",), exc.reason) from None
        raise
    _prepare_output(options.output)
    _prepare_cache(options.cache_dir)
    with exclusive(options.output, options.lock_timeout_s):
        # A build killed mid-write leaves temporary files: in the output nobody else is writing now;
        # in the shared cache, only those old enough that no running build can own them.
        remove_stale_temporaries(options.output)
        remove_abandoned_temporaries(options.cache_dir)
        return _Build(loaded, segments, engine, options, progress, cover).run()


def _check_output(output: Path) -> None:
    """What can be told of the output folder without creating it, before any image is read or any
    network asked: a file in its place, or a folder (or the nearest one that exists) we cannot write in."""
    if output.exists() and not output.is_dir():
        raise UsageError(f"{output} exists and is not a folder", remedy=Remedy.OTHER_OUTPUT)
    existing = output
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing.is_dir() and not os.access(existing, os.W_OK | os.X_OK):
        reason = write_failure_reason(existing) or f"no permission to write in {existing}"
        raise WorldError(f"cannot write the output folder {output}: {reason}")


def _prepare_cache(cache_dir: Path) -> None:
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorldError(f"cannot create the cache folder {cache_dir}: {exc.strerror}") from None


def _prepare_output(output: Path) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UsageError(f"{output} exists and is not a folder", remedy=Remedy.OTHER_OUTPUT) from None
    except OSError as exc:
        raise WorldError(f"cannot create the output folder {output}: {exc.strerror}") from None
    if not os.access(output, os.W_OK):
        reason = write_failure_reason(output)
        raise WorldError(f"cannot write in the output folder {output}: "
                         f"{reason or 'no permission'}".replace(f": {output} is on", ": it is on"))


@dataclass(frozen=True)
class _Build:
    """One build's fixed inputs; `run` passes records from stage to stage."""

    loaded: LoadedTour
    segments: tuple[Segment, ...]
    engine: Engine
    options: BuildOptions
    progress: Progress
    cover: Cover

    def run(self) -> BuildReport:
        output, tour = self.options.output, self.loaded.tour
        # --force redoes everything, but still knows what the last build wrote, to clean it up.
        last = read_manifest(output)
        previous = None if self.options.force else last
        # The year a tour was first published: a new year alone must not retag every file.
        year = (last.year if last and last.year else None) or datetime.now(timezone.utc).year
        folder = OutputFolder(output, owned=_published_before(last))
        # Every name this build may write, checked (never somebody else's file) and journaled up front.
        folder.claim([s.filename for s in self.segments] + [EPISODE_NAME, MANIFEST_NAME]
                     + planned_names([s.stem for s in self.segments], EPISODE_NAME.removesuffix(".mp3")))

        records, written, synthesized = self._segments(previous, year, folder)
        check_stop()
        episode = write_episode(
            output, records, self._episode_tags(year), tour.audio.pauses.segment, self.engine.sample_rate,
            self.options.cache_dir, previous.episode if previous else None,
            [r.start_sample for r in previous.segments] if previous else None,
            before_rename=folder.before_rename(EPISODE_NAME))
        if episode.written:
            written.append(EPISODE_NAME)

        manifest = Manifest(
            tour=tour.title, language=tour.language,
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            episode=episode.record, segments=episode.segments, generator=f"audiotour {__version__}",
            sample_rate=OUTPUT_SAMPLE_RATE, bitrate_kbps=BITRATE_KBPS, year=year,
        )
        base_url = self.options.base_url or tour.base_url
        check_stop()
        written += publish(PublishContext(
            loaded=self.loaded, manifest=manifest,
            segments=tuple(BuiltSegment(s, r) for s, r in zip(self.segments, episode.segments)),
            output=output, base_url=base_url if base_url is None or base_url.endswith("/") else base_url + "/",
            say=self.progress.say, folder=folder, cover=self.cover,
        ))
        files = {r.file for r in episode.segments} | {episode.record.file, MANIFEST_NAME} | folder.kept
        manifest = replace(manifest, files=tuple(sorted(files)))
        check_stop()
        folder.remove(folder.owned - files)
        if not manifest.same_build_as(previous):
            write_manifest(output, manifest)
            written.append(MANIFEST_NAME)
        folder.done()
        return BuildReport(manifest=manifest, written=written, sentences_synthesized=synthesized)

    # -- segments -----------------------------------------------------------------

    def _segments(self, previous: Manifest | None, year: int,
                  folder: OutputFolder) -> tuple[list[SegmentRecord], list[str], int]:
        """Every segment's record, rendering those whose audio changed: the records, the files written,
        the sentences synthesised."""
        known = {r.file: r for r in previous.segments} if previous else {}
        if not self.options.force:
            # What an interrupted build finished since (journaled as written) is newer than the manifest.
            for name, data in folder.journaled_segments().items():
                record = segment_record_from_json(data)
                if record is not None:
                    known[name] = record
        fingerprints = {s.index: self._audio_fingerprint(s) for s in self.segments}
        reusable = {s.index: known[s.filename] for s in self.segments
                    if _up_to_date(self.options.output / s.filename, fingerprints[s.index], known.get(s.filename))}
        todo = [s for s in self.segments if s.index not in reusable]
        records: list[SegmentRecord] = []
        written: list[str] = []
        synthesized = 0
        renderer = SegmentRenderer(self.engine, self.options.cache_dir, self.options.jobs, self.progress.say)
        with self.progress.phase("segments", len(todo)) as phase, renderer:
            pending = {s.index: renderer.submit(self._job(s, fingerprints[s.index], year)) for s in todo}
            for segment in self.segments:
                check_stop()
                if segment.index in pending:
                    rendered = pending[segment.index].result()
                    for warning in rendered.warnings:
                        self.progress.say(warning)
                    record = self._record(segment, rendered)
                    assert rendered.temporary is not None
                    folder.put(rendered.temporary, segment.filename, asdict(record))
                    records.append(record)
                    written.append(segment.filename)
                    synthesized += rendered.sentences_synthesized
                    phase.advance()
                else:
                    record, retagged = self._refreshed(segment, reusable[segment.index], year, folder)
                    records.append(record)
                    if retagged:
                        written.append(segment.filename)
        return records, written, synthesized

    def _audio_fingerprint(self, segment: Segment) -> str:
        audio = self.loaded.tour.audio
        return digest({
            "format": FORMAT_VERSION, "rate": self.engine.sample_rate, "out": OUTPUT_SAMPLE_RATE,
            "kbps": BITRATE_KBPS, "engine": self.engine.cache_identity, "loudness": audio.loudness,
            "pauses": [audio.pauses.sentence, audio.pauses.paragraph],
            "text": [[s.spoken for s in p] for p in segment.paragraphs],
        })

    def _segment_tags(self, segment: Segment, year: int) -> TrackTags:
        tour = self.loaded.tour
        return TrackTags(title=segment.title, album=tour.title, artist=tour.author, track=segment.number,
                         track_count=len(self.segments), language=tour.language, year=year,
                         comment=tour.description, cover_jpeg=self.cover.jpeg)

    def _episode_tags(self, year: int) -> TrackTags:
        tour = self.loaded.tour
        return TrackTags(title=tour.title, album=tour.title, artist=tour.author, track=1, track_count=1,
                         language=tour.language, year=year, comment=tour.description, cover_jpeg=self.cover.jpeg)

    def _job(self, segment: Segment, fingerprint: str, year: int) -> SegmentJob:
        pauses = self.loaded.tour.audio.pauses
        return SegmentJob(
            segment=segment, fingerprint=fingerprint, tags=self._segment_tags(segment, year),
            target=self.options.output / segment.filename, loudness=self.loaded.tour.audio.loudness,
            sentence_pause_s=pauses.sentence, paragraph_pause_s=pauses.paragraph,
        )

    def _record(self, segment: Segment, rendered: RenderedSegment) -> SegmentRecord:
        return SegmentRecord(
            id=segment.id, title=segment.title, file=segment.filename, start_s=0.0,
            duration_s=round(rendered.output_samples / OUTPUT_SAMPLE_RATE, 3),
            engine=self.engine.name, voice=self.engine.voice_label, text_sha256=segment.text_sha256,
            synthesized=rendered.sentences_synthesized > 0, kind=segment.kind,
            samples=rendered.output_samples, size_bytes=rendered.size_bytes, mtime_ns=rendered.mtime_ns,
            loudness_lufs=_rounded(rendered.loudness_lufs), true_peak_dbtp=_rounded(rendered.true_peak_dbtp),
            audio_fingerprint=rendered.fingerprint, tags_fingerprint=digest(rendered.tags.fingerprint_data()),
            sentences=_sentences(rendered.sentence_spans, segment),
        )

    def _refreshed(self, segment: Segment, record: SegmentRecord, year: int,
                   folder: OutputFolder) -> tuple[SegmentRecord, bool]:
        """An unchanged segment keeps its audio; its tags are rewritten only if the metadata moved."""
        tags = self._segment_tags(segment, year)
        tags_fingerprint = digest(tags.fingerprint_data())
        record = replace(record, synthesized=False, title=segment.title, id=segment.id, kind=segment.kind,
                         sentences=_sentences([(x.start_s, x.end_s) for x in record.sentences], segment))
        if tags_fingerprint == record.tags_fingerprint:
            return record, False
        size, mtime_ns = retag(self.options.output / segment.filename, tags,
                               before_rename=folder.before_rename(segment.filename))
        return replace(record, size_bytes=size, mtime_ns=mtime_ns, tags_fingerprint=tags_fingerprint), True


def _sentences(spans: Sequence[tuple[float, float]], segment: Segment) -> tuple[SentenceRecord, ...]:
    # Spans fresh from rendering are rounded here; spans read back from a manifest already are.
    return tuple(SentenceRecord(round(a, 3), round(b, 3), s.written) for (a, b), s in zip(spans, segment.sentences))


def _published_before(last: Manifest | None) -> set[str] | None:
    """What the last build wrote: only that may be replaced or removed, whatever else the folder holds.

    None for a manifest older than the `files` list: then every file there is taken as ours.
    """
    if last is None:
        return set()
    return set(last.files) if last.files else None


def _up_to_date(path: Path, fingerprint: str, record: SegmentRecord | None) -> bool:
    if record is None or record.audio_fingerprint != fingerprint:
        return False
    return unchanged_file(path, record.size_bytes, record.mtime_ns)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
