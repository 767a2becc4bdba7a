"""The tour as the page sees it: one JSON document built from the tour and the build record."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from ..context import Alternate, BuiltSegment
from ..legs import Leg, speed_table, tour_legs
from ..tour import Stop, Tour
from ..urls import OSM_TILES
from .strings import ui_strings


def page_data(tour: Tour, built: Sequence[BuiltSegment], images: Mapping[str, str], cover: str | None,
              extras: dict[str, str], alternates: Sequence[Alternate] = ()) -> dict[str, Any]:
    """Everything app.js renders; `images` maps a stop id to its copied image's relative path."""
    segments = []
    legs = dict(zip((stop.slug for stop in tour.stops), tour_legs(tour)))
    for item in built:
        record = item.audio
        segment: dict[str, Any] = {
            "id": item.id, "kind": item.segment.kind, "title": item.title, "file": item.file,
            "duration": record.duration_s,
            "sentences": [[s.start_s, s.end_s, s.text] for s in record.sentences],
        }
        if item.segment.stop is not None:
            segment.update(_stop_fields(item.segment.stop, images.get(item.id), legs.get(item.id)))
        segments.append(segment)
    return {
        "lang": tour.language, "title": tour.title, "short_title": tour.short_title,
        "description": tour.description, "author": tour.author,
        "cover": cover, "episode": extras.get("episode"), "gpx": extras.get("gpx"),
        "segments": segments, "ui": ui_strings(tour.language), "credits": list(tour.credits),
        # A tour in several languages: each one's page, relative to this one ("" is this page).
        "languages": [{"code": a.language, "name": a.name, "href": a.href} for a in alternates],
        # The speeds `audiotour check` estimates legs at: the page's live estimates use the same.
        "speeds": speed_table(),
        "tiles": map_tiles(tour),
    }


OSM_COPYRIGHT = "https://www.openstreetmap.org/copyright"


def map_tiles(tour: Tour) -> dict[str, str | None] | None:
    """The tiles under the guide's map: their address template and the credit shown on the map (its text, and
    where it links); None when the tour wants none (the page's policy then lets it reach no other host)."""
    settings = tour.guide
    if settings.tiles == "none":
        return None
    if settings.tiles is None:
        return {"url": OSM_TILES, "attribution": str(ui_strings(tour.language)["tiles"]), "link": OSM_COPYRIGHT}
    return {"url": settings.tiles, "attribution": settings.tiles_attribution, "link": None}


def _stop_fields(stop: Stop, image: str | None, leg: Leg | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "radius": stop.radius, "image": image, "date": _date(stop.date),
        "links": [{"title": link.title, "url": link.url} for link in stop.links],
    }
    if stop.way is not None:
        # How to reach the next stop (also the last paragraph of this stop's audio).
        fields["way"] = {"mode": stop.way.mode, "directions": stop.way.directions, "parking": stop.way.parking,
                         "km": stop.way.km}
        if leg is not None and leg.km is not None and leg.minutes is not None:
            # The leg as `audiotour check` prints it: the measured length (or the straight line) and the time.
            fields["way"].update(distance_km=round(leg.km, 3), measured=leg.measured_km is not None,
                                 minutes=leg.minutes)
    if stop.location is not None:
        fields.update(lat=stop.location.lat, lon=stop.location.lon)
    return fields


def _date(value: datetime | date | None) -> list[int] | None:
    """Wall-clock parts (y, m, d[, h, min]): the page formats them in the tour's language, in no time zone."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return [value.year, value.month, value.day, value.hour, value.minute]
    return [value.year, value.month, value.day]
