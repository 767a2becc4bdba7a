"""The web guide on a visit, in Chromium: any order, heard means heard, the conclusion, position errors.

A small tour written for these tests: four sites about a kilometre apart on a
line running north, short stories, built once per module.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import build_offline
from guidekit import (
    FAST_PLAY,
    PAGE_PARTS,
    PHONE,
    PHONE_LANDSCAPE,
    UNCOVERED,
    WAIT_MS,
    browser,  # noqa: F401  (a fixture)
    move,
    new_phone,
    open_page,
    serving,
    shot,
)

TOUR = """\
title: Une petite promenade en ligne droite pour les tests
short_title: Promenade
description: Quatre sites sur une ligne, du sud au nord.
language: fr
intro: {title: Bienvenue, narration: Bonjour.}
stops:
  - {title: Le moulin, id: un, narration: Voici le moulin., location: {lat: 43.2000, lon: 6.5000}, radius: 60}
  - {title: La chapelle, id: deux, narration: Voici la chapelle., location: {lat: 43.2100, lon: 6.5000}, radius: 60}
  - {title: Le lavoir, id: trois, narration: Voici le lavoir., location: {lat: 43.2200, lon: 6.5000}, radius: 60}
  - {title: La tour, id: quatre, narration: Voici la tour., location: {lat: 43.2300, lon: 6.5000}, radius: 60}
outro: {title: Au revoir, narration: Merci de votre visite.}
"""
SITES = {"un": (43.2000, 6.5000), "deux": (43.2100, 6.5000), "trois": (43.2200, 6.5000), "quatre": (43.2300, 6.5000)}
SOUTH = (43.1950, 6.5000)
NORTH = (43.2350, 6.5000)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("walk")
    (root / "tour.yml").write_text(TOUR, "utf-8")
    build_offline(root / "tour.yml", root / "out", root / "cache")
    return root / "out"


@pytest.fixture(scope="module")
def site(built: Path) -> Iterator[str]:
    with serving(built) as url:
        yield url


@pytest.fixture
def phone(browser: Any, site: str) -> Iterator[Any]:  # noqa: F811
    """phone(position, **options) -> a page open on the guide, in a context of its own."""
    contexts = []

    def make(position: tuple[float, float] | None, **options: Any) -> Any:
        init = options.pop("init", None)
        context = new_phone(browser, site, position, **options)
        context.add_init_script(FAST_PLAY)
        if init:
            context.add_init_script(init)
        contexts.append(context)
        return open_page(context, site)

    yield make
    for context in contexts:
        context.close()


def playing(page: Any, stem: str) -> None:
    page.wait_for_function(
        "(stem) => { const a = document.getElementById('audio');"
        " return a.currentSrc.endsWith(stem + '.mp3') && !a.paused; }", arg=stem, timeout=WAIT_MS)


def heard(page: Any, stop: str) -> None:
    page.wait_for_selector(f"#stop-{stop}.heard", timeout=WAIT_MS)


def next_title(page: Any) -> str | None:
    if page.locator("#next").is_hidden():
        return None
    return str(page.inner_text("#next-title"))


def walk_to(page: Any, stop: str) -> None:
    move(page, SITES[stop])
    heard(page, stop)


def test_a_walk_in_order_hears_every_stop_then_the_conclusion(phone: Any) -> None:
    page = phone(SOUTH)
    page.click("#start")
    playing(page, "00-intro")
    page.wait_for_selector("#next:not([hidden])")
    assert next_title(page) == "Le moulin"
    assert re.fullmatch(r"à \d+ m, vers le nord · ≈ \d+ min à pied · ± 10 m", page.inner_text("#next-distance"))
    heard(page, "intro")
    expected_next = {"un": "La chapelle", "deux": "Le lavoir", "trois": "La tour", "quatre": None}
    for stop, following in expected_next.items():
        walk_to(page, stop)
        assert next_title(page) == following, stop
    # After the last site, the closing words; then an offer to start again, not to resume.
    playing(page, "05-outro")
    heard(page, "outro")
    page.wait_for_function("() => document.getElementById('audio').ended")
    page.wait_for_selector("#end:not([hidden])")
    assert page.inner_text("#end-text") == "Visite terminée. Merci d'être venus !"
    assert page.inner_text("#end-go") == "Recommencer la visite"
    assert page.inner_text("#start") == "Recommencer la visite"
    assert "Reprendre" not in page.inner_text("#stop-outro .listen")
    assert page.locator(".card.heard").count() == 6
    # The map marks every site heard.
    assert page.locator(".stop-marker.heard").count() == 4
    shot(page, "walk-in-order-end")

    # Starting again forgets the visit and begins with the introduction.
    page.click("#end-go")
    playing(page, "00-intro")
    assert page.locator(".card.heard").count() == 0
    assert page.problems == []


def test_a_skipped_stop_is_not_pointed_back_to_and_the_conclusion_still_plays(phone: Any) -> None:
    page = phone(SOUTH)
    page.click("#start")
    heard(page, "intro")
    walk_to(page, "un")
    walk_to(page, "deux")
    assert next_title(page) == "Le lavoir"
    # Past the wash-house without stopping: the tower is next, nothing points back.
    move(page, (43.2250, 6.5000))
    page.wait_for_function("() => document.getElementById('next-title').textContent === 'La tour'")
    walk_to(page, "quatre")
    playing(page, "05-outro")
    assert next_title(page) is None
    assert page.locator("#stop-trois.heard").count() == 0
    assert page.locator("#stop-trois .tick").is_hidden()
    heard(page, "outro")
    assert page.problems == []


def test_walking_backwards_next_follows_the_visitor(phone: Any) -> None:
    page = phone(NORTH)
    page.click("#start")
    page.wait_for_selector("#next:not([hidden])")
    assert next_title(page) == "La tour"  # the nearest site, not the tour's first
    heard(page, "intro")
    expected_next = {"quatre": "Le lavoir", "trois": "La chapelle", "deux": "Le moulin", "un": None}
    for stop, following in expected_next.items():
        walk_to(page, stop)
        assert next_title(page) == following, stop
        if following:
            assert "vers le sud" in page.inner_text("#next-distance")
    playing(page, "05-outro")
    assert page.problems == []


def test_a_queued_stop_is_not_ticked_until_heard(phone: Any) -> None:
    # Arriving at the mill during the introduction: the mill waits its turn, and is not heard yet.
    page = phone(SITES["un"])
    page.click("#start")
    playing(page, "00-intro")
    page.wait_for_function("() => document.getElementById('status').textContent === 'À suivre : Le moulin'")
    assert page.locator("#stop-un .tick").is_hidden()
    playing(page, "01-un")
    heard(page, "un")
    assert page.locator("#stop-un .tick").is_visible()

    # A story skimmed by seeking to its end is not heard.
    page.click("#stop-deux .listen")
    playing(page, "02-deux")
    page.wait_for_function("() => document.getElementById('audio').duration > 0")
    page.evaluate("() => { const a = document.getElementById('audio'); a.currentTime = a.duration - 0.05; }")
    page.wait_for_function("() => document.getElementById('audio').ended")
    assert page.locator("#stop-deux.heard").count() == 0
    assert page.inner_text("#stop-deux .listen").startswith("Écouter")
    assert page.problems == []


def test_the_conclusion_on_demand_when_the_visitor_stops_early(phone: Any) -> None:
    page = phone(SOUTH)
    page.click("#start")
    heard(page, "intro")
    walk_to(page, "un")
    # The visitor turns back: no site left ahead of them that way, the conclusion is offered.
    page.click("#stop-outro .listen")
    playing(page, "05-outro")
    heard(page, "outro")
    page.wait_for_selector("#end:not([hidden])")
    assert page.inner_text("#start") == "Recommencer la visite"
    assert page.problems == []


# -- position problems ------------------------------------------------------------------

FAILING_POSITION = """
Object.defineProperty(navigator.geolocation, 'watchPosition', {value: (ok, fail) => {
  setTimeout(() => fail({code: %d, message: 'test'}), 100); return 1; }});
"""


@pytest.mark.parametrize(("case", "message"), [
    ("denied", "Localisation refusée : autorisez-la dans les réglages du navigateur."),
    ("unavailable", "Position introuvable : pas de signal GPS ici."),
    ("timeout", "Le GPS ne répond pas."),
    ("poor", "Position imprécise (± 800 m) : les récits attendent une position plus sûre."),
    ("wake-lock", "L'écran peut s'éteindre et couper le suivi : gardez-le allumé."),
])
def test_position_problems_are_said_and_manual_mode_offered(phone: Any, case: str, message: str) -> None:
    if case == "denied":
        page = phone(None)
    elif case in ("unavailable", "timeout"):
        page = phone(SOUTH, init=FAILING_POSITION % (2 if case == "unavailable" else 3))
    elif case == "poor":
        page = phone(SOUTH, accuracy=800)
    else:
        page = phone(SOUTH, grant_wake_lock=False,
                     init="navigator.wakeLock.request = () => Promise.reject(new DOMException('no', 'NotAllowedError'));")
    page.click("#start")
    page.wait_for_selector("#problem:not([hidden])")
    page.wait_for_function("(m) => document.getElementById('problem-text').textContent === m", arg=message)
    assert page.inner_text("#manual") == "Mode manuel"
    shot(page, f"problem-{case}")
    assert not page.evaluate(UNCOVERED, ["#problem-text", "#manual"])

    # Manual mode: the stories in the tour's order, one tap each.
    page.click("#manual")
    page.wait_for_function("() => document.getElementById('status').textContent.startsWith('Mode manuel')")
    assert next_title(page) == "Le moulin"
    page.click("#next-listen")
    playing(page, "01-un")
    assert page.inner_text("#manual") == "Suivre ma position"
    assert page.problems == []


# -- layout --------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", [PHONE, PHONE_LANDSCAPE], ids=["portrait", "landscape"])
def test_nothing_is_covered_on_a_small_phone(phone: Any, viewport: dict[str, int]) -> None:
    page = phone(SOUTH, viewport=viewport)
    page.click("#start")
    page.wait_for_selector("#next:not([hidden])")
    playing(page, "00-intro")
    page.evaluate("() => document.getElementById('audio').pause()")
    name = f"small-{viewport['width']}x{viewport['height']}"
    shot(page, name)
    assert page.evaluate(UNCOVERED, PAGE_PARTS) == []
    dock = page.eval_on_selector("#dock", "d => d.getBoundingClientRect().toJSON()")
    if viewport["height"] > viewport["width"]:
        assert dock["height"] <= 0.55 * viewport["height"]
    else:
        assert dock["width"] <= 0.5 * viewport["width"]
    # A stop that starts brings its card into view, above the dock.
    walk_to(page, "un")
    top = page.eval_on_selector("#stop-un", "c => c.getBoundingClientRect().top")
    assert 0 <= top < viewport["height"] / 2
    shot(page, name + "-at-a-stop")
    assert page.problems == []


def test_the_map_shows_every_site_and_the_visitor(phone: Any) -> None:
    page = phone(SOUTH)
    page.click("#start")
    page.wait_for_selector(".you-marker")
    assert page.locator(".stop-marker").all_inner_texts() == ["1", "2", "3", "4"]
    assert page.locator(".you-accuracy").count() == 1
    assert page.locator(".stop-marker.next").inner_text() == "1"
    # Stop titles reach the map as text (a marker's title attribute), never as markup.
    assert page.locator(".stop-marker").first.get_attribute("title") == "Le moulin"
    assert page.locator(".leaflet-control-attribution a[href='leaflet-LICENSE.txt']").count() == 1
    assert page.problems == []


def test_the_installed_name_fits_a_home_screen(site: str, browser: Any) -> None:  # noqa: F811
    import json
    from urllib.request import urlopen

    with urlopen(site + "manifest.webmanifest") as response:
        installed = json.load(response)
    assert installed["short_name"] == "Promenade"
    assert installed["orientation"] == "any"


# -- what the page data may carry -----------------------------------------------------------


@pytest.fixture
def edited(browser: Any, built: Path, tmp_path: Path) -> Iterator[Any]:  # noqa: F811
    """edited(change) -> a page on a copy of the guide whose page data `change(data)` edited.

    For what the page can show before the tour model has it (a stop's `way`), or in another language.
    """
    import json
    import shutil

    from audiotour.guide.page import script_json

    contexts: list[Any] = []

    def make(change: Any, position: tuple[float, float] = SOUTH) -> Any:
        output = tmp_path / "out"
        shutil.copytree(built, output)
        page_html = (output / "index.html").read_text("utf-8")
        found = re.search(r'(<script type="application/json" id="tour-data">)(.*?)(</script>)', page_html, re.DOTALL)
        assert found
        data = json.loads(found.group(2))
        change(data)
        (output / "index.html").write_text(
            page_html[: found.start(2)] + script_json(data) + page_html[found.end(2):], "utf-8")
        server = serving(output)
        url = server.__enter__()
        contexts.append(server)
        context = new_phone(browser, url, position)
        contexts.append(context)
        return open_page(context, url)

    yield make
    for item in reversed(contexts):
        if hasattr(item, "close"):
            item.close()
        else:
            item.__exit__(None, None, None)


def test_the_way_to_the_next_stop_is_shown_when_the_tour_gives_it(edited: Any) -> None:
    def add_way(data: dict[str, Any]) -> None:
        data["segments"][1]["way"] = {"mode": "car", "directions": "Suivez la route de la plage vers le nord.",
                                      "parking": "Parking du lavoir, gratuit"}

    page = edited(add_way)
    page.click("#start")
    walk_to(page, "un")
    assert next_title(page) == "La chapelle"
    assert "en voiture" in page.inner_text("#next-distance")
    assert page.get_attribute("#next-go", "href").find("travelmode=driving") > 0
    page.click("#way-summary")
    assert page.inner_text("#way-directions") == "Suivez la route de la plage vers le nord."
    assert page.inner_text("#way-parking") == "Stationnement : Parking du lavoir, gratuit"
    assert page.evaluate(UNCOVERED, ["#way-directions", "#next-go"]) == []
    shot(page, "way-to-the-next-stop")
    assert page.problems == []


def test_a_leg_by_bike_shows_its_time_on_the_card_and_what_is_left_on_the_way(edited: Any) -> None:
    from audiotour.legs import DETOUR, leg_km, leg_minutes
    from audiotour.tour import Location

    crow = leg_km(Location(lat=SITES["un"][0], lon=SITES["un"][1]), Location(lat=SITES["deux"][0], lon=SITES["deux"][1]))
    minutes = leg_minutes(crow * DETOUR["bike"], "bike")
    assert minutes == 6  # 1.1 km as the crow flies, × 1.3 at 15 km/h

    def by_bike(data: dict[str, Any]) -> None:
        # As a build writes it for a stop with way: {mode: bike, directions: …}.
        assert data["speeds"]["bike"] == {"kmh": 15.0, "detour": 1.3}
        data["segments"][1]["way"] = {"mode": "bike", "directions": "Longez le canal vers le nord.", "parking": None,
                                      "km": None, "distance_km": round(crow, 3), "measured": False,
                                      "minutes": minutes}

    page = edited(by_bike)
    assert page.inner_text("#stop-un .leg") == "Jusqu'à l'arrêt suivant : 1,1\u00a0km à vol d'oiseau, ≈ 6 min à vélo"
    assert page.locator("#stop-deux .leg").count() == 0
    page.click("#start")
    walk_to(page, "un")
    assert next_title(page) == "La chapelle"
    # From the stop, the card's very time; halfway, half of it.
    assert re.fullmatch(r"à 1,1 km, vers le nord · ≈ 6 min à vélo · ± 10 m", page.inner_text("#next-distance"))
    assert "travelmode=bicycling" in page.get_attribute("#next-go", "href")
    move(page, (43.2050, 6.5000))
    page.wait_for_function("() => document.getElementById('next-distance').textContent.startsWith('à 560 m')")
    assert "≈ 3 min à vélo" in page.inner_text("#next-distance")
    assert page.problems == []


def test_the_page_follows_the_tour_language_and_the_phone_heading(edited: Any) -> None:
    from audiotour.guide.strings import ui_strings

    def english(data: dict[str, Any]) -> None:
        data["lang"] = "en"
        data["ui"] = ui_strings("en")

    page = edited(english)
    assert page.inner_text("#download-go").startswith("Download for the visit")
    page.click("#start")
    page.wait_for_selector("#next:not([hidden])")
    assert re.fullmatch(r"\d+ m away, to the north · about \d+ min on foot · ± 10 m", page.inner_text("#next-distance"))
    # The phone faces west: the site to the north is on the right.
    page.evaluate("() => window.dispatchEvent(new DeviceOrientationEvent('deviceorientationabsolute',"
                  " {alpha: 90, beta: 0, gamma: 0, absolute: true}))")
    page.wait_for_function("() => document.getElementById('next-distance').textContent.includes('on your right')")
    assert page.get_attribute("#arrow", "style") == "transform: rotate(90deg);"
    assert page.problems == []
