"""The legs between stops: how far and how long, computed once for `audiotour check` and the guide.

This is the one speed table: `check` prints each leg from it, and the guide
shows the same legs and, for a live estimate from the visitor's position, is
given the same speeds and detour factors in its page data (`speed_table`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from gpxpy.geo import haversine_distance

from .tour import Location, Tour, Way

# How fast a visitor covers a leg, and how much longer the real path is than the straight line.
# Walking: 4.5 km/h, a relaxed pace with stops to look; streets and paths wind (× 1.3).
# Bike: 15 km/h on hilly coast roads (× 1.3).
# Car: 35 km/h, the average on the coast roads of the Maures in season (villages, roundabouts,
# summer traffic); the roads climb and bend round headlands (× 1.4).
SPEED_KMH = {"foot": 4.5, "bike": 15.0, "car": 35.0}
DETOUR = {"foot": 1.3, "bike": 1.3, "car": 1.4}

__all__ = ["DETOUR", "SPEED_KMH", "Leg", "leg_km", "leg_minutes", "path_km", "speed_table", "tour_legs"]


@dataclass(frozen=True)
class Leg:
    """From a stop to the next one, as the tour gives it and as far as its locations tell."""

    mode: str | None
    """foot, bike or car; None when the stop has no `way`."""
    crow_km: float | None
    """The straight line between the two stops; None when one has no location."""
    measured_km: float | None
    """The way's `km`, when the tour gives it."""
    minutes: int | None
    """The estimated time, when the mode and a length are known."""

    @property
    def km(self) -> float | None:
        """The distance to show: the measured length, else the straight line."""
        return self.measured_km if self.measured_km is not None else self.crow_km


def leg_km(a: Location, b: Location) -> float:
    """Straight-line distance between two stops."""
    return haversine_distance(a.lat, a.lon, b.lat, b.lon) / 1000


def path_km(way: Way, crow_km: float | None) -> float | None:
    """The length of the way: as the author measured it, else the straight line times the detour."""
    if way.km is not None:
        return way.km
    return None if crow_km is None else crow_km * DETOUR[way.mode]


def leg_minutes(path: float, mode: str) -> int:
    """Estimated time to cover ``path`` km, in whole minutes (at least one)."""
    return max(1, math.ceil(path / SPEED_KMH[mode] * 60))


def tour_legs(tour: Tour) -> list[Leg]:
    """Each stop's leg to the next one, in order (one fewer than the stops)."""
    legs = []
    for stop, after in zip(tour.stops, tour.stops[1:]):
        crow = None if stop.location is None or after.location is None else leg_km(stop.location, after.location)
        way = stop.way
        if way is None:
            legs.append(Leg(mode=None, crow_km=crow, measured_km=None, minutes=None))
            continue
        path = path_km(way, crow)
        legs.append(Leg(mode=way.mode, crow_km=crow, measured_km=way.km,
                        minutes=None if path is None else leg_minutes(path, way.mode)))
    return legs


def speed_table() -> dict[str, dict[str, float]]:
    """The speeds and detour factors, by mode, as the guide's script reads them."""
    return {mode: {"kmh": SPEED_KMH[mode], "detour": DETOUR[mode]} for mode in SPEED_KMH}
