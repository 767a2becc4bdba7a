"""The command line: parse, call the library (`audiotour.api`), turn errors into exit codes.

Nothing here knows how a tour is built. User mistakes exit 2, failures of the
world exit 1, both as one line on stderr and never a traceback (unless -v,
for bug reports); `output.py` words them in this command line's terms.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

from .._version import __version__
from ..engines import engine_names
from ..errors import ExitStatus, Terminated
from .cache import cache
from .errors import reports_errors
from .output import progress_for

TOUR_ARGUMENT = click.argument("tour", type=click.Path(path_type=Path, dir_okay=False), default="tour.yml",
                               required=False)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="audiotour")
def cli() -> None:
    """Turn a YAML tour description into a narrated audio tour."""


@cli.command()
@TOUR_ARGUMENT
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), default="audio_out",
              show_default=True, help="Folder to write the tour into.")
@click.option("--engine", type=click.Choice(["auto", *engine_names()]), default=None,
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
    from .. import api


    progress = progress_for(sys.stderr, quiet)
    report = api.build(tour, output, engine=engine, base_url=base_url, jobs=jobs, force=force, progress=progress)
    episode = report.manifest.episode
    count = len(report.manifest.segments)
    progress.say(
        f"Built {count} segment{'' if count == 1 else 's'} and {episode.file} "
        f"({_minutes(episode.duration_s)}) in {output}/"
        + ("" if report.written else " — nothing changed")
    )
    for language, translated in report.translations.items():
        progress.say(f"  {language}: {translated.manifest.episode.file} ({_minutes(translated.manifest.episode.duration_s)}) "
                     f"in {output}/{api.language_folder(language)}" + ("" if translated.written else " — nothing changed"))


@cli.command()
@TOUR_ARGUMENT
@click.option("-o", "--output", type=click.Path(path_type=Path, file_okay=False), default="audio_out",
              show_default=True, help="Where the tour was built: the pace each segment was heard at is shown.")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def check(tour: Path, output: Path, verbose: bool) -> None:
    """Validate TOUR and print a short summary; write nothing."""
    from .. import api

    click.echo(api.check(tour, output))


@cli.command()
@TOUR_ARGUMENT
@click.option("--stop", "stop_id", metavar="ID", help="Only this stop (or intro, outro).")
@click.option("--language", metavar="TAG", help="One of the tour's translations (e.g. en) instead of its own language.")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def script(tour: Path, stop_id: str | None, language: str | None, verbose: bool) -> None:
    """Print the exact text each engine will be given, stop by stop."""
    from .. import api

    blocks = [f"# {s.stem} — {s.title}\n\n{s.spoken_text}\n" for s in api.script(tour, stop_id, language)]
    click.echo("\n".join(blocks), nl=False)


@cli.command()
@click.argument("phrase")
@click.option("--tour", "tour", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The tour whose language, lexicon and voice to use (default: tour.yml when there is one).")
@click.option("--engine", type=click.Choice(["auto", *engine_names()]), default="auto", show_default=True,
              help="Speech engine (auto: the tour's voice.engine).")
@click.option("--language", metavar="TAG", default=None, help="Language without a tour (default fr).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default="say.mp3",
              show_default=True, help="The MP3 to write.")
@click.option("--no-play", is_flag=True, help="Write the file only.")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def say(phrase: str, tour: Path | None, engine: str, language: str | None, output: Path, no_play: bool,
        verbose: bool) -> None:
    """Speak PHRASE through the normaliser, the lexicon and the engine into a file, and play it.

    For tuning a lexicon entry: audiotour say "La Croix-Valmer" prints what the engine is given (and
    eSpeak NG's phonemes, to copy into a `phonemes: {espeak: …}` entry).
    """
    from .. import api

    if tour is None and language is None and Path("tour.yml").is_file():
        tour = Path("tour.yml")
    said = api.say(phrase, output, tour=tour, engine=engine, language=language,
                   on_notice=lambda line: click.echo(line, err=True))
    click.echo(f"{said.engine}: {said.spoken}")
    if said.phonemes:
        click.echo(f"phonemes: {said.phonemes}")
    click.echo(f"wrote {said.path}")
    if not no_play:
        player = _player()
        if player is None:
            click.echo("(no player found: ffplay, mpv, paplay or afplay; open the file yourself)", err=True)
        else:
            import subprocess

            subprocess.run([*player, str(said.path)], check=False, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _player() -> list[str] | None:
    import shutil

    for command in (["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"], ["mpv", "--no-video", "--really-quiet"],
                    ["afplay"], ["paplay"], ["mpg123", "-q"]):
        if shutil.which(command[0]):
            return command
    return None


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
    from ..serve import serve as run_serve

    run_serve(directory, host, port, sys.stdout)


@cli.command()
@click.option("--translation", is_flag=True, help="A translation file's schema (tour.en.yml) instead.")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def schema(translation: bool, verbose: bool) -> None:
    """Print the tour file's JSON Schema (for editors: see docs/tour-file.md)."""
    from ..schema import schema_text

    click.echo(schema_text(translation), nl=False)


def _minutes(seconds: float) -> str:
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes} min {rest:02d} s"


cli.add_command(cache)


def main() -> None:
    try:
        cli.main(prog_name="audiotour", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.exceptions.Abort as abort:
        terminated = isinstance(abort.__context__, Terminated)
        click.echo("Terminated." if terminated else "Interrupted.", err=True)
        sys.exit(ExitStatus.TERMINATED if terminated else ExitStatus.INTERRUPTED)
    except click.ClickException as exc:
        # Click's own usage errors, one line like ours: "Error: Invalid value for '--jobs': …".
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(ExitStatus.USER_ERROR if isinstance(exc, click.UsageError) else ExitStatus.WORLD_FAILED)
