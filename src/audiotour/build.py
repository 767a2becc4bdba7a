"""The build: script → speech → segments → episode → manifest.

A segment is redone only when its audio fingerprint (engine identity, spoken
text, pauses, loudness, format) changed or its file is gone; its tags are
rewritten alone when only the tour's metadata changed. A rebuild with nothing
changed writes nothing.
"""
from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import filelock

from . import __version__, ffmpeg
from .audio import (
    BITRATE_KBPS,
    SAMPLE_RATE,
    AssembledSegment,
    Pauses,
    assemble,
    normalize_loudness,
    prepare_sentence,
    silence,
)
from .artifacts import PublishContext, publish
from .cache import SpeechCache
from .engines import Engine, VoiceRequest, choose_engine
from .errors import TourError, WorldError
from .fsutil import atomic_path, atomic_write_bytes, remove_stale_temporaries
from .manifest import EpisodeRecord, Manifest, SegmentRecord, SentenceRecord, read_manifest, write_manifest
from .progress import Progress, QuietProgress
from .script import Part, make_script
from .tags import Chapter, TrackTags, write_tags
from .tour import LoadedTour, Tour

EPISODE_NAME = "tour.mp3"
FORMAT_VERSION = "1"
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


@dataclass
class BuildReport:
    manifest: Manifest
    written: list[str] = field(default_factory=list)
    sentences_synthesized: int = 0


def build(loaded: LoadedTour, options: BuildOptions, progress: Progress | None = None,
          engine_factory: Callable[[str, VoiceRequest, Callable[[str], None]], Engine] = choose_engine) -> BuildReport:
    progress = progress or QuietProgress()
    tour = loaded.tour
    parts = make_script(tour)
    output = options.output
    _prepare_output(output)
    # The lock lives in the cache, not in a folder the user will publish.
    lock_id = hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:16]
    (options.cache_dir / "locks").mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(str(options.cache_dir / "locks" / f"{lock_id}.lock"))
    try:
        lock.acquire(timeout=options.lock_timeout_s)
    except filelock.Timeout:
        raise WorldError(f"another build is writing to {output}; wait for it to finish") from None
    try:
        remove_stale_temporaries(output)
        voice = VoiceRequest(language=tour.language, tld=tour.voice.tld, slow=tour.voice.slow)
        engine = engine_factory(options.engine or tour.voice.engine, voice, progress.say)
        report = _Builder(tour, parts, engine, options, progress).run()
        base_url = options.base_url or tour.base_url
        report.written += publish(PublishContext(
            loaded=loaded, manifest=report.manifest, output=output,
            base_url=base_url if base_url is None or base_url.endswith("/") else base_url + "/",
            say=progress.say,
        ))
        return report
    finally:
        lock.release()


def _prepare_output(output: Path) -> None:
    try:
        output.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise TourError(f"{output} exists and is not a folder; choose another output with -o") from None
    except OSError as exc:
        raise WorldError(f"cannot create the output folder {output}: {exc.strerror}") from None
    if not os.access(output, os.W_OK):
        raise WorldError(f"the output folder {output} is not writable")


class _Builder:
    def __init__(self, tour: Tour, parts: list[Part], engine: Engine, options: BuildOptions,
                 progress: Progress) -> None:
        self.tour = tour
        self.parts = parts
        self.engine = engine
        self.options = options
        self.progress = progress
        self.output = options.output
        self.cache = SpeechCache(options.cache_dir)
        self.previous = None if options.force else read_manifest(self.output)
        self.pauses = Pauses(tour.audio.pauses.sentence, tour.audio.pauses.paragraph)
        self.year = datetime.now(timezone.utc).year
        self.report_written: list[str] = []
        self.sentences_synthesized = 0

    # -- fingerprints -------------------------------------------------------------

    def audio_fingerprint(self, part: Part) -> str:
        return _digest({
            "format": FORMAT_VERSION, "rate": SAMPLE_RATE, "kbps": BITRATE_KBPS,
            "engine": self.engine.cache_identity, "loudness": self.tour.audio.loudness,
            "pauses": [self.pauses.sentence_s, self.pauses.paragraph_s],
            "text": [[s.spoken for s in p] for p in part.paragraphs],
        })

    def segment_tags(self, part: Part) -> TrackTags:
        return TrackTags(title=part.title, album=self.tour.title, artist=self.tour.author,
                         track=part.index + 1, track_count=len(self.parts), language=self.tour.language,
                         year=self.year, comment=self.tour.description)

    # -- the pipeline -------------------------------------------------------------

    def run(self) -> BuildReport:
        previous_by_file = {s.file: s for s in self.previous.segments} if self.previous else {}
        fingerprints = {p.index: self.audio_fingerprint(p) for p in self.parts}
        todo = [p for p in self.parts if not self._up_to_date(p, fingerprints[p.index], previous_by_file)]
        records: dict[int, SegmentRecord] = {}
        assembled: dict[int, AssembledSegment] = {}

        with self.progress.phase("speech", sum(len(p.sentences) for p in todo)) as phase:
            for part in todo:
                assembled[part.index] = self._render(part, fingerprints[part.index], phase.advance)

        with self.progress.phase("segments", len(self.parts)) as phase:
            for part in self.parts:
                fingerprint = fingerprints[part.index]
                if part.index in assembled:
                    records[part.index] = self._write_segment(part, fingerprint, assembled[part.index])
                else:
                    records[part.index] = self._refresh_segment(part, previous_by_file[part.filename])
                phase.advance()

        ordered = [records[p.index] for p in self.parts]
        with self.progress.phase("episode", 1) as phase:
            episode = self._write_episode(ordered, assembled)
            phase.advance()

        manifest = Manifest(
            tour=self.tour.title, language=self.tour.language,
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            episode=episode, segments=ordered, generator=f"audiotour {__version__}",
            sample_rate=SAMPLE_RATE, bitrate_kbps=BITRATE_KBPS,
        )
        self._remove_stale(manifest)
        if not manifest.same_build_as(self.previous):
            write_manifest(self.output, manifest)
            self.report_written.append("manifest.json")
        return BuildReport(manifest=manifest, written=self.report_written,
                           sentences_synthesized=self.sentences_synthesized)

    def _up_to_date(self, part: Part, fingerprint: str, previous: dict[str, SegmentRecord]) -> bool:
        record = previous.get(part.filename)
        if record is None or record.audio_fingerprint != fingerprint:
            return False
        path = self.output / part.filename
        return path.is_file() and path.stat().st_size == record.size_bytes

    def _render(self, part: Part, fingerprint: str, advance: Callable[[int], None]) -> AssembledSegment:
        paragraphs = []
        for paragraph in part.paragraphs:
            sounds = []
            for sentence in paragraph:
                key = SpeechCache.key(self.engine.cache_identity, sentence.spoken)
                speech = self.cache.get(key)
                if speech is None:
                    speech = self.engine.synthesize(sentence.spoken)
                    self.cache.put(key, speech)
                    self.sentences_synthesized += 1
                sounds.append(prepare_sentence(speech))
                advance(1)
            paragraphs.append(sounds)
        sound, spans = assemble(paragraphs, self.pauses)
        sound = normalize_loudness(sound, self.tour.audio.loudness)
        segment = AssembledSegment(pcm=sound.raw_data, sentence_spans=tuple(spans))
        atomic_write_bytes(self._pcm_path(fingerprint), segment.pcm)
        return segment

    def _pcm_path(self, fingerprint: str) -> Path:
        return self.options.cache_dir / "segments" / f"{fingerprint}.pcm"

    def _write_segment(self, part: Part, fingerprint: str, segment: AssembledSegment) -> SegmentRecord:
        tags = self.segment_tags(part)
        target = self.output / part.filename
        with atomic_path(target) as temporary:
            ffmpeg.encode_mp3([segment.pcm], temporary, sample_rate=SAMPLE_RATE, bitrate_kbps=BITRATE_KBPS)
            write_tags(temporary, tags)
            size = temporary.stat().st_size
        self.report_written.append(part.filename)
        written = [s.written for s in part.sentences]
        return SegmentRecord(
            id=part.id, title=part.title, file=part.filename, start_s=0.0,
            duration_s=round(segment.duration_s, 3), engine=self.engine.name, voice=self.engine.voice_label,
            text_sha256=part.text_sha256, synthesized=True, kind=part.kind, samples=segment.samples,
            size_bytes=size, audio_fingerprint=fingerprint, tags_fingerprint=_digest(tags.__dict__),
            sentences=[SentenceRecord(round(a, 3), round(b, 3), text)
                       for (a, b), text in zip(segment.sentence_spans, written)],
        )

    def _refresh_segment(self, part: Part, record: SegmentRecord) -> SegmentRecord:
        """An unchanged segment: keep its audio, rewrite tags only if the metadata moved."""
        tags = self.segment_tags(part)
        tags_fingerprint = _digest(tags.__dict__)
        record.synthesized = False
        record.title, record.id, record.kind = part.title, part.id, part.kind
        record.sentences = [SentenceRecord(x.start_s, x.end_s, s.written)
                            for x, s in zip(record.sentences, part.sentences)]
        if tags_fingerprint != record.tags_fingerprint:
            target = self.output / part.filename
            with atomic_path(target) as temporary:
                temporary.write_bytes(target.read_bytes())
                write_tags(temporary, tags)
                record.size_bytes = temporary.stat().st_size
            record.tags_fingerprint = tags_fingerprint
            self.report_written.append(part.filename)
        return record

    def _segment_pcm(self, record: SegmentRecord, assembled: dict[int, AssembledSegment]) -> Iterator[bytes]:
        part = next(p for p in self.parts if p.filename == record.file)
        if part.index in assembled:
            yield assembled[part.index].pcm
            return
        path = self._pcm_path(record.audio_fingerprint)
        try:
            yield path.read_bytes()
        except FileNotFoundError:
            # The cache was cleared: assemble again from the speech cache (or the engine).
            yield self._render(part, record.audio_fingerprint, lambda _: None).pcm

    def _write_episode(self, records: list[SegmentRecord], assembled: dict[int, AssembledSegment]) -> EpisodeRecord:
        gap_samples = int(round(self.tour.audio.pauses.segment * SAMPLE_RATE))
        position = 0
        chapters = []
        for index, record in enumerate(records):
            record.start_s = round(position / SAMPLE_RATE, 3)
            end = position + record.samples + (gap_samples if index < len(records) - 1 else 0)
            chapters.append(Chapter(f"chp{index:03d}", record.title, _ms(position), _ms(end)))
            position = end
        total_samples = position
        fingerprint = _digest({"gap": gap_samples, "segments": [r.audio_fingerprint for r in records]})
        tags = TrackTags(title=self.tour.title, album=self.tour.title, artist=self.tour.author, track=1,
                         track_count=1, language=self.tour.language, year=self.year,
                         comment=self.tour.description)
        tags_fingerprint = _digest({"tags": tags.__dict__, "chapters": [c.__dict__ for c in chapters]})
        target = self.output / EPISODE_NAME
        old = self.previous.episode if self.previous else None
        if (old and old.audio_fingerprint == fingerprint and target.is_file()
                and target.stat().st_size == old.size_bytes):
            if old.tags_fingerprint == tags_fingerprint:
                return old
            with atomic_path(target) as temporary:
                temporary.write_bytes(target.read_bytes())
                write_tags(temporary, tags, chapters)
                size = temporary.stat().st_size
            self.report_written.append(EPISODE_NAME)
            return EpisodeRecord(EPISODE_NAME, old.duration_s, old.samples, size, fingerprint, tags_fingerprint)

        gap = silence(self.tour.audio.pauses.segment).raw_data

        def stream() -> Iterator[bytes]:
            # One segment in memory at a time, whatever the length of the tour.
            for index, record in enumerate(records):
                if index:
                    yield gap
                yield from self._segment_pcm(record, assembled)

        with atomic_path(target) as temporary:
            ffmpeg.encode_mp3(stream(), temporary, sample_rate=SAMPLE_RATE, bitrate_kbps=BITRATE_KBPS)
            write_tags(temporary, tags, chapters)
            size = temporary.stat().st_size
        self.report_written.append(EPISODE_NAME)
        return EpisodeRecord(EPISODE_NAME, round(total_samples / SAMPLE_RATE, 3), total_samples, size,
                             fingerprint, tags_fingerprint)

    def _remove_stale(self, manifest: Manifest) -> None:
        """Segments the previous build wrote that this tour no longer has."""
        if not self.previous:
            return
        keep = {s.file for s in manifest.segments}
        for record in self.previous.segments:
            if record.file not in keep and "/" not in record.file and record.file.endswith(".mp3"):
                (self.output / record.file).unlink(missing_ok=True)


def _ms(samples: int) -> int:
    return int(round(samples * 1000 / SAMPLE_RATE))


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()[:32]

