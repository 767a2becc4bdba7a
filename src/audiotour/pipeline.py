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
import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path

from ._version import __version__
from .audioformat import BITRATE_KBPS, OUTPUT_SAMPLE_RATE
from .cache import remove_abandoned_temporaries
from .context import Alternate, BuiltSegment, Cover, PublishContext
from .engines import Engine, VoiceRequest, choose_engine, heard_rate
from .episode import EPISODE_NAME, ChapterExtras, write_episode
from .errors import Remedy, TourError, UsageError, WorldError, check_stop
from .fsutil import remove_stale_temporaries, write_failure_reason
from .lang import pack_for
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
from .progress import Phase, Progress, QuietProgress
from .publish import chapter_picture, prepare_images
from .publishers import planned_names, publish
from .render import RenderedSegment, SegmentJob, SegmentRenderer, SoundFile
from .segments import Segment, make_segments
from .summary import location_warnings
from .tags import TrackTags, retag
from .tour import LoadedTour

FORMAT_VERSION = "3"
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
    translations: dict[str, BuildReport] = field(default_factory=dict)
    """A tour in several languages: each translation's own report, by language tag."""


EngineFactory = Callable[[str, VoiceRequest, Callable[[str], None]], Engine]


def build(loaded: LoadedTour, options: BuildOptions, progress: Progress | None = None,
          engine_factory: EngineFactory = choose_engine) -> BuildReport:
    """Build the tour into ``options.output``, and each of its translations into a folder of its own there
    (``en/``): the tour's own language stays where a tour in one language is."""
    progress = progress or QuietProgress()
    # The cheap refusals first: no image is read and no network asked for a folder that must never be one.
    refuse_dangerous_output(options.output, loaded.folder)
    _check_output(options.output)
    for warning in location_warnings(loaded):
        progress.say(f"Warning: {warning}")
    editions = [("", loaded), *((language_folder(tag), translated) for tag, translated in loaded.translations.items())]
    several = len(editions) > 1
    # The user's mistakes surface before anything is created, in every language: unreadable images,
    # a language no engine speaks.
    prepared = [_prepare(edition, options, _Labelled(progress, edition.tour.language) if several else progress,
                         engine_factory)
                for _, edition in editions]
    _prepare_output(options.output)
    _prepare_cache(options.cache_dir)
    last_root = read_manifest(options.output)
    previous_languages = {href: tag for tag, href in (last_root.languages if last_root else {}).items()
                          if _LANGUAGE_FOLDER.fullmatch(href)}
    reports = []
    for (folder, edition), (segments, cover, engine, said) in zip(editions, prepared):
        output = options.output / folder if folder else options.output
        alternates = tuple(Alternate(e.tour.language, pack_for(e.tour.language).name or e.tour.language,
                                     _relative(folder, other)) for other, e in editions) if several else ()
        _prepare_output(output)
        with exclusive(output, options.lock_timeout_s):
            # A build killed mid-write leaves temporary files: in the output nobody else is writing now;
            # in the shared cache, only those no running build holds (`fsutil.abandoned`).
            remove_stale_temporaries(output)
            remove_abandoned_temporaries(options.cache_dir)
            base_url = options.base_url or edition.tour.base_url
            if base_url and folder:
                base_url = (base_url if base_url.endswith("/") else base_url + "/") + folder
            reports.append(_Build(edition, segments, engine, replace(options, output=output, base_url=base_url),
                                  said, cover, alternates).run())
    # Once more at the end: what a killed build was writing a moment before this one started is free by now.
    remove_abandoned_temporaries(options.cache_dir)
    # A language the tour no longer has: the files its last build published go too (nothing else there).
    for retired in sorted(set(previous_languages) - {folder for folder, _ in editions}):
        if _retire_edition(options.output / retired, options.lock_timeout_s):
            progress.say(f"Removed {retired}: the tour no longer has {previous_languages[retired]}")
    return replace(reports[0], translations={e.tour.language: r for (_, e), r in zip(editions[1:], reports[1:])})


def language_folder(tag: str) -> str:
    """Where a translation is published, beside the tour's own language: ``en/``, ``pt-br/``."""
    return tag.lower() + "/"


_LANGUAGE_FOLDER = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*/")
"""What `language_folder` makes: only such a folder, one level down, is ever retired."""


def _retire_edition(folder: Path, lock_timeout_s: float) -> bool:
    """Remove what the last build of a language no longer in the tour published in ``folder``, and the
    folder when that leaves it empty; True when there was such a build."""
    last = read_manifest(folder)
    if last is None:
        return False
    with exclusive(folder, lock_timeout_s):
        owned = _published_before(last)
        published = OutputFolder(folder, owned=owned)
        published.remove(owned if owned is not None else {MANIFEST_NAME, *(s.file for s in last.segments),
                                                            last.episode.file})
        published.done()
        remove_stale_temporaries(folder)
    try:
        folder.rmdir()  # only when empty: a file of the user's keeps it
    except OSError:
        pass
    return True


def _relative(here: str, there: str) -> str:
    """The path from one edition's folder to another's (editions are the root or one folder below it)."""
    if here == there:
        return ""
    return ("../" if here else "") + there


def _prepare(loaded: LoadedTour, options: BuildOptions, progress: Progress,
             engine_factory: EngineFactory) -> tuple[tuple[Segment, ...], Cover, Engine, Progress]:
    tour = loaded.tour
    cover = prepare_images(loaded)
    voice = VoiceRequest(language=tour.language, tld=tour.voice.tld, slow=tour.voice.slow, rate=tour.voice.rate)
    try:
        engine = engine_factory(options.engine or tour.voice.engine, voice, progress.say)
    except TourError as exc:
        if exc.path is None and exc.field == "language":
            raise loaded.error(("language",), exc.reason) from None
        raise
    # Each engine reads the lexicon its own way (its respellings, its phonemes).
    segments = make_segments(tour, engine.name)
    return segments, cover, engine, progress


class _Labelled:
    """A tour in several languages: each phase and message says which language it is about."""

    def __init__(self, progress: Progress, language: str) -> None:
        self.progress, self.language = progress, language

    def phase(self, label: str, total: int) -> AbstractContextManager[Phase]:
        return self.progress.phase(f"{label} ({self.language})", total)

    def say(self, message: str) -> None:
        self.progress.say(f"[{self.language}] {message}")


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
    alternates: tuple[Alternate, ...] = ()

    def run(self) -> BuildReport:
        output, tour = self.options.output, self.loaded.tour
        # --force redoes everything, but still knows what the last build wrote, to clean it up.
        last = read_manifest(output)
        previous = None if self.options.force else last
        # The year a tour was first published: a new year alone must not retag every file.
        year = (last.year if last and last.year else None) or datetime.now(timezone.utc).year
        # The day the tour was first built: the feed's dates derive from it when the tour gives none.
        first_day = (last.published if last and last.published else None) \
            or datetime.now(timezone.utc).date().isoformat()
        folder = OutputFolder(output, owned=_published_before(last))
        # Every name this build may write, checked (never somebody else's file) and journaled up front.
        folder.claim([s.filename for s in self.segments] + [EPISODE_NAME, MANIFEST_NAME]
                     + planned_names([s.stem for s in self.segments], EPISODE_NAME.removesuffix(".mp3")))

        records, written, synthesized = self._segments(previous, year, folder)
        check_stop()
        episode = write_episode(
            output, records, self._episode_tags(year), tour.audio.pauses.segment, self.engine.sample_rate,
            self.options.cache_dir, previous.episode if previous else None,
            [r.start_sample for r in previous.segments] if previous else None, self._chapter_extras(),
            before_rename=folder.before_rename(EPISODE_NAME))
        if episode.written:
            written.append(EPISODE_NAME)

        manifest = Manifest(
            tour=tour.title, language=tour.language,
            built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            episode=episode.record, segments=episode.segments, generator=f"audiotour {__version__}",
            sample_rate=OUTPUT_SAMPLE_RATE, bitrate_kbps=BITRATE_KBPS, year=year, published=first_day,
            languages={a.language: a.href for a in self.alternates},
        )
        base_url = self.options.base_url or tour.base_url
        check_stop()
        written += publish(PublishContext(
            loaded=self.loaded, manifest=manifest,
            segments=tuple(BuiltSegment(s, r) for s, r in zip(self.segments, episode.segments)),
            output=output, base_url=base_url if base_url is None or base_url.endswith("/") else base_url + "/",
            say=self.progress.say, folder=folder, cover=self.cover, alternates=self.alternates,
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
        warned: set[str] = set()
        renderer = SegmentRenderer(self.engine, self.options.cache_dir, self.options.jobs, self.progress.say)
        with self.progress.phase("segments", len(todo)) as phase, renderer:
            pending = {s.index: renderer.submit(self._job(s, fingerprints[s.index], year)) for s in todo}
            for segment in self.segments:
                check_stop()
                if segment.index in pending:
                    rendered = pending[segment.index].result()
                    for warning in rendered.warnings:
                        if warning not in warned:  # each worker process finds an old cache once
                            warned.add(warning)
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
            "pace": heard_rate(self.engine.voice),
            **({"sounds": [(s.kind, s.level_db, _file_digest(s.path)) for s in self._sounds(segment)],
                "ducking": self._ducking()} if self._sounds(segment) else {}),
        })

    def _ducking(self) -> tuple[float, float, float, float]:
        d = self.loaded.tour.audio.ducking
        return (d.depth, d.attack, d.release, d.hold)

    def _sounds(self, segment: Segment) -> tuple[SoundFile, ...]:
        """The sounds under this segment: the tour's signature opens the first and closes the last; a part's own
        music opens and closes it; its ambience runs under it."""
        tour, audio = self.loaded.tour, self.loaded.tour.audio
        part = {"intro": tour.intro, "outro": tour.outro}.get(segment.kind) if segment.kind != "stop" else segment.stop
        found: list[SoundFile] = []
        opening = part.music if part is not None and part.music else (
            audio.music if segment.index == 0 else None)
        closing = part.music if part is not None and part.music else (
            audio.music if segment.index == len(self.segments) - 1 else None)
        if opening:
            found.append(SoundFile(self.loaded.resolve(opening), "opening", audio.level))
        if closing:
            found.append(SoundFile(self.loaded.resolve(closing), "closing", audio.level))
        if part is not None and part.ambience:
            found.append(SoundFile(self.loaded.resolve(part.ambience), "ambience", audio.ambience_level))
        return tuple(found)

    def _segment_tags(self, segment: Segment, year: int) -> TrackTags:
        tour = self.loaded.tour
        return TrackTags(title=segment.title, album=tour.title, artist=tour.author, track=segment.number,
                         track_count=len(self.segments), language=tour.language, year=year,
                         comment=tour.description, cover_jpeg=self.cover.jpeg,
                         credits=tuple(tour.credits))

    def _chapter_extras(self) -> list[ChapterExtras]:
        """Each chapter's picture and link, as podcast players show them."""
        return [ChapterExtras(chapter_picture(self.loaded, s), s.link) for s in self.segments]

    def _episode_tags(self, year: int) -> TrackTags:
        tour = self.loaded.tour
        return TrackTags(title=tour.title, album=tour.title, artist=tour.author, track=1, track_count=1,
                         language=tour.language, year=year, comment=tour.description, cover_jpeg=self.cover.jpeg,
                         credits=tuple(tour.credits))

    def _job(self, segment: Segment, fingerprint: str, year: int) -> SegmentJob:
        pauses = self.loaded.tour.audio.pauses
        return SegmentJob(
            segment=segment, fingerprint=fingerprint, tags=self._segment_tags(segment, year),
            target=self.options.output / segment.filename, loudness=self.loaded.tour.audio.loudness,
            sentence_pause_s=pauses.sentence, paragraph_pause_s=pauses.paragraph,
            pace_wpm=heard_rate(self.engine.voice), sounds=self._sounds(segment), ducking=self._ducking(),
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
            words_per_minute=rendered.words_per_minute, lead_s=rendered.lead_s, trail_s=rendered.trail_s,
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


def _file_digest(path: Path) -> str:
    import hashlib

    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:32]
    except OSError as exc:
        raise WorldError(f"cannot read the sound {path}: {exc.strerror}") from None


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
