"""The library face: what the command line calls, and what any program may call.

    import audiotour
    tour = audiotour.load_tour("tour.yml")
    report = audiotour.build("tour.yml", "audio_out", engine="espeak")

Errors are raised, never printed: `TourError` for a mistake in the tour or
an argument (``exit_status`` 2), `WorldError` for a failure of the world
(``exit_status`` 1). Progress is reported to an optional `Progress`.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import pipeline, summary
from .cache import default_cache_dir
from .engines import VoiceRequest, engine_names, speakers
from .errors import UsageError
from .pipeline import BuildOptions, BuildReport, language_folder
from .progress import Progress
from .publish import prepare_images
from .segments import Segment, make_segments
from .tour import LoadedTour
from .tour import load_tour as _load_tour
from .translations import with_translations
from .urls import BadURL, check_base_url

__all__ = ["BuildReport", "Said", "build", "check", "language_folder", "load_tour", "say", "script"]


def load_tour(path: str | Path) -> LoadedTour:
    """Read and validate a tour file and its translations; a `TourError` naming file, line and field otherwise.

    ``.translations`` holds the tour in each translation's language, by language tag.
    """
    return with_translations(_load_tour(Path(path)))


def _loaded(tour: str | Path | LoadedTour) -> LoadedTour:
    if isinstance(tour, LoadedTour):
        return tour if tour.translations else with_translations(tour)
    return load_tour(tour)


def check(tour: str | Path | LoadedTour, output: str | Path | None = None) -> str:
    """Validate everything a build would (images, a voice for the language); the tour's summary, as text.

    ``output``: a folder this tour was built into: the words a minute its manifest measured are shown."""
    loaded = _loaded(tour)
    prepare_images(loaded)
    for each in (loaded, *loaded.translations.values()):
        voice = VoiceRequest(language=each.tour.language, tld=each.tour.voice.tld, slow=each.tour.voice.slow)
        if not speakers(voice):
            raise each.error(("language",), f"{each.tour.language!r} is not spoken by any engine "
                                            f"({', '.join(engine_names())}); use e.g. fr or en")
    translated = {language: each.tour for language, each in loaded.translations.items()}
    heard: dict[str, tuple[str, float]] = {}
    if output is not None:
        from .manifest import read_manifest

        built = read_manifest(Path(output))
        if built is not None and built.tour == loaded.tour.title:
            heard = {s.id: (s.file, s.words_per_minute) for s in built.segments if s.words_per_minute}
    return summary.summarize(loaded.tour, loaded.path, translated, heard, summary.location_warnings(loaded))


def script(tour: str | Path | LoadedTour, stop: str | None = None, language: str | None = None) -> tuple[Segment, ...]:
    """The segments as an engine will be given them (normalised, lexicon applied); only ``stop`` if given;
    in one of the tour's translations if ``language`` names one."""
    loaded = _loaded(tour)
    if language is not None and language.lower() != loaded.tour.language.lower():
        found = {tag.lower(): translated for tag, translated in loaded.translations.items()}
        if language.lower() not in found:
            known = ", ".join([loaded.tour.language, *loaded.translations])
            raise UsageError(f"the tour is not in {language!r}; its languages are: {known}", field="language")
        loaded = found[language.lower()]
    segments = make_segments(loaded.tour)
    if stop is None:
        return segments
    chosen = tuple(s for s in segments if s.id == stop)
    if not chosen:
        raise UsageError(f"no stop with id {stop!r}; ids are: {', '.join(s.id for s in segments)}", field="stop")
    return chosen


def build(tour: str | Path | LoadedTour, output: str | Path = "audio_out", *, engine: str | None = None,
          base_url: str | None = None, jobs: int | None = None, force: bool = False,
          cache_dir: str | Path | None = None, progress: Progress | None = None) -> BuildReport:
    """Build ``tour`` into ``output``: segments, episode, manifest, feed, transcripts, guide, GPX.

    ``engine``: ``auto``, or a registered engine's name (None: the tour's ``voice.engine``).
    ``cache_dir``: where speech is cached (None: ``$AUDIOTOUR_CACHE`` or the user's cache folder).
    """
    if base_url is not None:
        try:
            base_url = check_base_url(base_url)
        except BadURL as exc:
            raise UsageError(str(exc), field="base_url") from None
    if engine is not None and engine not in ("auto", *engine_names()):
        raise UsageError(f"{engine!r} is not an engine; choose one of auto, {', '.join(engine_names())}",
                         field="engine")
    if jobs is not None and jobs < 1:
        raise UsageError(f"{jobs} is not a number of jobs; use 1 or more", field="jobs")
    loaded = _loaded(tour)
    options = BuildOptions(output=Path(output), cache_dir=Path(cache_dir) if cache_dir else default_cache_dir(),
                           engine=engine, force=force, base_url=base_url, jobs=jobs)
    return pipeline.build(loaded, options, progress)



@dataclass(frozen=True)
class Said:
    """A phrase spoken by `say`."""

    spoken: str
    """What the engine was given: normalised, then the lexicon."""
    phonemes: str | None
    """What eSpeak NG read it as (its mnemonics), when it spoke."""
    engine: str
    path: Path
    words_per_minute: float | None


def say(phrase: str, output: str | Path, *, tour: str | Path | LoadedTour | None = None, engine: str = "auto",
        language: str | None = None, on_notice: Callable[[str], None] | None = None) -> Said:
    """Speak ``phrase`` as a build would (the tour's language, normaliser, lexicon for the engine, voice and
    pace) into the MP3 ``output``: to tune a lexicon entry in seconds. Without a tour: the language given
    (default fr) and no lexicon."""
    from . import audio, ffmpeg
    from .audioformat import BITRATE_KBPS, OUTPUT_SAMPLE_RATE
    from .engines import choose_engine
    from .lang import speakable

    loaded = _loaded(tour) if tour is not None else None
    lang = language or (loaded.tour.language if loaded else "fr")
    if engine not in ("auto", *engine_names()):
        raise UsageError(f"{engine!r} is not an engine; choose one of auto, {', '.join(engine_names())}",
                         field="engine")
    if not phrase.strip():
        raise UsageError("nothing to say; give a phrase, e.g. audiotour say \"La Croix-Valmer\"", field="phrase")
    voice_settings = loaded.tour.voice if loaded else None
    voice = VoiceRequest(language=lang, tld=voice_settings.tld if voice_settings else None,
                         slow=voice_settings.slow if voice_settings else False,
                         rate=voice_settings.rate if voice_settings else None)
    chosen = choose_engine(engine if engine != "auto" or not loaded else loaded.tour.voice.engine, voice,
                           on_notice or (lambda _: None))
    lexicon = loaded.tour.lexicon_for(chosen.name) if loaded else {}
    spoken = speakable(phrase, lang, lexicon)
    speech = chosen.synthesize(spoken)
    rate = chosen.sample_rate
    if not type(chosen).accepts_rate:
        seconds = audio.speech_seconds(speech)
        words = len(phrase.split())
        from .engines import heard_rate
        if seconds > 0:
            speech = audio.stretch(speech, seconds / (words * 60 / heard_rate(voice)))
    track = audio.assemble([[speech]], audio.Pauses(0.45, 0.9), rate)
    spans = track.spans
    level = loaded.tour.audio.loudness if loaded else -16.0
    gained = audio.normalize_loudness(track.samples, rate, level)
    target = Path(output)
    ffmpeg.encode_mp3(gained.pcm(), target, sample_rate=rate, output_rate=OUTPUT_SAMPLE_RATE, bitrate_kbps=BITRATE_KBPS)
    phonemes = getattr(chosen, "phonemes", None)
    heard_s = spans[0][1] - spans[0][0] if spans else 0.0
    return Said(spoken=spoken, phonemes=phonemes(spoken) if callable(phonemes) else None, engine=chosen.name,
                path=target, words_per_minute=round(len(phrase.split()) * 60 / heard_s, 1) if heard_s else None)
