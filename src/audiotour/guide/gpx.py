"""tour.gpx: the located stops as waypoints and the route through them, for maps and GPS apps."""
from __future__ import annotations

from collections.abc import Sequence

import gpxpy.gpx

from ..context import BuiltSegment
from ..tour import Tour
from ..urls import url_for

DESCRIPTION_CHARS = 500


def tour_gpx(tour: Tour, segments: Sequence[BuiltSegment], base_url: str | None) -> str | None:
    """GPX 1.1 text, or None when no stop has a location (then there is nothing to draw)."""
    located = [s for s in segments if s.segment.location is not None]
    if not located:
        return None
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "audiotour"
    gpx.name = tour.title
    gpx.description = tour.description
    gpx.author_name = tour.author
    route = gpxpy.gpx.GPXRoute(name=tour.title)
    for stop in located:
        location = stop.segment.location
        assert location is not None  # narrowed above; for the type checker
        lat, lon = location.lat, location.lon
        waypoint = gpxpy.gpx.GPXWaypoint(lat, lon, name=stop.title, description=_summary(stop.segment.narration))
        # Relative when the host is unknown: it resolves beside tour.gpx, where the MP3s are.
        # gpxpy declares these attributes as None only, hence the ignores.
        waypoint.link = url_for(base_url, stop.file)  # type: ignore[assignment]
        waypoint.link_text = stop.title  # type: ignore[assignment]
        waypoint.link_type = "audio/mpeg"
        gpx.waypoints.append(waypoint)
        route.points.append(gpxpy.gpx.GPXRoutePoint(lat, lon, name=stop.title))
    gpx.routes.append(route)
    return gpx.to_xml(version="1.1")


def _summary(narration: Sequence[str]) -> str:
    """The first paragraph, short enough for a map pop-up."""
    first = narration[0] if narration else ""
    if len(first) <= DESCRIPTION_CHARS:
        return first
    return first[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"
