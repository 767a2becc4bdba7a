"""tour.gpx: the located stops as waypoints and the route through them, for maps and GPS apps."""
from __future__ import annotations

import gpxpy.gpx

from ..manifest import Manifest
from ..tour import Tour

DESCRIPTION_CHARS = 500


def tour_gpx(tour: Tour, manifest: Manifest, base_url: str | None) -> str | None:
    """GPX 1.1 text, or None when no stop has a location (then there is nothing to draw)."""
    files = {s.id: s.file for s in manifest.segments if s.kind == "stop"}
    located = [stop for stop in tour.stops if stop.location is not None]
    if not located:
        return None
    gpx = gpxpy.gpx.GPX()
    gpx.creator = "audiotour"
    gpx.name = tour.title
    gpx.description = tour.description
    gpx.author_name = tour.author
    route = gpxpy.gpx.GPXRoute(name=tour.title)
    for stop in located:
        assert stop.location is not None  # narrowed above; for the type checker
        lat, lon = stop.location.lat, stop.location.lon
        waypoint = gpxpy.gpx.GPXWaypoint(lat, lon, name=stop.title, description=_summary(stop.narration))
        file = files.get(stop.slug)
        if file:
            # Relative when the host is unknown: it resolves beside tour.gpx, where the MP3s are.
            # gpxpy declares these attributes as None only, hence the ignores.
            waypoint.link = (base_url or "") + file  # type: ignore[assignment]
            waypoint.link_text = stop.title  # type: ignore[assignment]
            waypoint.link_type = "audio/mpeg"
        gpx.waypoints.append(waypoint)
        route.points.append(gpxpy.gpx.GPXRoutePoint(lat, lon, name=stop.title))
    gpx.routes.append(route)
    return gpx.to_xml(version="1.1")


def _summary(narration: str) -> str:
    """The first paragraph, short enough for a map pop-up."""
    first = " ".join(narration.strip().split("\n\n")[0].split())
    if len(first) <= DESCRIPTION_CHARS:
        return first
    return first[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + "…"
