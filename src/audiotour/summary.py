"""What `audiotour check` prints: enough to see the tour is the one meant."""
from __future__ import annotations

from pathlib import Path

from gpxpy.geo import haversine_distance

from .tour import Tour

WORDS_PER_MINUTE = 150
"""A guide's calm pace; both engines speak at about this rate."""


def count_words(text: str) -> int:
    return len(text.split())


def route_km(tour: Tour) -> float:
    points = [s.location for s in tour.stops if s.location]
    metres = sum(haversine_distance(a.lat, a.lon, b.lat, b.lon) for a, b in zip(points, points[1:]))
    return metres / 1000


def estimated_minutes(tour: Tour) -> float:
    texts = [s.title + " " + s.narration for s in tour.stops]
    texts += [f"{x.title} {x.narration}" for x in (tour.intro, tour.outro) if x]
    words = sum(count_words(t) for t in texts)
    pauses_s = tour.audio.pauses.segment * len(texts)
    return words / WORDS_PER_MINUTE + pauses_s / 60


def summarize(tour: Tour, path: Path) -> str:
    located = sum(1 for s in tour.stops if s.location)
    words = sum(count_words(s.narration) for s in tour.stops)
    words += sum(count_words(x.narration) for x in (tour.intro, tour.outro) if x)
    extras = " + ".join(name for name, x in (("intro", tour.intro), ("outro", tour.outro)) if x)
    lines = [
        f"{path}: valid",
        f"  {tour.title} ({tour.language})",
        f"  {len(tour.stops)} stops{' + ' + extras if extras else ''}, {words} words of narration",
        f"  about {estimated_minutes(tour):.0f} minutes of audio",
        f"  route: {route_km(tour):.1f} km through {located} located stop(s)",
    ]
    return "\n".join(lines)
