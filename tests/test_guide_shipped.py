"""The web guide of the shipped tour (Provence, in French), in Chromium: the download for the day, offline, the map.

The tour in the repository is built once for the module with the offline engine.
"""
from __future__ import annotations

import json
import math
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from audiotour.tour import load_tour
from conftest import build_offline
from guidekit import (
    LARGE_PHONE,
    PAGE_PARTS,
    PHONE,
    PHONE_LANDSCAPE,
    UNCOVERED,
    WAIT_MS,
    browser,  # noqa: F401  (a fixture)
    new_phone,
    open_page,
    serving,
    shot,
)

ROOT = Path(__file__).parents[1]
BASE = "https://example.org/provence/"
CAVALAIRE_CAR_PARK = (43.1790, 6.5370)
"""A few hundred metres from the first site, where the family parks."""

pytestmark = pytest.mark.browser


@dataclass
class Shipped:
    output: Path
    url: str
    log: list[str]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shipped]:
    root = tmp_path_factory.mktemp("shipped")
    for name in ("tour.yml", "tour.en.yml"):
        shutil.copy(ROOT / name, root / name)
    shutil.copytree(ROOT / "sounds", root / "sounds")
    build_offline(root / "tour.yml", root / "out", root / "cache", base_url=BASE)
    log: list[str] = []
    with serving(root / "out", log) as url:
        yield Shipped(root / "out", url, log)


@pytest.fixture
def phone(browser: Any, shipped: Shipped) -> Iterator[Any]:  # noqa: F811
    contexts = []

    def make(position: tuple[float, float] | None = CAVALAIRE_CAR_PARK, **options: Any) -> Any:
        context = new_phone(browser, shipped.url, position, **options)
        contexts.append(context)
        return open_page(context, shipped.url)

    yield make
    for context in contexts:
        context.close()


def worker_files(output: Path) -> dict[str, list[Any]]:
    """The worker's list of the build's files: name → [hash, size]."""
    found = re.search(r"const FILES = (\{.*?\});", (output / "sw.js").read_text("utf-8"), re.DOTALL)
    assert found
    files: dict[str, list[Any]] = json.loads(found.group(1))
    return files


def published(output: Path) -> list[str]:
    """Every file of the build: the record's list, and the worker's (the page's own files)."""
    record = json.loads((output / "manifest.json").read_text("utf-8"))
    return sorted(set(record["files"]) | set(worker_files(output)))


SEEN = """() => { window.seen = [];
  new MutationObserver(() => window.seen.push(document.getElementById('download-state').textContent))
    .observe(document.getElementById('download-state'), {childList: true, characterData: true, subtree: true}); }"""

FETCH_ALL = """async (names) => {
  const answers = {};
  for (const name of names) {
    try {
      const whole = await fetch(name);
      const size = (await whole.arrayBuffer()).byteLength;
      let range = null;
      if (name.endsWith('.mp3')) {
        const part = await fetch(name, {headers: {Range: 'bytes=1000-1999'}});
        const bytes = new Uint8Array(await part.arrayBuffer());
        range = {status: part.status, header: part.headers.get('Content-Range'), bytes: Array.from(bytes)};
      }
      answers[name] = {status: whole.status, size, range};
    } catch (error) {
      answers[name] = {error: String(error)};
    }
  }
  return answers;
}"""


def test_download_for_the_visit_interrupted_resumed_then_offline(phone: Any, shipped: Shipped) -> None:
    page = phone()
    page.wait_for_selector("#download-go:not([hidden])")
    button = page.inner_text("#download-go")
    # The whole download's size, rounded as the page says it: every published file but the page and its worker.
    listed = {name: size for name, (_, size) in worker_files(shipped.output).items() if name not in ("index.html", "sw.js")}
    total = sum(listed.values())
    assert re.fullmatch(rf"Télécharger pour la visite\s+{math.floor(total / 1e6 + 0.5)} Mo", button), (button, total)
    page.evaluate(SEEN)

    # The signal drops halfway: one file cannot be had.
    record = json.loads((shipped.output / "manifest.json").read_text("utf-8"))
    gassin = next(s["file"] for s in record["segments"] if s["id"] == "gassin")
    missing = shipped.output / gassin
    hidden = missing.with_name("gassin.hidden")
    missing.rename(hidden)
    try:
        page.click("#download-go")
        page.wait_for_function("() => document.getElementById('download-state').textContent"
                               ".startsWith(\"Le téléchargement s'est arrêté\")", timeout=WAIT_MS)
    finally:
        hidden.rename(missing)
    shot(page, "shipped-download-interrupted")
    total = len(published(shipped.output))
    assert page.inner_text("#download-state") == \
        f"Le téléchargement s'est arrêté ({total - 1} sur {total} fichiers) : reprenez-le avec du réseau."
    assert page.inner_text("#download-go").startswith("Reprendre le téléchargement")
    # Progress in files and megabytes along the way.
    seen = page.evaluate("() => window.seen")
    # The files on the worker's list while they come, rounded as Intl rounds; once ready, the build record
    # and the worker itself count too.
    listed_bytes = sum(size for _, size in worker_files(shipped.output).values())
    kept = listed_bytes + sum((shipped.output / name).stat().st_size for name in ("manifest.json", "sw.js"))
    everything = math.floor(kept / 1e6 + 0.5)
    coming = math.floor(listed_bytes / 1e6 + 0.5)
    progress = [re.fullmatch(rf"Téléchargement : (\d+) sur (\d+) fichiers · ([\d,]+ [kM]o) sur {coming} Mo", s)
                for s in seen]
    counts = [int(m.group(1)) for m in progress if m]
    assert len(counts) > 10 and counts == sorted(counts) and counts[-1] >= total - 2
    # The browser here does not promise to keep the copy: the page says so.
    assert page.inner_text("#download-note").startswith("Le navigateur n'a pas promis")

    # Closed and opened again: the state is read from the cache, not remembered.
    page.reload()
    page.wait_for_function("() => document.getElementById('download-state').textContent === "
                           f"'Téléchargement interrompu : {total - 1} sur {total} fichiers.'")
    shipped.log.clear()
    page.click("#download-go")
    page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
    ready = page.inner_text("#download-state")
    minutes = math.floor(sum(s["duration_s"] for s in record["segments"]) / 60 + 0.5)  # as JavaScript rounds
    assert ready == f"Prête hors ligne · {minutes} min · {everything} Mo", ready
    fetched = [line for line in shipped.log if "?v=" in line]
    assert len(fetched) == 1 and f"/{gassin}?v=" in fetched[0], fetched  # resumed, not restarted
    assert page.inner_text("#download-remove") == "Supprimer"
    shot(page, "shipped-download-ready")

    # In a dead zone: every file of the build comes from the cache, the MP3s by byte ranges too.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
    names = published(shipped.output)
    assert {"tour.mp3", "tour.gpx", "manifest.json", "00-intro.vtt", "cover.jpg", "leaflet.js",
            "icons/icon-512.png", "sw.js"} <= set(names)
    answers = page.evaluate(FETCH_ALL, names)
    for name in names:
        answer = answers[name]
        assert answer.get("status") == 200, (name, answer)
        assert answer["size"] == (shipped.output / name).stat().st_size, name
        if name.endswith(".mp3"):
            size = (shipped.output / name).stat().st_size
            assert answer["range"]["status"] == 206 and answer["range"]["header"] == f"bytes 1000-1999/{size}"
            assert bytes(answer["range"]["bytes"]) == (shipped.output / name).read_bytes()[1000:2000]
    page.click("#stop-cavalaire .listen")
    page.wait_for_function("() => { const a = document.getElementById('audio');"
                           " return !a.paused && a.currentTime > 0.3; }", timeout=WAIT_MS)

    # A file gone from the cache (the browser evicted it) shows as a download to finish, not as ready.
    page.evaluate("""async () => {
        for (const name of await caches.keys()) {
            const cache = await caches.open(name);
            for (const request of await cache.keys()) if (/\\/tour\\.mp3\\?/.test(request.url)) await cache.delete(request);
        }}""")
    page.reload()
    page.wait_for_function("() => document.getElementById('download-state').textContent === "
                           f"'Téléchargement interrompu : {total - 1} sur {total} fichiers.'")

    # Removed on purpose: back to the offer, the page itself still kept.
    page.context.set_offline(False)
    page.click("#download-go")
    page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
    page.click("#download-remove")
    page.wait_for_function("() => document.getElementById('download-go').textContent.startsWith('Télécharger')")
    kept = page.evaluate("async () => { const [name] = await caches.keys(); const c = await caches.open(name);"
                         " return (await c.keys()).map((r) => new URL(r.url).pathname); }")
    assert not [path for path in kept if path.endswith(".mp3")]
    assert "/index.html" in kept
    assert page.problems == []
    # No request left the machine but for map tiles, and only from the tile server.
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in page.context.outside)


def test_the_map_shows_every_stop_and_the_visitor(phone: Any) -> None:
    page = phone()
    page.click("#start")
    page.wait_for_selector(".you-marker")
    assert page.locator(".stop-marker").all_inner_texts() == [str(n) for n in range(1, 9)]
    titles = [page.locator(".stop-marker").nth(n).get_attribute("title") for n in range(8)]
    stops = load_tour(ROOT / "tour.yml").tour.stops
    assert titles == [stop.title for stop in stops]
    assert page.locator(".you-accuracy").count() == 1
    assert page.locator(".leaflet-overlay-pane path").count() == 1  # the route
    attribution = page.inner_text(".leaflet-control-attribution")
    assert "Leaflet" in attribution and "OpenStreetMap" in attribution
    assert page.get_attribute(".leaflet-control-attribution a", "href") == "leaflet-LICENSE.txt"
    assert "licence BSD-2" in attribution
    page.locator("#map-box").scroll_into_view_if_needed()
    shot(page, "shipped-map")
    assert page.problems == []


@pytest.mark.parametrize("viewport", [PHONE, PHONE_LANDSCAPE, LARGE_PHONE], ids=["small", "landscape", "large"])
def test_guidance_stays_on_screen_and_covers_nothing(phone: Any, viewport: dict[str, int]) -> None:
    page = phone(viewport=viewport)
    page.click("#start")
    page.wait_for_selector("#next:not([hidden])")
    assert page.inner_text("#next-title") == "Cavalaire-sur-Mer, la plage Alpha Red"
    assert re.fullmatch(r"à \d+ m, vers le (sud|sud-ouest|ouest) · ≈ \d+ min à pied · ± 10 m",
                        page.inner_text("#next-distance"))
    page.evaluate("() => document.getElementById('audio').pause()")
    name = f"shipped-{viewport['width']}x{viewport['height']}"
    shot(page, name)
    assert page.evaluate(UNCOVERED, PAGE_PARTS) == []
    # The panel and its navigation button stay where they are while the page scrolls.
    before = page.eval_on_selector("#next-go", "b => b.getBoundingClientRect().toJSON()")
    page.mouse.wheel(0, 3000)
    page.wait_for_timeout(300)
    after = page.eval_on_selector("#next-go", "b => b.getBoundingClientRect().toJSON()")
    assert before == after
    if viewport == PHONE and os.environ.get("AUDIOTOUR_README_SHOT"):
        # The picture in the README: the map above the guidance, as on a phone.
        page.evaluate("() => { window.scrollTo(0, 0); document.getElementById('map-box').scrollIntoView(); }")
        page.wait_for_timeout(300)
        page.screenshot(path=str(ROOT / "docs" / "guide-phone.png"))
    assert page.problems == []


LEG = re.compile(r"^      to (\S+) (on foot|by car|by bike): ([\d.]+) km (by road|by road or path|as the crow flies), "
                 r"about (\d+) min", re.MULTILINE)
MODES = {"on foot": ("foot", "à pied"), "by car": ("car", "en voiture"), "by bike": ("bike", "à vélo")}


def test_each_leg_is_the_same_in_check_and_in_the_guide(phone: Any, shipped: Shipped) -> None:
    from click.testing import CliRunner

    from audiotour.cli import cli

    legs = LEG.findall(CliRunner().invoke(cli, ["check", str(ROOT / "tour.yml")]).output)
    page_html = (shipped.output / "index.html").read_text("utf-8")
    found = re.search(r'<script type="application/json" id="tour-data">(.*?)</script>', page_html, re.DOTALL)
    assert found
    stops = [s for s in json.loads(found.group(1))["segments"] if s["kind"] == "stop"]
    assert len(legs) == len(stops) - 1 == 7 and "way" not in stops[-1]
    page = phone()
    for stop, (target, mode, km, how, minutes) in zip(stops, legs):
        way = stop["way"]
        assert (way["mode"], f"{way['distance_km']:.1f}", way["minutes"], way["measured"]) == (
            MODES[mode][0], km, int(minutes), how != "as the crow flies"), target
        # On the stop's card, as the visitor reads it.
        text = page.inner_text(f"#stop-{stop['id']} .leg")
        shown = re.fullmatch(r"Jusqu'à l'arrêt suivant : (\d+(?:,\d)?)\u00a0(km|m)( à vol d'oiseau)?, ≈ (\d+) min (.+)",
                             text)
        assert shown, text
        number = float(shown.group(1).replace(",", ".")) / (1000 if shown.group(2) == "m" else 1)
        assert abs(number - float(km)) < 0.051, text
        assert (bool(shown.group(3)), shown.group(4), shown.group(5)) == (
            how == "as the crow flies", minutes, MODES[mode][1]), text
    assert page.problems == []


@pytest.mark.slow
def test_the_shipped_tour_has_a_feed_in_french_and_one_in_english(shipped: Shipped) -> None:
    import feedparser

    for folder, language in ((shipped.output, "fr"), (shipped.output / "en", "en")):
        record = json.loads((folder / "manifest.json").read_text("utf-8"))
        feed = feedparser.parse((folder / "feed.xml").read_bytes())
        assert not feed.bozo and feed.feed.language == language == record["language"]
        # One item per segment, each the segment of its own language's folder.
        assert [e.enclosures[0].href for e in feed.entries] == \
            [BASE + ("en/" if language == "en" else "") + s["file"] for s in record["segments"]]
        assert [e.title for e in feed.entries] == [s["title"] for s in record["segments"]]
    assert json.loads((shipped.output / "manifest.json").read_text("utf-8"))["languages"] == {"fr": "", "en": "en/"}
