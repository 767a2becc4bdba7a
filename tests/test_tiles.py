"""The guide's map tiles are the tour's choice: OpenStreetMap's by default, a tile server of its own, or none.

Each choice reaches the page twice: in its data (what app.js puts under the map) and in its
Content-Security-Policy (the only host it may fetch images from, or none). A wrong address is
one located line, exit 2, nothing written. In a browser: test_guide_tiles.py.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotour.cli import cli
from audiotour.guide.data import page_data
from audiotour.guide.page import render_index
from audiotour.tour import load_tour

HEAD = "title: T\ndescription: D\n"
STOPS = "stops:\n  - {title: Plage, narration: Un deux., location: {lat: 43.17, lon: 6.53}}\n"
OWN = "https://{s}.tiles.example.org:8443/{z}/{x}/{y}{r}.png?key=abc"


def tour_file(tmp_path: Path, guide: str) -> Path:
    path = tmp_path / "tour.yml"
    path.write_text(HEAD + guide + STOPS, "utf-8")
    return path


def page(tmp_path: Path, guide: str) -> tuple[dict[str, object], str]:
    """The page data and the Content-Security-Policy of the tour's guide."""
    tour = load_tour(tour_file(tmp_path, guide)).tour
    data = page_data(tour, [], {}, None, {})
    template = resources.files("audiotour.guide").joinpath("assets/index.html").read_text("utf-8")
    html = render_index(template, data, css="style.css", js="app.js")
    found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', html)
    assert found
    return data, found.group(1)


def test_by_default_openstreetmap_with_its_credit_and_only_its_host(tmp_path: Path) -> None:
    data, csp = page(tmp_path, "")
    assert data["tiles"] == {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                             "attribution": "© les contributeurs d'OpenStreetMap",
                             "link": "https://www.openstreetmap.org/copyright"}
    assert "img-src 'self' https://tile.openstreetmap.org;" in csp


def test_a_tile_server_of_its_own_is_the_only_host_images_come_from(tmp_path: Path) -> None:
    data, csp = page(tmp_path, f"guide: {{tiles: '{OWN}', tiles_attribution: \"© Office de tourisme, OpenStreetMap\"}}\n")
    assert data["tiles"] == {"url": OWN, "attribution": "© Office de tourisme, OpenStreetMap", "link": None}
    # {s}: the three subdomains the map spreads requests over, and no other host.
    assert ("img-src 'self' https://a.tiles.example.org:8443 https://b.tiles.example.org:8443 "
            "https://c.tiles.example.org:8443;") in csp
    assert "openstreetmap" not in csp


def test_without_tiles_the_page_may_reach_no_other_host(tmp_path: Path) -> None:
    data, csp = page(tmp_path, "guide: {tiles: none}\n")
    assert data["tiles"] is None
    assert "img-src 'self';" in csp
    assert "https:" not in csp and "http:" not in csp


def test_every_directive_but_images_stays_the_pages_own(tmp_path: Path) -> None:
    _, default = page(tmp_path, "")
    _, own = page(tmp_path, f"guide: {{tiles: '{OWN}', tiles_attribution: ©}}\n")
    for csp in (default, own):
        directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
        assert {name: value for name, value in directives.items() if name != "img-src"} == {
            "default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "media-src": "'self'",
            "connect-src": "'self'", "font-src": "'self'", "manifest-src": "'self'", "worker-src": "'self'",
            "object-src": "'none'", "base-uri": "'none'", "form-action": "'none'"}


@pytest.mark.parametrize(("guide", "message"), [
    ("{tiles: 'http://tiles.example.org/{z}/{x}/{y}.png', tiles_attribution: ©}",
     "guide.tiles: 'http://tiles.example.org/{z}/{x}/{y}.png' does not start with https://: the guide fetches "
     "tiles only over https (e.g. https://tiles.example.org/{z}/{x}/{y}.png), or write none for a map without tiles"),
    ("{tiles: 'https://tiles.example.org/{z}/{x}.png', tiles_attribution: ©}",
     "guide.tiles: 'https://tiles.example.org/{z}/{x}.png' lacks {y}; a tile address names the zoom and the "
     "tile's column and row, e.g. https://tiles.example.org/{z}/{x}/{y}.png"),
    ("{tiles: 'https://tiles.example.org/{z}/{x}/{y}.png?key={apikey}', tiles_attribution: ©}",
     "guide.tiles: 'https://tiles.example.org/{z}/{x}/{y}.png?key={apikey}' has {apikey}, which the map cannot "
     "fill in; use only {z}, {x}, {y} (or {-y}), {s} and {r}"),
    ("{tiles: 'https://tiles.example.org/{z}/{x}/{y}.png\" onerror=\"x', tiles_attribution: ©}",
     "guide.tiles: 'https://tiles.example.org/{z}/{x}/{y}.png\" onerror=\"x' contains '\"', which a tile address "
     "may not hold; remove it"),
    ("{tiles: \"https://tiles.example.org/{z}/\\t{x}/{y}.png\", tiles_attribution: ©}",
     "guide.tiles: 'https://tiles.example.org/{z}/\\\\x09{x}/{y}.png' contains a control character (a tab, a line "
     "break…); remove it"),
    ("{tiles: 'https:///{z}/{x}/{y}.png', tiles_attribution: ©}",
     "guide.tiles: 'https:///{z}/{x}/{y}.png' has no host name a browser can reach: write it in letters, digits, "
     "hyphens and dots (a name beyond ASCII in its xn-- form), e.g. https://tiles.example.org/{z}/{x}/{y}.png"),
    ("{tiles: 'https://tiles.example.org;img-src */{z}/{x}/{y}.png', tiles_attribution: ©}",
     "guide.tiles: 'https://tiles.example.org;img-src */{z}/{x}/{y}.png' contains ' ', which a tile address may "
     "not hold; remove it"),
    ("{tiles: 'https://tiles.example.org;*/{z}/{x}/{y}.png', tiles_attribution: ©}",
     "guide.tiles: 'https://tiles.example.org;*/{z}/{x}/{y}.png' has no host name a browser can reach: write it "
     "in letters, digits, hyphens and dots (a name beyond ASCII in its xn-- form), "
     "e.g. https://tiles.example.org/{z}/{x}/{y}.png"),
    ("{tiles: 'https://{z}.tiles.example.org/{x}/{y}.png', tiles_attribution: ©}",
     "guide.tiles: 'https://{z}.tiles.example.org/{x}/{y}.png' has {z} in its host name; put {z}, {x} and {y} in "
     "the path, e.g. https://tiles.example.org/{z}/{x}/{y}.png"),
    ("{tiles: 'https://me:secret@tiles.example.org/{z}/{x}/{y}.png', tiles_attribution: ©}",
     "guide.tiles: 'https://me:secret@tiles.example.org/{z}/{x}/{y}.png' carries a user name or password, which "
     "every visitor would see; remove it"),
    ("{tiles: no}",
     "guide.tiles: false is not a tile address; write tiles: none for a map without tiles, or a tile server's "
     "https:// address"),
    ("{tiles: 'https://tiles.example.org/{z}/{x}/{y}.png'}",
     "guide.tiles_attribution: is required with your own tiles: the credit the tile server asks for, shown on "
     "the map, e.g. tiles_attribution: © OpenStreetMap contributors"),
    ("{tiles: none, tiles_attribution: © OpenStreetMap}",
     "guide.tiles_attribution: with tiles: none there are no tiles to credit; remove it"),
    ("{tiles_attribution: © OpenStreetMap}",
     "guide.tiles_attribution: OpenStreetMap's tiles carry their own credit; remove it"),
    ("{tile: none}", "guide.tile: unknown key; did you mean 'tiles'?"),
    ("none", "guide: expected a mapping (key: value lines), got 'none'"),
])
def test_a_wrong_tile_setting_is_one_located_line_and_nothing_is_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, guide: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    tour_file(tmp_path, f"guide: {guide}\n")
    for command in (["check", "tour.yml"], ["build", "tour.yml", "-o", "out", "-q", "--engine", "espeak"]):
        result = CliRunner(mix_stderr=False).invoke(cli, command, prog_name="audiotour")
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: tour.yml:3: {message}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tour.yml"]
