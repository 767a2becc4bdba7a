"""The library face: what the command line calls, and what any program may call.

    import audiotour
    tour = audiotour.load_tour("tour.yml")
    report = audiotour.build("tour.yml", "audio_out", engine="espeak")

Errors are raised, never printed: `TourError` for a mistake in the tour or
an argument (``exit_status`` 2), `WorldError` for a failure of the world
(``exit_status`` 1). Progress is reported to an optional `Progress`.
"""
from __future__ import annotations

from pathlib import Path

from . import pipeline, summary
from .cache import default_cache_dir
from .engines import VoiceRequest, engine_names, speakers
from .errors import UsageError
from .pipeline import BuildOptions, BuildReport
from .progress import Progress
from .publish import prepare_images
from .segments import Segment, make_segments
from .tour import WEB_ADDRESS, LoadedTour
from .tour import load_tour as _load_tour

__all__ = ["BuildReport", "build", "check", "load_tour", "script"]


def load_tour(path: str | Path) -> LoadedTour:
    """Read and validate a tour file; a `TourError` naming file, line and field otherwise."""
    return _load_tour(Path(path))


def _loaded(tour: str | Path | LoadedTour) -> LoadedTour:
    return tour if isinstance(tour, LoadedTour) else load_tour(tour)


def check(tour: str | Path | LoadedTour) -> str:
    """Validate everything a build would (images, a voice for the language); the tour's summary, as text."""
    loaded = _loaded(tour)
    prepare_images(loaded)
    voice = VoiceRequest(language=loaded.tour.language, tld=loaded.tour.voice.tld, slow=loaded.tour.voice.slow)
    if not speakers(voice):
        raise loaded.error(("language",), f"{loaded.tour.language!r} is not spoken by any engine "
                                          f"({', '.join(engine_names())}); use e.g. fr or en")
    return summary.summarize(loaded.tour, loaded.path, summary.location_warnings(loaded))


def script(tour: str | Path | LoadedTour, stop: str | None = None) -> tuple[Segment, ...]:
    """The segments as an engine will be given them (normalised, lexicon applied); only ``stop`` if given."""
    segments = make_segments(_loaded(tour).tour)
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
    if base_url is not None and not WEB_ADDRESS.match(base_url):
        raise UsageError(f"{base_url!r} is not a web address; use e.g. https://example.org/tour/", field="base_url")
    if engine is not None and engine not in ("auto", *engine_names()):
        raise UsageError(f"{engine!r} is not an engine; choose one of auto, {', '.join(engine_names())}",
                         field="engine")
    if jobs is not None and jobs < 1:
        raise UsageError(f"{jobs} is not a number of jobs; use 1 or more", field="jobs")
    loaded = _loaded(tour)
    options = BuildOptions(output=Path(output), cache_dir=Path(cache_dir) if cache_dir else default_cache_dir(),
                           engine=engine, force=force, base_url=base_url, jobs=jobs)
    return pipeline.build(loaded, options, progress)

