"""tour.gpx: a waypoint per located stop and a route through them, read back with gpxpy."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import gpxpy
import gpxpy.gpx

from audiotour.context import BuiltSegment
from audiotour.guide import write_guide
from audiotour.guide.gpx import tour_gpx
from audiotour.manifest import SegmentRecord, read_manifest
from audiotour.publishers import context_for
from audiotour.segments import make_segments
from audiotour.tour import Tour, load_tour
from conftest import BuiltTour, build_offline


def make_tour(*stops: dict[str, Any]) -> tuple[Tour, list[BuiltSegment]]:
    tour = Tour.model_validate({"title": "A & <b>", "description": "D", "author": "Me", "stops": list(stops)})
    built = [BuiltSegment(s, SegmentRecord(id=s.id, title=s.title, file=s.filename, start_s=0, duration_s=1,
                                           engine="espeak", voice="fr", text_sha256="", synthesized=True))
             for s in make_segments(tour)]
    return tour, built


def parse(text: str | None) -> gpxpy.gpx.GPX:
    assert text is not None
    return gpxpy.parse(text)


def test_one_waypoint_per_located_stop_and_a_route_in_order() -> None:
    tour, manifest = make_tour(
        {"title": "Nord <script>", "narration": "Premier paragraphe.\n\nSecond.", "location": {"lat": 43.3, "lon": 6.6}},
        {"title": "Sans lieu", "narration": "Rien."},
        {"title": "Sud", "narration": "Ici.", "location": {"lat": 43.1, "lon": 6.5}},
    )
    gpx = parse(tour_gpx(tour, manifest, None))
    assert (gpx.name, gpx.description, gpx.author_name, gpx.creator) == ("A & <b>", "D", "Me", "audiotour")
    assert [(w.name, w.latitude, w.longitude) for w in gpx.waypoints] == [("Nord <script>", 43.3, 6.6), ("Sud", 43.1, 6.5)]
    assert gpx.waypoints[0].description == "Premier paragraphe."
    assert (gpx.waypoints[0].link, gpx.waypoints[0].link_type) == ("00-nord-script.mp3", "audio/mpeg")
    assert gpx.waypoints[1].link == "02-sud.mp3"
    [route] = gpx.routes
    assert [p.name for p in route.points] == ["Nord <script>", "Sud"]


def test_links_are_absolute_when_the_host_is_known() -> None:
    tour, manifest = make_tour({"title": "Nord", "narration": "N.", "location": {"lat": 43.3, "lon": 6.6}})
    gpx = parse(tour_gpx(tour, manifest, "https://example.org/tour/"))
    assert gpx.waypoints[0].link == "https://example.org/tour/00-nord.mp3"


def test_a_long_first_paragraph_is_shortened_at_a_word() -> None:
    tour, manifest = make_tour({"title": "Nord", "narration": "mot " * 300, "location": {"lat": 43.3, "lon": 6.6}})
    description = parse(tour_gpx(tour, manifest, None)).waypoints[0].description
    assert description is not None and len(description) <= 501 and description.endswith("mot…")


def test_no_location_no_gpx(built_tour: BuiltTour, tmp_path: Path) -> None:
    tour, manifest = make_tour({"title": "Nulle part", "narration": "N."})
    assert tour_gpx(tour, manifest, None) is None

    # A tour that lost its locations also loses the tour.gpx an earlier build published.
    output = tmp_path / "out"
    shutil.copytree(built_tour.output, output)
    assert (output / "tour.gpx").is_file()
    unlocated = tmp_path / "tour.yml"
    unlocated.write_text("\n".join(line for line in built_tour.tour_path.read_text("utf-8").splitlines()
                                   if "location:" not in line) + "\n", "utf-8")
    build_offline(unlocated, output, built_tour.cache)
    assert not (output / "tour.gpx").exists()


def test_the_built_tour_gpx_names_its_mp3s(built_tour: BuiltTour, tmp_path: Path) -> None:
    output = tmp_path / "out"
    shutil.copytree(built_tour.output, output)
    recorded = read_manifest(output)
    assert recorded is not None
    write_guide(context_for(load_tour(built_tour.tour_path), recorded, output, None, lambda _: None))
    gpx = gpxpy.parse((output / "tour.gpx").read_text("utf-8"))
    for waypoint in gpx.waypoints:
        assert waypoint.link is not None and (output / waypoint.link).is_file()
    assert [w.name for w in gpx.waypoints] == ["Cavalaire-sur-Mer", "Saint-Tropez"]
