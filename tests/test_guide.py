"""The web guide: what write_guide writes, then the page itself in headless Chromium.

One tour is built per module, full of markup in its text; one browser is
launched per module and each test opens its own context (fresh permissions,
position and service worker).
"""
from __future__ import annotations

import json
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from audiotour import publishers
from audiotour.context import PublishContext
from audiotour.errors import TourError
from audiotour.guide import write_guide
from audiotour.guide.page import content_security_policy, short_name, web_manifest
from audiotour.guide.strings import all_ui_strings, ui_strings
from audiotour.manifest import read_manifest, write_manifest
from audiotour.publishers import context_for
from audiotour.serve import make_server
from audiotour.tour import LoadedTour, load_tour
from conftest import DATA, build_offline
from guidekit import GRANT_WAKE_LOCK, WAIT_MS, browser  # noqa: F401  (a fixture)

pytestmark = pytest.mark.slow  # the guide is built from a built tour

ATTACK = "<img src=x onerror=alert(1)>"
TOUR = f"""\
title: "Visite <b>test</b> </script><script>alert(1)</script>"
description: "{ATTACK} et </script> & <!-- fin"
language: fr
intro: {{title: Bienvenue, narration: Bonjour.}}
stops:
  - title: "Port {ATTACK}"
    id: port
    narration: "Le port. </script><script>alert(2)</script> Fin."
    location: {{lat: 43.2716, lon: 6.6393}}
    radius: 100
    date: 1944-08-15T08:00
    image: images/port.png
    links: [{{title: "Lien <i>x</i>", url: "https://example.org/?a=<b>"}}]
  - title: Plage
    id: plage
    narration: La plage.
    location: {{lat: 43.1727, lon: 6.5330}}
  - title: Sans lieu
    narration: Un arrêt sans position.
outro: {{title: "Fin {{{{noscript_links}}}}", narration: Merci.}}
"""
PORT = (43.2716, 6.6393)
PORT_IMAGE = "images/01-port.png"
"""Where the build publishes the port's photo (segment 01, after the intro)."""
HALFWAY = (43.2200, 6.5900)


@dataclass
class Guide:
    loaded: LoadedTour
    output: Path
    cache: Path
    written: list[str]

    def context(self, output: Path | None = None) -> PublishContext:
        output = output or self.output
        manifest = read_manifest(output)
        assert manifest is not None
        return context_for(self.loaded, manifest, output, None, lambda _: None)


@pytest.fixture(scope="module")
def guide(tmp_path_factory: pytest.TempPathFactory) -> Guide:
    root = tmp_path_factory.mktemp("guide")
    (root / "images").mkdir()
    shutil.copy(Path(__file__).parents[1] / "src/audiotour/guide/assets/icons/icon-192.png", root / "images/port.png")
    (root / "tour.yml").write_text(TOUR, "utf-8")
    built = Guide(load_tour(root / "tour.yml"), root / "audio_out", root / "cache", [])
    # Every build publishes the guide: what it wrote is in the build's report.
    built.written = build_offline(built.loaded.path, built.output, built.cache).written
    return built


def page_data(output: Path) -> dict[str, Any]:
    page = (output / "index.html").read_text("utf-8")
    match = re.search(r'<script type="application/json" id="tour-data">(.*?)</script>', page, re.DOTALL)
    assert match
    data: dict[str, Any] = json.loads(match.group(1))
    return data


# -- what is written ---------------------------------------------------------------


def test_writes_the_page_its_files_and_the_gpx(guide: Guide) -> None:
    assert {
        "index.html", "app.js", "style.css", "sw.js", "manifest.webmanifest", "tour.gpx", PORT_IMAGE,
        "icons/icon-192.png", "icons/icon-512.png", "icons/icon.svg",
    } <= set(guide.written)
    assert (guide.output / PORT_IMAGE).read_bytes() == (guide.loaded.folder / "images/port.png").read_bytes()


def test_writing_again_writes_nothing(guide: Guide) -> None:
    # The guide shows what the podcast publisher publishes (stop images): publish as a build does.
    assert publishers.publish(guide.context()) == []


def test_an_unchanged_rebuild_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publishers, "PUBLISHERS", [write_guide])
    tour = tmp_path / "tour.yml"
    shutil.copy(DATA / "mini.yml", tour)
    first = build_offline(tour, tmp_path / "out", tmp_path / "cache")
    assert "index.html" in first.written and "sw.js" in first.written
    assert build_offline(tour, tmp_path / "out", tmp_path / "cache").written == []


def test_tour_text_reaches_the_page_only_as_escaped_json(guide: Guide) -> None:
    page = (guide.output / "index.html").read_text("utf-8")
    head, _, body = page.partition("</head>")
    assert "<img src=x" not in page
    assert "alert(2)" not in body
    assert page.count("</script>") == 3  # the data's, leaflet.js's and app.js's own, nothing injected
    assert "<title>Visite &lt;b&gt;test&lt;/b&gt; &lt;/script&gt;" in head
    data = page_data(guide.output)
    assert data["title"] == "Visite <b>test</b> </script><script>alert(1)</script>"
    assert data["segments"][1]["title"] == f"Port {ATTACK}"
    assert data["segments"][-1]["title"] == "Fin {{noscript_links}}"  # a placeholder in the tour stays text
    csp = content_security_policy(data["tiles"])
    assert f'<meta http-equiv="Content-Security-Policy" content="{csp}">' in head
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "img-src 'self' https://tile.openstreetmap.org;" in csp


def test_the_page_data_follows_the_build_record(guide: Guide) -> None:
    data = page_data(guide.output)
    manifest = read_manifest(guide.output)
    assert manifest is not None
    assert [s["file"] for s in data["segments"]] == [s.file for s in manifest.segments]
    port = data["segments"][1]
    assert (port["lat"], port["lon"], port["radius"]) == (*PORT, 100)
    assert port["date"] == [1944, 8, 15, 8, 0]
    assert port["image"] == PORT_IMAGE
    assert port["sentences"][0][2] == f"Port {ATTACK}"
    assert "lat" not in data["segments"][3]
    assert data["ui"]["start"] == "Commencer la visite"
    assert data["short_title"] is None
    # What the download for the visit weighs, before the worker can say (index.html aside).
    published = [name for name in manifest.files if name not in ("manifest.json", "sw.js", "index.html")]
    assert data["download"]["files"] == len(published)
    assert data["download"]["bytes"] == sum((guide.output / name).stat().st_size for name in published)
    assert ui_strings("en-GB")["start"] == "Start the visit" and ui_strings("fr-CA")["start"] == data["ui"]["start"]


def test_every_url_is_relative(guide: Guide) -> None:
    page = (guide.output / "index.html").read_text("utf-8")
    for url in re.findall(r'(?:href|src)="([^"]*)"', page):
        assert not re.match(r"^(/|[a-z]+:)", url), url
    installed = json.loads((guide.output / "manifest.webmanifest").read_text("utf-8"))
    assert installed["start_url"] == installed["scope"] == "./"
    assert installed["lang"] == "fr" and installed["display"] == "standalone"
    for icon in installed["icons"]:
        assert (guide.output / icon["src"]).is_file()


def sw_listing(output: Path) -> tuple[str, dict[str, list[Any]], list[str]]:
    text = (output / "sw.js").read_text("utf-8")
    version = re.search(r'const VERSION = "(\w+)";', text)
    files = re.search(r"const FILES = (\{.*?\});", text, re.DOTALL)
    shell = re.search(r"const SHELL = (\[.*?\]);", text)
    assert version and files and shell
    return version.group(1), json.loads(files.group(1)), json.loads(shell.group(1))


def test_the_service_worker_keeps_every_file_and_changes_with_them(guide: Guide, tmp_path: Path) -> None:
    version, files, shell = sw_listing(guide.output)
    manifest = read_manifest(guide.output)
    assert manifest is not None
    # Everything the build publishes, the episode and transcripts too; the record is fetched beside them.
    assert set(manifest.files) - {"manifest.json", "sw.js"} <= set(files)
    assert {"index.html", "app.js", "style.css", "manifest.webmanifest", "leaflet.js", "tour.gpx", PORT_IMAGE,
            "00-intro.mp3", "01-port.mp3", "04-outro.mp3", "tour.mp3", "00-intro.vtt"} <= set(files)
    assert "sw.js" not in files
    for name, (_, size) in files.items():
        assert (guide.output / name).stat().st_size == size, name
    # Kept at once, so the page opens offline: small, and no audio.
    assert {"index.html", "app.js", "leaflet.js", "icons/icon-192.png"} <= set(shell)
    assert not [name for name in shell if name.endswith(".mp3")]

    copy = tmp_path / "out"
    shutil.copytree(guide.output, copy)
    with (copy / "01-port.mp3").open("ab") as handle:
        handle.write(b"\0")
    # The page shows the download's size: it changes with the file.
    assert sorted(publishers.publish(guide.context(copy))) == ["index.html", "sw.js"]
    new_version, new_files, _ = sw_listing(copy)
    assert new_version != version
    assert {k for k in files if files[k] != new_files[k]} == {"01-port.mp3", "index.html"}


def test_the_installed_name_fits_a_home_screen() -> None:
    assert short_name("Le Débarquement de Provence") == "Débarquement"
    assert short_name("Cavalaire, la plage") == "Cavalaire"
    assert short_name("Visite test") == "Visite test"
    assert len(short_name("Supercalifragilisticexpialidocious")) <= 12
    manifest = json.loads(web_manifest({"title": "Le Débarquement de Provence", "short_title": "Provence 44",
                                        "description": "", "lang": "fr"}, []))
    assert manifest["short_name"] == "Provence 44"


def test_the_page_speaks_french_and_english_alike() -> None:
    UI = all_ui_strings()
    assert UI["fr"].keys() == UI["en"].keys()
    compass = UI["fr"]["compass"]
    assert "vers l'ouest" in compass and "vers l'est" in compass
    assert not any(re.search(r"\b(le|la|de) [aeiouéèh]", phrase) for phrase in compass)
    for language in ("fr", "en"):
        for key, text in UI[language].items():
            if isinstance(text, str):
                assert text == text.strip() and "  " not in text, (language, key)


def test_images_are_never_read_outside_the_tour_folder(guide: Guide, tmp_path: Path) -> None:
    (tmp_path / "secret.png").write_bytes(b"secret")
    tour = guide.loaded.tour
    stops = [tour.stops[0].model_copy(update={"image": "../secret.png"}), *tour.stops[1:]]
    (tmp_path / "tour").mkdir()
    sneaky = LoadedTour(tour=tour.model_copy(update={"stops": stops}), path=tmp_path / "tour" / "tour.yml")
    (tmp_path / "out").mkdir()
    with pytest.raises(TourError, match="outside the tour's folder"):
        publishers.publish(context_for(sneaky, guide.context().manifest, tmp_path / "out", None, lambda _: None))
    assert not (tmp_path / "out" / "images").exists()


# -- in a browser --------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(guide: Guide) -> Iterator[str]:
    server = make_server(guide.output, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def open_page(browser: Any, site: str) -> Iterator[Any]:  # noqa: F811
    """open_page(position) -> a loaded page in a fresh context placed there, failing on any dialog."""
    contexts = []

    def open_at(position: tuple[float, float]) -> Any:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="fr-FR", permissions=["geolocation"],
            geolocation={"latitude": position[0], "longitude": position[1], "accuracy": 10},
        )
        context.add_init_script(GRANT_WAKE_LOCK)
        context.route(lambda url: not url.startswith(site), lambda route: route.abort())  # no tiles in tests
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        page.on("dialog", lambda dialog: (problems.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.problems = problems
        page.goto(site)
        return page

    yield open_at
    for context in contexts:
        context.close()


def audio_state(page: Any) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(
        "() => { const a = document.getElementById('audio');"
        " return {src: a.currentSrc, time: a.currentTime, paused: a.paused}; }")
    return state


@pytest.mark.browser
def test_markup_in_the_tour_shows_as_text(open_page: Any) -> None:
    page = open_page(HALFWAY)
    page.wait_for_selector("#stop-port h2")
    assert page.inner_text("h1") == "Visite <b>test</b> </script><script>alert(1)</script>"
    assert page.inner_text("#stop-port h2") == f"Port {ATTACK}"
    assert page.locator(".description").inner_text().startswith(ATTACK)
    assert page.locator("img[src=x], b, i, script:not([src]):not([type])").count() == 0
    assert page.eval_on_selector("#stop-port .links a", "a => a.href") == "https://example.org/?a=%3Cb%3E"
    assert page.locator("#stop-port .photo").get_attribute("src") == PORT_IMAGE
    assert page.title() == "Visite <b>test</b> </script><script>alert(1)</script>"
    # On the map too, titles are text: a marker's title attribute, nothing parsed.
    page.wait_for_selector(".stop-marker")
    assert page.locator(".stop-marker").first.get_attribute("title") == f"Port {ATTACK}"
    assert page.problems == []


@pytest.mark.browser
def test_the_first_buttons_download_and_start_the_visit_and_a_stop_plays_on_arrival(open_page: Any) -> None:
    page = open_page((PORT[0] + 0.0003, PORT[1]))  # about 33 m from the port
    page.wait_for_selector("#download-go:not([hidden])")
    buttons = page.locator("button:visible")
    assert [buttons.nth(0).get_attribute("id"), buttons.nth(1).get_attribute("id")] == ["download-go", "start"]
    assert page.inner_text("#download-go").startswith("Télécharger pour la visite")
    page.click("#start")
    # The introduction comes first; the port, reached meanwhile, follows it.
    page.wait_for_function("() => /00-intro\\.mp3$/.test(document.getElementById('audio').currentSrc)")
    page.wait_for_function(
        "() => { const a = document.getElementById('audio');"
        " return /01-port\\.mp3$/.test(a.currentSrc) && !a.paused && a.currentTime > 0.5; }", timeout=WAIT_MS)
    assert page.get_attribute("#stop-port", "aria-current") == "location"
    assert page.evaluate("() => navigator.mediaSession.metadata.title") == f"Port {ATTACK}"
    assert page.evaluate("() => navigator.mediaSession.metadata.album").startswith("Visite <b>")
    before = audio_state(page)["time"]

    # Lingering, and moving inside the radius, does not restart the story.
    assert page.inner_text("#stop-port .distance") == "30 m"
    page.context.set_geolocation({"latitude": PORT[0] + 0.0001, "longitude": PORT[1], "accuracy": 10})
    page.wait_for_function("() => document.querySelector('#stop-port .distance').textContent === '10 m'")
    state = audio_state(page)
    assert state["src"].endswith("01-port.mp3") and state["time"] > before and not state["paused"]

    # The read-along marks the sentence being spoken.
    page.wait_for_selector("#stop-port .transcript span.now")
    assert page.problems == []


@pytest.mark.browser
def test_between_stops_the_page_points_to_the_next_one(open_page: Any) -> None:
    page = open_page(HALFWAY)
    page.click("#start")
    page.wait_for_selector("#next:not([hidden])")
    # Halfway, the nearer site comes first: a visit may start anywhere.
    assert page.inner_text("#next-title") == f"Port {ATTACK}"
    distance = page.inner_text("#next-distance")
    assert re.fullmatch(r"à \d+(,\d)? km, vers le nord-est · ≈ \d+ min en voiture · ± 10 m", distance), distance
    assert page.get_attribute("#next-go", "href").endswith("travelmode=driving&destination=43.2716,6.6393")
    assert page.get_attribute("#arrow", "style").startswith("transform: rotate(")
    assert page.inner_text("#stop-port .distance").endswith("km")

    # A replay by hand: the stop's button plays it from its start.
    page.click("#stop-plage .listen")
    page.wait_for_function("() => /02-plage\\.mp3$/.test(document.getElementById('audio').currentSrc)"
                           " && !document.getElementById('audio').paused")
    assert page.get_attribute("#stop-plage .listen", "aria-label") == "Mettre en pause : Plage"
    assert page.problems == []


@pytest.mark.browser
def test_offline_the_page_and_its_segments_come_from_the_service_worker(open_page: Any, guide: Guide) -> None:
    page = open_page(HALFWAY)
    page.click("#download-go")
    page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    assert page.inner_text("#stop-plage h2") == "Plage"
    page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
    answer = page.evaluate("""async () => {
        const response = await fetch('01-port.mp3', {headers: {Range: 'bytes=100-1099'}});
        const body = new Uint8Array(await response.arrayBuffer());
        return {status: response.status, range: response.headers.get('Content-Range'),
                type: response.headers.get('Content-Type'), body: Array.from(body)};
    }""")
    mp3 = (guide.output / "01-port.mp3").read_bytes()
    assert answer["status"] == 206
    assert answer["range"] == f"bytes 100-1099/{len(mp3)}"
    assert answer["type"] == "audio/mpeg"
    assert bytes(answer["body"]) == mp3[100:1100]
    assert page.evaluate("() => fetch('nothing.txt').then(() => 'online', () => 'offline')") == "offline"

    # And the player plays from the cache, ranges and all.
    page.click("#stop-port .listen")
    page.wait_for_function("() => { const a = document.getElementById('audio');"
                           " return !a.paused && a.currentTime > 0.3; }", timeout=WAIT_MS)
    assert page.problems == []


@pytest.mark.browser
def test_a_changed_tour_reaches_a_visitor_who_has_it_offline(browser: Any, guide: Guide,  # noqa: F811
                                                             tmp_path: Path) -> None:
    output = tmp_path / "out"
    shutil.copytree(guide.output, output)
    requests: list[str] = []
    server = make_server(output, "127.0.0.1", 0, log=requests.append)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
        page.click("#download-go")
        page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
        page.wait_for_function("() => navigator.serviceWorker.controller !== null")
        [old_cache] = page.evaluate("() => caches.keys()")

        # A new build: one segment changed, its record too.
        with (output / "01-port.mp3").open("ab") as handle:
            handle.write(b"\0" * 10)
        record = read_manifest(output)
        assert record is not None
        segments = list(record.segments)
        segments[1] = replace(segments[1], size_bytes=(output / "01-port.mp3").stat().st_size)
        write_manifest(output, replace(record, segments=tuple(segments)))
        assert sorted(publishers.publish(guide.context(output))) == ["index.html", "sw.js"]
        requests.clear()
        page.reload()
        # The new build waits beside the complete old one until the visitor says so.
        page.wait_for_selector("#update-box:not([hidden])", timeout=WAIT_MS)
        assert page.inner_text("#update-text") == "Nouvelle version de la visite"
        assert len(page.evaluate("() => caches.keys()")) == 2
        assert page.evaluate("() => fetch('01-port.mp3').then(r => r.arrayBuffer()).then(b => b.byteLength)") == \
            (guide.output / "01-port.mp3").stat().st_size  # still the old build, whole
        with page.expect_navigation(timeout=WAIT_MS):  # complete, then switched all at once
            page.click("#update")
        page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
        assert page.locator("#update-box").is_hidden()
        for _ in range(100):
            caches = page.evaluate("() => caches.keys()")
            if len(caches) == 1:
                break
            page.wait_for_timeout(100)
        [new_cache] = caches
        assert new_cache != old_cache
        size = page.evaluate("() => fetch('01-port.mp3').then(r => r.arrayBuffer()).then(b => b.byteLength)")
        assert size == (output / "01-port.mp3").stat().st_size
        fetched = [line for line in requests if ".mp3?v=" in line]
        assert len(fetched) == 1 and "/01-port.mp3?v=" in fetched[0]  # the rest came from the old cache
    finally:
        context.close()
        server.shutdown()
        server.server_close()
