"""The command line: parse, call the core, turn errors into exit codes.

Nothing here knows how a tour is built; `build.py`, `summary.py` and
`script.py` do. User mistakes exit 2, failures of the world exit 1, both as
one line on stderr and never a traceback (unless -v, for bug reports).
"""
from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .errors import AudiotourError, ExitStatus, TourError, UsageError
from .tour import WEB_ADDRESS

F = TypeVar("F", bound=Callable[..., Any])

TOUR_ARGUMENT = click.argument("tour", type=click.Path(path_type=Path, dir_okay=False), default="tour.yml",
                               required=False)


def reports_errors(command: F) -> F:
    """Map audiotour's errors to one line and an exit code."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verbose = bool(kwargs.get("verbose"))
        try:
            return command(*args, **kwargs)
        except AudiotourError as exc:
            if verbose:
                traceback.print_exc()
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_status)
        except KeyboardInterrupt:
            click.echo("Interrupted; run the same command again to resume.", err=True)
            sys.exit(130)
        except OSError as exc:
            if verbose:
                traceback.print_exc()
            where = f" ({exc.filename})" if exc.filename else ""
            click.echo(f"Error: {exc.strerror or exc}{where}", err=True)
            sys.exit(ExitStatus.WORLD_FAILED)
        except Exception as exc:  # a bug of ours: one line, the traceback on request
            if verbose:
                traceback.print_exc()
            click.echo(f"Error: internal error ({type(exc).__name__}: {exc}); run again with -v and report "
                       "the traceback", err=True)
            sys.exit(ExitStatus.WORLD_FAILED)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audiotour")
def cli() -> None:
    """Turn a YAML tour description into a narrated audio tour."""


@cli.command()
@TOUR_ARGUMENT
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), default="audio_out",
              show_default=True, help="Folder to write the tour into.")
@click.option("--engine", type=click.Choice(["auto", "gtts", "espeak"]), default=None,
              help="Speech engine (default: the tour's voice.engine, else auto: gTTS when reachable, "
                   "else eSpeak NG offline).")
@click.option("--base-url", metavar="URL", help="Where audio_out/ will be published (for the feed).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help="Parallel workers (default: all cores).")
@click.option("--force", is_flag=True, help="Rebuild every file even if nothing changed.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors (for bug reports).")
@reports_errors
def build(tour: Path, output: Path, engine: str | None, base_url: str | None, jobs: int | None, force: bool,
          quiet: bool, verbose: bool) -> None:
    """Build TOUR (default tour.yml) into narrated MP3s."""
    from .build import BuildOptions
    from .build import build as run_build
    from .cache import default_cache_dir
    from .progress import progress_for
    from .tour import load_tour

    if base_url is not None and not WEB_ADDRESS.match(base_url):
        raise UsageError(f"{base_url!r} is not a web address; use e.g. https://example.org/tour/",
                         field="--base-url")
    loaded = load_tour(tour)
    progress = progress_for(sys.stderr, quiet)
    report = run_build(loaded, BuildOptions(output=output, cache_dir=default_cache_dir(), engine=engine,
                                            force=force, base_url=base_url, jobs=jobs), progress)
    episode = report.manifest.episode
    progress.say(
        f"Built {len(report.manifest.segments)} segments and {episode.file} "
        f"({_minutes(episode.duration_s)}) in {output}/"
        + ("" if report.written else " — nothing changed")
    )


@cli.command()
@TOUR_ARGUMENT
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def check(tour: Path, verbose: bool) -> None:
    """Validate TOUR and print a short summary; write nothing."""
    from .engines import VoiceRequest, engine_names, speakers
    from .publish import check_images
    from .summary import summarize
    from .tour import load_tour

    loaded = load_tour(tour)
    check_images(loaded)
    voice = VoiceRequest(language=loaded.tour.language, tld=loaded.tour.voice.tld, slow=loaded.tour.voice.slow)
    if not speakers(voice):
        raise loaded.error(("language",), f"{loaded.tour.language!r} is not spoken by any engine "
                                          f"({', '.join(engine_names())}); use e.g. fr or en")
    click.echo(summarize(loaded.tour, tour))


@cli.command()
@TOUR_ARGUMENT
@click.option("--stop", "stop_id", metavar="ID", help="Only this stop (or intro, outro).")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def script(tour: Path, stop_id: str | None, verbose: bool) -> None:
    """Print the exact text each engine will be given, stop by stop."""
    from .script import make_script
    from .tour import load_tour

    parts = make_script(load_tour(tour).tour)
    if stop_id is not None:
        chosen = [p for p in parts if p.id == stop_id]
        if not chosen:
            known = ", ".join(p.id for p in parts)
            raise TourError(f"no stop with id {stop_id!r}; ids are: {known}", field="--stop")
        parts = chosen
    blocks = []
    for part in parts:
        blocks.append(f"# {part.filename[:-4]} — {part.title}\n\n{part.spoken_text}\n")
    click.echo("\n".join(blocks), nl=False)


@cli.command()
@click.argument("directory", metavar="[DIR]", type=click.Path(path_type=Path, file_okay=False),
                default="audio_out", required=False)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets a phone on the same network in.")
@click.option("--port", "-p", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def serve(directory: Path, host: str, port: int, verbose: bool) -> None:
    """Serve DIR (default audio_out) to a phone on the same network, until Ctrl-C."""
    from .serve import serve as run_serve

    run_serve(directory, host, port, sys.stdout)


def _minutes(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


def main() -> None:
    try:
        cli.main(prog_name="audiotour", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.exceptions.Abort:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        # Click's own usage errors, one line like ours: "Error: Invalid value for '--jobs': …".
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(ExitStatus.USER_ERROR if isinstance(exc, click.UsageError) else ExitStatus.WORLD_FAILED)


# -- audiotour cache ----------------------------------------------------------------

_DURATION = r"^\s*(\d{1,9}(?:\.\d{1,6})?)\s*([smhdw])\s*$"
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SIZE = r"^\s*(\d{1,15}(?:\.\d{1,6})?)\s*([kmgt]?)(?:i?b)?\s*$"
_SIZE_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def _duration_s(text: str, option: str) -> float:
    import re

    match = re.match(_DURATION, text, re.IGNORECASE)
    if not match:
        raise UsageError(f"{text!r} is not a duration; write e.g. 30d, 12h or 2w", field=option)
    return float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]


def _size_bytes(text: str, option: str) -> int:
    import re

    match = re.match(_SIZE, text, re.IGNORECASE)
    if not match:
        raise UsageError(f"{text!r} is not a size; write e.g. 500M or 2G", field=option)
    return int(float(match.group(1)) * _SIZE_UNITS[match.group(2).lower()])


def _bytes_shown(size: int) -> str:
    for unit, factor in (("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"


def _age_shown(seconds: float) -> str:
    for unit, factor in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= factor:
            count = int(seconds // factor)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return "just now"


def _entries_shown(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


@cli.group()
def cache() -> None:
    """The speech cache shared by every build ($AUDIOTOUR_CACHE to move it)."""


@cache.command("info")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def cache_info_command(verbose: bool) -> None:
    """Where the cache is, its size, and how long ago its entries were used."""
    from .cache import cache_info

    info = cache_info()
    click.echo(f"Cache: {info.root}")
    click.echo(f"Size: {_entries_shown(info.entries)}, {_bytes_shown(info.size_bytes)}")
    if info.oldest_age_s is not None and info.newest_age_s is not None:
        oldest, newest = _age_shown(info.oldest_age_s), _age_shown(info.newest_age_s)
        click.echo(f"Last used: {newest}{'' if newest == 'just now' else ' ago'} (the least recently used: "
                   f"{oldest}{'' if oldest == 'just now' else ' ago'})")


@cache.command("prune")
@click.option("--older-than", metavar="AGE", help="Remove entries no build used for AGE (e.g. 30d, 12h, 2w).")
@click.option("--max-size", metavar="SIZE", help="Then remove the least recently used until at most SIZE "
                                                  "(e.g. 500M, 2G; binary units).")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def cache_prune_command(older_than: str | None, max_size: str | None, verbose: bool) -> None:
    """Make the cache smaller; a later build synthesises again what it needs."""
    from .cache import prune

    if older_than is None and max_size is None:
        raise UsageError("say what to remove: --older-than 30d, --max-size 500M, or both")
    age = _duration_s(older_than, "--older-than") if older_than is not None else None
    size = _size_bytes(max_size, "--max-size") if max_size is not None else None
    result = prune(older_than_s=age, max_bytes=size)
    click.echo(f"Removed {_entries_shown(result.removed)} ({_bytes_shown(result.freed_bytes)}); "
               f"{_entries_shown(result.left.entries)} left ({_bytes_shown(result.left.size_bytes)}).")


@cache.command("verify")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def cache_verify_command(verbose: bool) -> None:
    """Check every entry; remove those that are damaged or not audiotour's."""
    from .cache import verify

    result = verify()
    for path, reason in result.removed:
        click.echo(f"Removed {path}: {reason}")
    if result.unchecked:
        click.echo(f"Removed {_entries_shown(result.unchecked)} written by an older audiotour, without checksums.")
    removed = len(result.removed) + result.unchecked
    click.echo(f"Checked {_entries_shown(result.checked)}; "
               + (f"removed {removed} that could not be trusted; a build synthesises them again."
                  if removed else "all sound."))
