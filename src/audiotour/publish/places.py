"""Places as feeds and chapters write them."""
from __future__ import annotations

from ..tour import Location, Tour
from .feed import Place

NAME_CHARS = 128
"""Podcasting 2.0: aggregators may cut a `podcast:location` name beyond this."""


def geo_uri(location: Location) -> str:
    """RFC 5870 ``geo:lat,lon``; six decimals is ten centimetres, and never an exponent."""
    return _geo(location.lat, location.lon)


def tour_area(tour: Tour) -> Place | None:
    """The channel's place: the tour's `podcast.area`, else named after the tour, in the middle of its stops."""
    area = tour.podcast.area
    points = [s.location for s in tour.stops if s.location]
    if area is not None and area.lat is not None and area.lon is not None:
        geo: str | None = _geo(area.lat, area.lon)
    elif points:
        lats, lons = [p.lat for p in points], [p.lon for p in points]
        geo = _geo((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)
    else:
        geo = None
    if area is None and geo is None:
        return None
    name = area.name if area else tour.title
    return Place(name[:NAME_CHARS], geo, area.osm if area else None, area.country if area else None)


def _geo(lat: float, lon: float) -> str:
    return f"geo:{_coordinate(lat)},{_coordinate(lon)}"


def _coordinate(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
