"""The tour as the page sees it: one JSON document built from the tour and the build record."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ..manifest import Manifest
from ..tour import Stop, Tour
from .strings import ui_strings


def page_data(tour: Tour, manifest: Manifest, images: dict[str, str], cover: str | None,
              extras: dict[str, str]) -> dict[str, Any]:
    """Everything app.js renders; `images` maps a stop id to its copied image's relative path."""
    stops = {stop.slug: stop for stop in tour.stops}
    segments = []
    for record in manifest.segments:
        segment: dict[str, Any] = {
            "id": record.id, "kind": record.kind, "title": record.title, "file": record.file,
            "duration": record.duration_s,
            "sentences": [[s.start_s, s.end_s, s.text] for s in record.sentences],
        }
        stop = stops.get(record.id) if record.kind == "stop" else None
        if stop is not None:
            segment.update(_stop_fields(stop, images.get(record.id)))
        segments.append(segment)
    return {
        "lang": tour.language, "title": tour.title, "short_title": tour.short_title,
        "description": tour.description, "author": tour.author,
        "cover": cover, "episode": extras.get("episode"), "gpx": extras.get("gpx"),
        "segments": segments, "ui": ui_strings(tour.language),
    }


def _stop_fields(stop: Stop, image: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "radius": stop.radius, "image": image, "date": _date(stop.date),
        "links": [{"title": link.title, "url": link.url} for link in stop.links],
    }
    if stop.location is not None:
        fields.update(lat=stop.location.lat, lon=stop.location.lon)
    way = _way(stop)
    if way is not None:
        fields["way"] = way
    return fields


def _way(stop: Stop) -> dict[str, Any] | None:
    """How to reach the next stop (mode foot|car, directions, parking), when the tour says."""
    way = getattr(stop, "way", None)  # a field another change adds to Stop
    if way is None:
        return None
    return {"mode": getattr(way, "mode", None), "directions": getattr(way, "directions", None),
            "parking": getattr(way, "parking", None)}


def _date(value: datetime | date | None) -> list[int] | None:
    """Wall-clock parts (y, m, d[, h, min]): the page formats them in the tour's language, in no time zone."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return [value.year, value.month, value.day, value.hour, value.minute]
    return [value.year, value.month, value.day]
