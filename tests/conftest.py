"""Shared fixtures: one small tour built once per session, read by many tests."""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from audiotour.api import load_tour  # with its translations, as a build loads it
from audiotour.engines import choose_engine
from audiotour.pipeline import BuildOptions, build

DATA = Path(__file__).parent / "data"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Whatever drives Chromium is a browser test, so `-m "not browser"` leaves every one of them out.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # In CI a test that needs a system program (chromium, ffprobe) and cannot run is a failure, not a
    # skip: the test command installs them.
    outcome = yield
    report = outcome.get_result()
    needs = next((m for m in ("browser", "ffprobe") if item.get_closest_marker(m) is not None), None)
    if report.skipped and os.environ.get("CI") and needs is not None:
        report.outcome = "failed"
        report.longrepr = f"a test that needs {'chromium' if needs == 'browser' else needs} could not run in CI: " \
                          f"{report.longrepr}"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    # Never touch the user's real cache; never reach Google from a test.
    monkeypatch.setenv("AUDIOTOUR_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@dataclass
class BuiltTour:
    tour_path: Path
    output: Path
    cache: Path

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.output / "manifest.json").read_text("utf-8"))


def build_offline(tour_path: Path, output: Path, cache: Path, **options: Any) -> Any:
    return build(load_tour(tour_path), BuildOptions(output=output, cache_dir=cache, engine="espeak", **options))


def rebuild_edited(built: BuiltTour, folder: Path, old: str, new: str) -> tuple[Path, Any]:
    """Copy the built tour's output, edit its tour file (old → new), build again; the output and report."""
    output = folder / "out"
    shutil.copytree(built.output, output)
    tour = folder / "tour.yml"
    text = built.tour_path.read_text("utf-8")
    assert old in text
    tour.write_text(text.replace(old, new), "utf-8")
    return output, build_offline(tour, output, built.cache)


@pytest.fixture(scope="session")
def built_tour(tmp_path_factory: pytest.TempPathFactory) -> BuiltTour:
    """The small French tour in tests/data, built once with the offline engine."""
    root = tmp_path_factory.mktemp("built")
    tour_path = root / "tour.yml"
    shutil.copy(DATA / "mini.yml", tour_path)
    result = BuiltTour(tour_path, root / "audio_out", root / "cache")
    build_offline(tour_path, result.output, result.cache)
    return result


@pytest.fixture
def tour_copy(tmp_path: Path) -> Path:
    path = tmp_path / "tour.yml"
    shutil.copy(DATA / "mini.yml", path)
    return path


__all__ = ["BuiltTour", "build_offline", "choose_engine", "rebuild_edited"]
