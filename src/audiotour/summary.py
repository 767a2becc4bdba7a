"""What `audiotour check` prints: enough to see the tour is the one meant."""
from __future__ import annotations

from pathlib import Path

from gpxpy.geo import haversine_distance

from .tour import Section, Stop, Tour

WORDS_PER_MINUTE = 165
"""Words per minute heard, pauses between sentences included (measured on the shipped tour)."""


def count_words(text: str) -> int:
    return len(text.split())


def route_km(tour: Tour) -> float:
    points = [s.location for s in tour.stops if s.location]
    metres = sum(haversine_distance(a.lat, a.lon, b.lat, b.lon) for a, b in zip(points, points[1:]))
    return metres / 1000


def narration_words(tour: Tour) -> int:
    """Words spoken: every part's title (announced first) and narration."""
    parts: list[Stop | Section] = [*tour.stops, *(x for x in (tour.intro, tour.outro) if x)]
    return sum(count_words(f"{p.title} {p.narration}") for p in parts)


def estimated_minutes(tour: Tour) -> float:
    parts = len(tour.stops) + (tour.intro is not None) + (tour.outro is not None)
    return narration_words(tour) / WORDS_PER_MINUTE + tour.audio.pauses.segment * (parts - 1) / 60


def summarize(tour: Tour, path: Path) -> str:
    located = sum(1 for s in tour.stops if s.location)
    extras = " + ".join(name for name, x in (("intro", tour.intro), ("outro", tour.outro)) if x)
    minutes = estimated_minutes(tour)
    duration = f"about {minutes:.0f} minutes" if minutes >= 1.5 else f"about {minutes * 60:.0f} seconds"
    lines = [
        f"{path}: valid",
        f"  {tour.title} ({tour.language})",
        f"  {_count(len(tour.stops), 'stop')}{' + ' + extras if extras else ''}, "
        f"{narration_words(tour)} words to speak",
        f"  {duration} of audio",
        f"  route: {route_km(tour):.1f} km through {_count(located, 'located stop')}",
    ]
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
