"""The build: script → speech → segments → episode → manifest → publications.

A segment is redone only when its audio fingerprint (engine identity, spoken
text, pauses, loudness, format) changed or its file is gone; its tags are
rewritten alone when only the tour's metadata changed. A rebuild with nothing
changed writes nothing.

Segments are independent, so they render concurrently (`render.py`). The
episode is not encoded again: it is the segments' own frames stitched
together (`mp3stitch.py`), so editing one stop re-encodes that stop only.
"""
from __future__ import annotations

import getpass
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import filelock

from . import __version__
from .artifacts import PublishContext, planned_names, publish
from .engines import Engine, VoiceRequest, choose_engine
from .errors import TourError, WorldError
from .fsutil import atomic_path, remove_stale_temporaries
from .manifest import (
    MANIFEST_NAME,
    EpisodeRecord,
    Manifest,
    SegmentRecord,
    SentenceRecord,
    read_manifest,
    write_manifest,
)
from .mp3stitch import NotStitchable, stitch_files
from .outputs import OutputFolder
from .progress import Progress, QuietProgress
from .publish import Cover, prepare_images
from .render import (
    BITRATE_KBPS,
    OUTPUT_SAMPLE_RATE,
    RenderedSegment,
    SegmentJob,
    SegmentRenderer,
    encode_pause,
)
from .script import Part, make_script
from .tags import Chapter, TrackTags, write_tags
from .tour import LoadedTour

EPISODE_NAME = "tour.mp3"
CACHE_LOCK_NAME = ".lock"
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
    """--base-url; wins over the tour's base_url."""
    jobs: int | None = None
    """Segments rendered at once; None: one per core."""


@dataclass
class BuildReport:
    manifest: Manifest
    written: list[str] = field(default_factory=list)
    sentences_synthesized: int = 0


EngineFactory = Callable[[str, VoiceRequest, Callable[[str], None]], Engine]


def build(loaded: LoadedTour, options: BuildOptions, progress: Progress | None = None,
          engine_factory: EngineFactory = choose_engine) -> BuildReport:
    progress = progress or QuietProgress()
    tour = loaded.tour
    parts = make_script(tour)
    # The user's mistakes surface before anything is created: unreadable images, a language no engine speaks.
    cover = prepare_images(loaded)
    voice = VoiceRequest(language=tour.language, tld=tour.voice.tld, slow=tour.voice.slow)
    try:
        engine = engine_factory(options.engine or tour.voice.engine, voice, progress.say)
    except TourError as exc:
        if exc.path is None and exc.field == "language":
            raise loaded.error(("language",), exc.reason) from None
        raise
    output = options.output
    _prepare_output(output)
    with _exclusive(output, options.cache_dir, options.lock_timeout_s):
        # A build killed mid-write leaves temporary files; nobody else is writing now.
        remove_stale_temporaries(output)
        for part in ("speech", "pauses", ""):
            remove_stale_temporaries(options.cache_dir / part, recursive=part == "speech")
        return _Builder(loaded, parts, engine, options, progress, cover).run()


def _prepare_output(output: Path) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise TourError(f"{output} exists and is not a folder; choose another output with -o") from None
    except OSError as exc:
        raise WorldError(f"cannot create the output folder {output}: {exc.strerror}") from None
    if not os.access(output, os.W_OK):
        raise WorldError(f"the output folder {output} is not writable")


@contextmanager
def _exclusive(output: Path, cache_dir: Path, timeout_s: float) -> Iterator[None]:
    """Hold the cache and the output folder for this build alone.

    Two builds sharing either would interleave writes; the second one refuses
    (or waits up to ``timeout_s``) with a clear message. The locks are fcntl
    locks, so a killed build never leaves a stale one behind.
    """
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WorldError(f"cannot create the cache folder {cache_dir}: {exc.strerror}") from None
    cache_lock = filelock.FileLock(str(cache_dir / CACHE_LOCK_NAME))
    output_lock = filelock.FileLock(str(_output_lock_path(output)))
    try:
        cache_lock.acquire(timeout=timeout_s)
    except filelock.Timeout:
        raise WorldError(f"another build is using the cache {cache_dir}; wait for it to finish, "
                         "or set AUDIOTOUR_CACHE to another folder") from None
    try:
        try:
            output_lock.acquire(timeout=timeout_s)
        except filelock.Timeout:
            raise WorldError(f"another build is writing to {output}; wait for it to finish") from None
        try:
            yield
        finally:
            output_lock.release()
    finally:
        cache_lock.release()


def _output_lock_path(output: Path) -> Path:
    """A lock file per output folder, outside it (the folder gets published) and outside any one cache."""
    user = os.getuid() if hasattr(os, "getuid") else getpass.getuser()
    folder = Path(tempfile.gettempdir()) / f"audiotour-locks-{user}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:24]}.lock"


class _Builder:
    def __init__(self, loaded: LoadedTour, parts: list[Part], engine: Engine, options: BuildOptions,
                 progress: Progress, cover: Cover) -> None:
        self.loaded = loaded
        self.tour = loaded.tour
        self.cover = cover
        self.parts = parts
        self.engine = engine
        self.options = options
        self.progress = progress
        self.output = options.output
        # --force redoes everything, but still knows what the last build wrote, to clean it up.
        self.last = read_manifest(self.output)
        self.previous = None if options.force else self.last
        self.rate = engine.sample_rate
        # The year a tour was first published: a new year alone must not retag every file.
        self.year = (self.last.year if self.last and self.last.year else None) or datetime.now(timezone.utc).year
        self.folder = OutputFolder(self.output, owned=self._published_before())
        self.written: list[str] = []
        self.sentences_synthesized = 0

    # -- what each part is ----------------------------------------------------------

    def audio_fingerprint(self, part: Part) -> str:
        pauses = self.tour.audio.pauses
        return _digest({
            "format": FORMAT_VERSION, "rate": self.rate, "out": OUTPUT_SAMPLE_RATE, "kbps": BITRATE_KBPS,
            "engine": self.engine.cache_identity, "loudness": self.tour.audio.loudness,
            "pauses": [pauses.sentence, pauses.paragraph],
            "text": [[s.spoken for s in p] for p in part.paragraphs],
        })

    def segment_tags(self, part: Part) -> TrackTags:
        return TrackTags(title=part.title, album=self.tour.title, artist=self.tour.author,
                         track=part.index + 1, track_count=len(self.parts), language=self.tour.language,
                         year=self.year, comment=self.tour.description, cover_jpeg=self.cover.jpeg)

    def job(self, part: Part, fingerprint: str) -> SegmentJob:
        pauses = self.tour.audio.pauses
        return SegmentJob(
            part=part, fingerprint=fingerprint, tags=self.segment_tags(part),
            target=self.output / part.filename,
            loudness=self.tour.audio.loudness, sentence_pause_s=pauses.sentence,
            paragraph_pause_s=pauses.paragraph,
        )

    # -- the pipeline -------------------------------------------------------------

    def run(self) -> BuildReport:
        previous = {s.file: s for s in self.previous.segments} if self.previous else {}
        fingerprints = {p.index: self.audio_fingerprint(p) for p in self.parts}
        unchanged = {p.index: previous[p.filename] for p in self.parts
                     if self._up_to_date(p, fingerprints[p.index], previous.get(p.filename))}
        todo = [p for p in self.parts if p.index not in unchanged]
        # Every name this build may write, checked (never somebody else's file) and journaled up front.
        stems = [p.filename.removesuffix(".mp3") for p in self.parts]
        self.folder.claim([p.filename for p in self.parts] + [EPISODE_NAME, MANIFEST_NAME]
                          + planned_names(stems, EPISODE_NAME.removesuffix(".mp3")))

        records: dict[int, SegmentRecord] = {}
        with self.progress.phase("segments", len(todo)) as phase, \
                SegmentRenderer(self.engine, self.options.cache_dir, self.options.jobs) as renderer:
            pending = {p.index: renderer.submit(self.job(p, fingerprints[p.index])) for p in todo}
            for part in self.parts:
                if part.index in pending:
                    records[part.index] = self._record(part, pending[part.index].result())
                    phase.advance()
                else:
                    records[part.index] = self._refresh(part, unchanged[part.index])
        ordered = [records[p.index] for p in self.parts]
        episode = self._write_episode(ordered)

        manifest = Manifest(
            tour=self.tour.title, language=self.tour.language,
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            episode=episode, segments=ordered,
            generator=f"audiotour {__version__}", sample_rate=OUTPUT_SAMPLE_RATE, bitrate_kbps=BITRATE_KBPS,
        )
        folder = self.folder
        base_url = self.options.base_url or self.tour.base_url
        publish(PublishContext(
            loaded=self.loaded, manifest=manifest, output=self.output,
            base_url=base_url if base_url is None or base_url.endswith("/") else base_url + "/",
            say=self.progress.say, folder=folder, cover=self.cover,
        ))
        self.written += folder.written
        manifest.files = sorted({r.file for r in ordered} | {episode.file, MANIFEST_NAME} | folder.kept)
        manifest.year = self.year
        folder.remove(folder.owned - set(manifest.files))
        if not manifest.same_build_as(self.previous):
            write_manifest(self.output, manifest)
            self.written.append(MANIFEST_NAME)
        folder.done()
        return BuildReport(manifest=manifest, written=self.written, sentences_synthesized=self.sentences_synthesized)

    def _published_before(self) -> set[str] | None:
        """What the last build wrote: only that may be replaced or removed, whatever else the folder holds.

        None for a manifest older than the `files` list: then every file there is taken as ours.
        """
        if self.last is None:
            return set()
        if self.last.files:
            return set(self.last.files)
        return None

    def _up_to_date(self, part: Part, fingerprint: str, record: SegmentRecord | None) -> bool:
        if record is None or record.audio_fingerprint != fingerprint:
            return False
        return _unchanged(self.output / part.filename, record.size_bytes, record.mtime_ns)

    def _record(self, part: Part, rendered: RenderedSegment) -> SegmentRecord:
        self.written.append(part.filename)
        self.sentences_synthesized += rendered.sentences_synthesized
        return SegmentRecord(
            id=part.id, title=part.title, file=part.filename, start_s=0.0,
            duration_s=round(rendered.output_samples / OUTPUT_SAMPLE_RATE, 3),
            engine=self.engine.name, voice=self.engine.voice_label, text_sha256=part.text_sha256,
            synthesized=rendered.sentences_synthesized > 0, kind=part.kind,
            samples=rendered.output_samples, size_bytes=rendered.size_bytes,
            mtime_ns=rendered.mtime_ns,
            loudness_lufs=_rounded(rendered.loudness_lufs), true_peak_dbtp=_rounded(rendered.true_peak_dbtp),
            audio_fingerprint=rendered.fingerprint, tags_fingerprint=_digest(rendered.tags.fingerprint_data()),
            sentences=[SentenceRecord(round(a, 3), round(b, 3), s.written)
                       for (a, b), s in zip(rendered.sentence_spans, part.sentences)],
        )

    def _refresh(self, part: Part, record: SegmentRecord) -> SegmentRecord:
        """An unchanged segment: keep its audio, rewrite tags only if the metadata moved."""
        tags = self.segment_tags(part)
        tags_fingerprint = _digest(tags.fingerprint_data())
        record.synthesized = False
        record.title, record.id, record.kind = part.title, part.id, part.kind
        record.sentences = [SentenceRecord(x.start_s, x.end_s, s.written)
                            for x, s in zip(record.sentences, part.sentences)]
        if tags_fingerprint != record.tags_fingerprint:
            record.size_bytes, record.mtime_ns = self._retag(self.output / part.filename, tags)
            record.tags_fingerprint = tags_fingerprint
            self.written.append(part.filename)
        return record

    def _retag(self, target: Path, tags: TrackTags, chapters: list[Chapter] | None = None) -> tuple[int, int]:
        """Rewrite ``target``'s tags; its new size and modification time."""
        with atomic_path(target) as temporary:
            temporary.write_bytes(target.read_bytes())
            write_tags(temporary, tags, chapters or ())
            written = temporary.stat()
        return written.st_size, written.st_mtime_ns

    # -- the episode ----------------------------------------------------------------

    def _write_episode(self, records: list[SegmentRecord]) -> EpisodeRecord:
        """Stitch the segments' frames, with an encoded pause between them, into tour.mp3."""
        gap_s = self.tour.audio.pauses.segment
        fingerprint = _digest({"gap": gap_s, "rate": self.rate, "kbps": BITRATE_KBPS,
                               "segments": [(r.audio_fingerprint, r.size_bytes) for r in records]})
        old = self.previous.episode if self.previous else None
        target = self.output / EPISODE_NAME
        current = bool(old and old.audio_fingerprint == fingerprint
                       and _unchanged(target, old.size_bytes, old.mtime_ns))
        if current:
            assert old is not None and self.previous is not None
            # The same segments in the same order: where each starts has not moved.
            samples, starts = old.samples, [r.start_sample for r in self.previous.segments]
        else:
            gap = encode_pause(gap_s, self.rate, self.options.cache_dir)
            sources: list[Path | bytes] = []
            for index, record in enumerate(records):
                if index:
                    sources.append(gap)
                sources.append(self.output / record.file)
            with atomic_path(target) as temporary:
                try:
                    samples, stream_starts = stitch_files(sources, temporary)
                except NotStitchable as exc:
                    raise WorldError(f"cannot join the segments into {EPISODE_NAME} ({exc}); "
                                     "a segment file was changed by hand? build again with --force") from None
                starts = stream_starts[::2]
                tags, chapters, tags_fingerprint = self._episode_tags(records, starts, samples)
                write_tags(temporary, tags, chapters)
                written = temporary.stat()
            self.written.append(EPISODE_NAME)
            return EpisodeRecord(EPISODE_NAME, round(samples / OUTPUT_SAMPLE_RATE, 3), samples, written.st_size,
                                 fingerprint, tags_fingerprint, written.st_mtime_ns)
        tags, chapters, tags_fingerprint = self._episode_tags(records, starts, samples)
        if old.tags_fingerprint == tags_fingerprint:
            return old
        size, mtime_ns = self._retag(target, tags, chapters)
        self.written.append(EPISODE_NAME)
        return EpisodeRecord(EPISODE_NAME, old.duration_s, old.samples, size, old.audio_fingerprint, tags_fingerprint,
                             mtime_ns)

    def _episode_tags(self, records: list[SegmentRecord], starts: list[int],
                      total: int) -> tuple[TrackTags, list[Chapter], str]:
        chapters = []
        for index, record in enumerate(records):
            record.start_sample = starts[index]
            record.start_s = round(starts[index] / OUTPUT_SAMPLE_RATE, 3)
            end = starts[index + 1] if index + 1 < len(records) else total
            chapters.append(Chapter(f"chp{index:03d}", record.title, _ms(starts[index]), _ms(end)))
        tags = TrackTags(title=self.tour.title, album=self.tour.title, artist=self.tour.author, track=1,
                         track_count=1, language=self.tour.language, year=self.year,
                         comment=self.tour.description, cover_jpeg=self.cover.jpeg)
        return tags, chapters, _digest({"tags": tags.fingerprint_data(), "chapters": [c.__dict__ for c in chapters]})


def _unchanged(path: Path, size: int, mtime_ns: int) -> bool:
    """The file is the one a build recorded (a rewrite by an interrupted build changes its time)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    return stat.st_size == size and stat.st_mtime_ns == mtime_ns


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _ms(samples: int) -> int:
    return int(round(samples * 1000 / OUTPUT_SAMPLE_RATE))


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:32]
