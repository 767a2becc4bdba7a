"""The guide's map tiles in Chromium: none at all, or the tour's own tile server and no other host.

One small tour built twice into two folders (one speech cache), each served on 127.0.0.1;
nothing leaves the machine: any other request is caught (the tile server's answered with a
tile of ours) and remembered.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import build_offline
from guidekit import WAIT_MS, browser, new_phone, open_page, serving, shot  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser

TOUR = """\
title: Trois sites pour la carte
description: Une carte tracée des seules coordonnées de la visite.
language: fr
{guide}stops:
  - {{title: Le moulin, id: un, narration: Voici le moulin., location: {{lat: 43.2000, lon: 6.5000}}}}
  - {{title: La chapelle, id: deux, narration: Voici la chapelle., location: {{lat: 43.2100, lon: 6.5100}}}}
  - {{title: Le lavoir, id: trois, narration: Voici le lavoir., location: {{lat: 43.2200, lon: 6.5000}}}}
"""
OWN = "https://{s}.tiles.example.org/carte/{z}/{x}/{y}.png?cle=abc"
GUIDES = {
    "none": "guide: {tiles: none}\n",
    "own": f"guide: {{tiles: '{OWN}', tiles_attribution: © Office de tourisme du moulin}}\n",
}
TILE = (Path(__file__).parents[1] / "src/audiotour/guide/assets/icons/icon-192.png").read_bytes()
"""What the fake tile server answers: any PNG will do."""
OUTSIDE = """async () => {
  // What this page's worker keeps: only its own files, never a tile.
  const kept = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) kept.push(request.url);
  }
  return kept.filter((url) => !url.startsWith(location.origin));
}"""


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("tiles")
    urls: dict[str, str] = {}
    with serving(_build(root, "none")) as none, serving(_build(root, "own")) as own:
        urls.update(none=none, own=own)
        yield urls


def _build(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "tour.yml").write_text(TOUR.format(guide=GUIDES[name]), "utf-8")
    build_offline(folder / "tour.yml", folder / "out", root / "cache")
    return folder / "out"


@pytest.fixture
def phone(browser: Any, sites: dict[str, str]) -> Iterator[Any]:  # noqa: F811
    """phone(name) -> a page open on that guide; context.outside lists every request that left 127.0.0.1."""
    contexts = []

    def make(name: str) -> Any:
        context = new_phone(browser, sites[name], (43.1950, 6.5000))
        # The tile server, answered here (a route added later is tried first); remembered all the same.
        tiles: list[str] = []
        context.tiles = tiles
        context.route("https://*.tiles.example.org/**", lambda route: (
            tiles.append(route.request.url), route.fulfill(status=200, content_type="image/png", body=TILE)))
        contexts.append(context)
        page = open_page(context, sites[name])
        page.violations = []
        page.on("console", lambda message: page.violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page

    yield make
    for context in contexts:
        context.close()


def test_without_tiles_the_map_draws_the_stops_and_nothing_leaves_the_machine(phone: Any) -> None:
    page = phone("none")
    page.click("#start")
    page.wait_for_selector(".you-marker")
    assert page.locator(".stop-marker").all_inner_texts() == ["1", "2", "3"]
    assert page.locator(".leaflet-overlay-pane path").count() == 1  # the route
    assert page.locator(".leaflet-tile").count() == 0
    # No tiles, no tiles' credit: only the map library's own.
    assert page.inner_text(".leaflet-control-attribution") == "Leaflet (licence BSD-2)"
    # The page may not even try: its policy lets images come from its own folder alone.
    policy = page.get_attribute('meta[http-equiv="Content-Security-Policy"]', "content")
    assert "img-src 'self';" in policy
    page.evaluate("() => { const image = new Image(); image.src = 'https://tile.openstreetmap.org/1/1/1.png'; "
                  "document.body.append(image); }")
    page.wait_for_function("() => document.querySelector('img[src^=\"https://tile\"]').complete")
    page.locator("#map-box").scroll_into_view_if_needed()
    shot(page, "tiles-none")
    assert page.context.outside == [] and page.context.tiles == []
    assert page.violations, "the policy refused the image"
    assert page.problems == []


def test_the_tours_own_tile_server_is_the_one_host_the_page_reaches(phone: Any) -> None:
    page = phone("own")
    page.wait_for_selector(".leaflet-tile-loaded", timeout=WAIT_MS)
    requested = list(page.context.tiles)
    assert requested
    for url in requested:
        host, _, rest = url.removeprefix("https://").partition("/")
        assert host in ("a.tiles.example.org", "b.tiles.example.org", "c.tiles.example.org"), url
        assert rest.startswith("carte/") and rest.endswith(".png?cle=abc"), url
    attribution = page.inner_text(".leaflet-control-attribution")
    assert "© Office de tourisme du moulin" in attribution and "OpenStreetMap" not in attribution
    # Any other host is refused by the page's policy before a request is made.
    page.evaluate("() => { const image = new Image(); image.src = 'https://tile.openstreetmap.org/1/1/1.png'; "
                  "document.body.append(image); }")
    page.wait_for_function("() => document.querySelector('img[src^=\"https://tile.openstreetmap\"]').complete")
    assert page.context.outside == []
    # Tiles are never kept offline, even once the visit is downloaded.
    page.click("#download-go")
    page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
    assert page.evaluate(OUTSIDE) == []
    page.locator("#map-box").scroll_into_view_if_needed()
    shot(page, "tiles-own")
    assert page.problems == []
