"""What the browser tests of the web guide share: Chromium, a server, where screenshots go, checks."""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from audiotour.serve import make_server

CHROMIUM = os.environ.get("AUDIOTOUR_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-quic", "--no-first-run", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]
WAIT_MS = 20_000
ARTIFACTS = Path(os.environ.get("AUDIOTOUR_ARTIFACTS") or Path(__file__).parent / "artifacts")
"""Screenshots the tests take, to be looked at (git-ignored; CI may keep them)."""

PHONE = {"width": 360, "height": 640}
PHONE_LANDSCAPE = {"width": 640, "height": 360}
LARGE_PHONE = {"width": 412, "height": 915}

GRANT_WAKE_LOCK = """
navigator.wakeLock && Object.defineProperty(navigator.wakeLock, 'request', {value: async () => {
  const lock = new EventTarget(); lock.released = false; lock.release = async () => {}; return lock; }});
"""
"""Headless Chromium refuses the screen wake lock; phones grant it. The refusal has a test of its own."""


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed: pip install -e '.[test]'")
    if not CHROMIUM:
        pytest.skip("no Chromium: scripts/test installs Debian's chromium when run as root "
                    "(apt-get install chromium), or set AUDIOTOUR_CHROMIUM")
    with sync_api.sync_playwright() as playwright:
        launched = launch(playwright)
        yield launched
        launched.close()


@contextmanager
def serving(folder: Path, log: list[str] | None = None) -> Iterator[str]:
    server = make_server(folder, "127.0.0.1", 0, log=log.append if log is not None else None)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def new_phone(browser: Any, site: str, position: tuple[float, float] | None, viewport: dict[str, int] = PHONE,
              accuracy: float = 10, grant_wake_lock: bool = True, locale: str = "fr-FR") -> Any:
    """A fresh context (permissions, storage, worker) like a phone, placed at `position` (None: location refused).

    Nothing leaves the machine: any request to another host is refused and remembered in `context.outside`.
    """
    options: dict[str, Any] = {"viewport": viewport, "locale": locale, "is_mobile": True, "has_touch": True,
                               "device_scale_factor": 2}
    if position is not None:
        options.update(permissions=["geolocation"],
                       geolocation={"latitude": position[0], "longitude": position[1], "accuracy": accuracy})
    context = browser.new_context(**options)
    outside: list[str] = []
    context.outside = outside

    def refuse(route: Any) -> None:
        outside.append(route.request.url)
        route.abort()

    context.route(lambda url: not url.startswith(site), refuse)
    if grant_wake_lock:
        context.add_init_script(GRANT_WAKE_LOCK)
    return context


def open_page(context: Any, site: str) -> Any:
    page = context.new_page()
    problems: list[str] = []
    page.on("dialog", lambda dialog: (problems.append(dialog.message), dialog.dismiss()))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.problems = problems
    page.goto(site)
    page.wait_for_selector("#start:not([hidden])")
    return page


def move(page: Any, position: tuple[float, float], accuracy: float = 10) -> None:
    page.context.set_geolocation({"latitude": position[0], "longitude": position[1], "accuracy": accuracy})


def shot(page: Any, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


UNCOVERED = """(selectors) => {
  // Each element, brought into view, must be the one under its own centre: nothing lies over it.
  const covered = [];
  for (const selector of selectors) {
    for (const node of document.querySelectorAll(selector)) {
      if (node.closest('[hidden]') || !node.getClientRects().length) continue;
      if (!node.closest('#dock')) node.scrollIntoView({block: 'center'});
      const r = node.getClientRects()[0];
      const x = r.left + Math.min(r.width / 2, 20), y = r.top + r.height / 2;
      const inside = r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight + 1 && r.right <= innerWidth + 1;
      const hit = document.elementFromPoint(x, y);
      if (!inside || !hit || !(node === hit || node.contains(hit))) {
        covered.push(selector + ' ' + (node.id || node.textContent.trim().slice(0, 30)) + ' under ' +
          (hit ? hit.tagName + '#' + hit.id + '.' + hit.className : 'nothing') + (inside ? '' : ' (outside)'));
      }
    }
  }
  window.scrollTo(0, 0);
  return covered;
}"""
"""Checks that every element matching the selectors can be seen and touched (a list of those that cannot)."""

PAGE_PARTS = ["#download-go", "#download-state", "#start", ".map-box", ".card .listen", ".card h2",
              ".card .transcript summary", ".downloads a", "#dock button", "#dock a", "#next-title",
              "#next-distance", "#status", "#problem-text"]


FAST_PLAY = """
const play = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () { this.playbackRate = 4; return play.call(this); };
"""
"""The segments play four times as fast: what the guide counts is the share played, not the seconds."""
