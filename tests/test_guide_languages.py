"""The web guide of a tour in two languages, in Chromium: it opens in the phone's language, switches
language at a stop without losing the visit, and keeps only the chosen language offline.

The small French tour with its English translation in tests/data/translations, built once per module
with the offline engine: French at the root of the output, English in en/.
"""
from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from audiotour.api import load_tour
from audiotour.pipeline import BuildOptions, build
from conftest import DATA, BuiltTour
from guidekit import (
    FAST_PLAY,
    PHONE,
    PHONE_LANDSCAPE,
    UNCOVERED,
    WAIT_MS,
    browser,  # noqa: F401  (a fixture)
    move,
    new_phone,
    serving,
    shot,
)

pytestmark = pytest.mark.browser

BEFORE = (43.1650, 6.5300)
"""A kilometre short of the first beach, where the visit starts."""
CAVALAIRE = (43.1733, 6.5352)
SAINT_TROPEZ = (43.2717, 6.6395)

CACHED = """async () => {
  const kept = {};
  for (const name of await caches.keys()) {
    const cache = await caches.open(name);
    kept[name] = (await cache.keys()).map((request) => new URL(request.url).pathname);
  }
  return kept;
}"""
"""Every cache of the page's origin: its name → the paths it holds."""

SCOPES = "async () => (await navigator.serviceWorker.getRegistrations()).map((r) => r.scope).sort()"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("languages")
    for name in ("tour.yml", "tour.en.yml"):
        shutil.copy(DATA / "translations" / name, root / name)
    # With its translation (the api's loader reads it), spoken by the offline engine.
    build(load_tour(root / "tour.yml"), BuildOptions(output=root / "out", cache_dir=root / "cache", engine="espeak"))
    return root / "out"


@pytest.fixture(scope="module")
def site(built: Path) -> Iterator[str]:
    with serving(built) as url:
        yield url


@pytest.fixture
def phone(browser: Any, site: str) -> Iterator[Any]:  # noqa: F811
    """phone(locale, path="") -> a page opened at site + path on a phone in that locale, not yet settled."""
    contexts = []

    def make(locale: str, path: str = "", position: tuple[float, float] | None = BEFORE, **options: Any) -> Any:
        context = new_phone(browser, site, position, locale=locale, **options)
        context.add_init_script(FAST_PLAY)
        contexts.append(context)
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.problems = problems
        page.goto(site + path)
        return page

    yield make
    for context in contexts:
        context.close()


def settled(page: Any, url: str) -> None:
    """The page at `url` (after any change of language), ready to start."""
    page.wait_for_url(url, timeout=WAIT_MS)
    page.wait_for_selector("#start:not([hidden]), #guidance:not([hidden])", timeout=WAIT_MS)


def playing(page: Any, path: str) -> None:
    page.wait_for_function(
        "(path) => { const a = document.getElementById('audio');"
        " return new URL(a.currentSrc || 'http://x/').pathname === path && !a.paused; }", arg=path, timeout=WAIT_MS)


def heard(page: Any, stop: str) -> None:
    page.wait_for_selector(f"#stop-{stop}.heard", timeout=WAIT_MS)


def worker_files(folder: Path) -> set[str]:
    found = re.search(r"const FILES = (\{.*?\});", (folder / "sw.js").read_text("utf-8"), re.DOTALL)
    assert found
    return set(json.loads(found.group(1)))


def test_each_language_downloads_only_its_own_folder(built: Path) -> None:
    french, english = worker_files(built), worker_files(built / "en")
    assert french and english
    assert not [name for name in french if name.startswith("en/")]
    assert not [name for name in english if name.startswith("../") or "/" in name and not name.startswith("icons/")]
    assert {"index.html", "01-cavalaire.mp3", "tour.mp3"} <= english
    for folder in (built, built / "en"):
        data = json.loads(re.search(r'id="tour-data">(.*?)</script>', (folder / "index.html").read_text("utf-8"),
                                    re.DOTALL).group(1))  # type: ignore[union-attr]
        listed = sum((folder / name).stat().st_size for name in worker_files(folder) if name != "index.html")
        # The page's promise of a size counts this language's files only (its worker's list, without itself).
        assert data["download"]["bytes"] == listed


def test_an_english_phone_hears_a_stop_switches_to_french_and_keeps_english_offline(phone: Any, site: str) -> None:
    page = phone("en-GB")
    settled(page, site + "en/")
    assert page.inner_text("h1") == "The Landing in Brief"
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#start") == "Start the visit"
    assert page.locator("#languages a").all_inner_texts() == ["Français", "English"]
    assert page.get_attribute("#languages", "aria-label") == "Language of the tour"
    assert page.get_attribute("#languages a[aria-current=page]", "hreflang") == "en"
    assert page.get_attribute("#languages a[hreflang=fr]", "lang") == "fr"
    assert page.evaluate(UNCOVERED, ["#languages a", "#download-go", "#start"]) == []
    shot(page, "languages-english-phone")

    # Downloaded for the visit: the English folder, and nothing of the French.
    page.click("#download-go")
    page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
    assert page.evaluate(SCOPES) == [site + "en/"]
    cached = page.evaluate(CACHED)
    assert len(cached) == 1 and all(path.startswith("/en/") for paths in cached.values() for path in paths), cached
    # The other language is offered, not fetched.
    page.wait_for_selector("#download-also button")
    assert page.inner_text("#download-also button") == "Also download: Français"
    shot(page, "languages-english-downloaded")

    # A stop heard in English.
    page.click("#start")
    playing(page, "/en/00-intro.mp3")
    move(page, CAVALAIRE)
    heard(page, "cavalaire")
    # At the next stop, the visitor would rather hear French: the same story goes on in French.
    move(page, SAINT_TROPEZ)
    playing(page, "/en/02-saint-tropez.mp3")
    page.click("#languages a[hreflang=fr]")
    page.wait_for_url(site)
    page.wait_for_selector("h1")
    assert page.inner_text("h1") == "Le Débarquement en bref"
    playing(page, "/02-saint-tropez.mp3")
    page.evaluate("() => document.getElementById('audio').pause()")
    assert page.inner_text("#player-title") == "Saint-Tropez"
    assert page.locator("#stop-cavalaire .tick").is_visible()
    assert page.get_attribute("#stop-cavalaire .tick", "aria-label") == "Écouté"
    assert page.locator("#stop-saint-tropez.playing").count() == 1
    # Still following the visitor: no button to press again, the guidance in French.
    assert page.locator("#start").is_hidden()
    assert page.locator("#guidance").is_visible()
    assert page.get_attribute("#languages a[aria-current=page]", "hreflang") == "fr"
    shot(page, "languages-switched-to-french")

    # Back to English, two thirds into the story: English goes on from the sentence spoken there.
    page.evaluate("""() => { const a = document.getElementById('audio');
        a.currentTime = a.duration * 0.67; }""")
    page.click("#languages a[hreflang=en]")
    page.wait_for_url(site + "en/")
    page.wait_for_function("() => document.getElementById('audio').currentSrc.endsWith('/en/02-saint-tropez.mp3')")
    at = page.evaluate("() => document.getElementById('audio').currentTime")
    starts = page.evaluate("() => JSON.parse(document.getElementById('tour-data').textContent)"
                           ".segments.find((s) => s.id === 'saint-tropez').sentences.map((s) => s[0])")
    assert at > 0 and any(abs(at - start) < 0.05 for start in starts), (at, starts)
    assert page.inner_text("#stop-saint-tropez .listen").startswith("Resume")
    assert page.locator("#stop-cavalaire .tick").is_visible()

    # The choice is remembered: the tour's address opens in English, whatever the phone says.
    page.goto(site)
    settled(page, site + "en/")

    # In a dead zone: the English guide opens from the phone, its stories play; the French was never downloaded.
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
    assert page.inner_text("h1") == "The Landing in Brief"
    assert page.locator("#stop-cavalaire .tick").is_visible()
    cached = page.evaluate(CACHED)
    english = [name for name in cached if f"{site}en/:" in name]
    french = [name for name in cached if name not in english]
    assert len(english) == 1 and all(path.startswith("/en/") for path in cached[english[0]])
    assert {"/en/index.html", "/en/01-cavalaire.mp3", "/en/tour.mp3"} <= set(cached[english[0]])
    # The French page kept only its own small shell when it was opened; no sound, nothing English.
    for name in french:
        assert not [path for path in cached[name] if path.startswith("/en/") or path.endswith(".mp3")], cached[name]
    page.click("#stop-cavalaire .listen")
    page.wait_for_function("() => { const a = document.getElementById('audio');"
                           " return !a.paused && a.currentTime > 0.3; }", timeout=WAIT_MS)
    assert page.problems == []
    # No request left the machine but for map tiles.
    assert all(url.startswith("https://tile.openstreetmap.org/") for url in page.context.outside)


@pytest.mark.parametrize(("locale", "path", "url", "title"), [
    ("fr-FR", "", "", "Le Débarquement en bref"),
    ("de-DE", "", "", "Le Débarquement en bref"),  # a language the tour lacks: the tour's own
    ("en-US", "", "en/", "The Landing in Brief"),
    ("fr-CA", "en/", "", "Le Débarquement en bref"),  # a link to the English page, on a French phone
])
def test_the_guide_opens_in_the_phones_language(phone: Any, site: str, locale: str, path: str, url: str,
                                                title: str) -> None:
    page = phone(locale, path)
    settled(page, site + url)
    assert page.inner_text("h1") == title
    assert page.locator("#languages").is_visible()
    assert page.problems == []


def test_a_chosen_language_wins_over_the_phones(phone: Any, site: str) -> None:
    page = phone("fr-FR")
    settled(page, site)
    assert page.inner_text("#start") == "Commencer la visite"
    pages = page.evaluate("() => history.length")
    page.click("#languages a[hreflang=en]")
    settled(page, site + "en/")
    assert page.inner_text("#start") == "Start the visit"
    # The switch replaced the page: Back leaves the tour, it does not return to the French page.
    assert page.evaluate("() => history.length") == pages
    page.goto(site)
    settled(page, site + "en/")
    # Choosing the language shown is a choice too.
    page.click("#languages a[hreflang=en]")
    page.goto(site)
    settled(page, site + "en/")
    assert page.problems == []


def test_another_language_is_downloaded_only_when_asked(phone: Any, site: str, built: Path) -> None:
    page = phone("en-GB")
    settled(page, site + "en/")
    page.click("#download-go")
    page.wait_for_selector("#download-also button", timeout=WAIT_MS)
    page.click("#download-also button")
    page.wait_for_selector("#download-also .also-ready", timeout=WAIT_MS)
    assert page.inner_text("#download-also .also-ready") == "Français: ready offline"
    assert page.evaluate(SCOPES) == [site, site + "en/"]
    cached = page.evaluate(CACHED)
    french = [name for name in cached if f"{site}en/:" not in name]
    assert len(french) == 1
    # The French folder's own files, each once, and none of the English.
    kept = {path.lstrip("/") for path in cached[french[0]]}
    assert worker_files(built) <= kept and not [path for path in kept if path.startswith("en/")]
    shot(page, "languages-also-french")
    assert page.problems == []


def test_offline_the_switch_goes_only_to_a_language_kept(phone: Any, site: str) -> None:
    page = phone("en-GB")
    settled(page, site + "en/")
    page.click("#download-go")
    page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.context.set_offline(True)
    page.reload()
    page.wait_for_selector("#download[data-state=ready]", timeout=WAIT_MS)
    page.click("#languages a[hreflang=fr]")
    page.wait_for_selector("#languages-note:not([hidden])")
    assert page.inner_text("#languages-note") == "No network, and the Français version is not downloaded."
    assert page.url == site + "en/"
    assert page.inner_text("h1") == "The Landing in Brief"
    assert page.evaluate("() => Object.keys(localStorage).filter((k) => k.endsWith(':language'))") == []
    assert page.problems == []


@pytest.mark.parametrize("viewport", [PHONE, PHONE_LANDSCAPE], ids=["portrait", "landscape"])
def test_the_switch_fits_a_small_phone(phone: Any, site: str, viewport: dict[str, int]) -> None:
    page = phone("fr-FR", viewport=viewport)
    settled(page, site)
    shot(page, f"languages-{viewport['width']}x{viewport['height']}")
    assert page.evaluate(UNCOVERED, ["#languages a", "h1", "#download-go", "#start"]) == []
    if viewport == PHONE:
        # The start button is still on the first screen.
        box = page.eval_on_selector("#start", "b => b.getBoundingClientRect().toJSON()")
        assert box["bottom"] <= viewport["height"]
    # Big enough to touch.
    for height in page.eval_on_selector_all("#languages a", "links => links.map((a) => a.offsetHeight)"):
        assert height >= 44


def test_a_tour_in_one_language_shows_no_switch(browser: Any, built_tour: BuiltTour) -> None:  # noqa: F811
    with serving(built_tour.output) as url:
        context = new_phone(browser, url, BEFORE)
        try:
            page = context.new_page()
            page.goto(url)
            page.wait_for_selector("#start:not([hidden])")
            assert page.locator("#languages").is_hidden()
            assert page.locator("#languages a").count() == 0
            assert page.locator("#masthead.multilingual").count() == 0
            assert page.url == url
        finally:
            context.close()
