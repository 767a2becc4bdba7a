"""`audiotour cache`: see, shrink and check the speech cache every build shares."""
from __future__ import annotations

import re

import click

from ..errors import UsageError
from .errors import reports_errors

_DURATION = r"^\s*(\d{1,9}(?:\.\d{1,6})?)\s*([smhdw])\s*$"
_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_SIZE = r"^\s*(\d{1,15}(?:\.\d{1,6})?)\s*([kmgt]?)(?:i?b)?\s*$"
_SIZE_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def _duration_s(text: str, option: str) -> float:
    match = re.match(_DURATION, text, re.IGNORECASE)
    if not match:
        raise UsageError(f"{text!r} is not a duration; write e.g. 30d, 12h or 2w", field=option)
    return float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]


def _size_bytes(text: str, option: str) -> int:
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


@click.group()
def cache() -> None:
    """The speech cache shared by every build ($AUDIOTOUR_CACHE to move it)."""


@cache.command("info")
@click.option("-v", "--verbose", is_flag=True, help="Show a traceback on errors.")
@reports_errors
def cache_info_command(verbose: bool) -> None:
    """Where the cache is, its size, and how long ago its entries were used."""
    from ..cache import cache_info

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
    from ..cache import prune

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
    from ..cache import verify

    result = verify()
    for path, reason in result.removed:
        click.echo(f"Removed {path}: {reason}")
    if result.unchecked:
        click.echo(f"Removed {_entries_shown(result.unchecked)} written by an older audiotour, without checksums.")
    removed = len(result.removed) + result.unchecked
    click.echo(f"Checked {_entries_shown(result.checked)}; "
               + (f"removed {removed} that could not be trusted; a build synthesises them again."
                  if removed else "all sound."))
