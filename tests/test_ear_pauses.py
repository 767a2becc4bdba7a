"""Pauses as the tour sets them, measured on the decoded files: between sentences, paragraphs and segments."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from audiocheck import decode
from conftest import build_offline

RATE = 44100
TOLERANCE_S = 0.05


def quiet_runs(samples: np.ndarray, threshold_db: float = -45, hop_ms: int = 2) -> list[tuple[float, float]]:
    """(start, length) in seconds of every stretch quieter than the threshold, 2 ms resolution."""
    hop = RATE * hop_ms // 1000
    frames = samples[: len(samples) // hop * hop].reshape(-1, hop)
    quiet = np.abs(frames).max(axis=1) < 10 ** (threshold_db / 20)
    runs, start = [], None
    for index, is_quiet in enumerate(quiet):
        if is_quiet and start is None:
            start = index
        elif not is_quiet and start is not None:
            runs.append((start * hop / RATE, (index - start) * hop / RATE))
            start = None
    return runs


@pytest.fixture(scope="module")
def paused(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("pauses")
    tour = root / "tour.yml"
    tour.write_text(
        "title: Pauses\ndescription: Des pauses mesurées.\n"
        "audio: {pauses: {sentence: 0.6, paragraph: 1.2, segment: 2.0}}\n"
        "stops:\n"
        "  - title: Premier arrêt\n    narration: |\n      Une phrase assez longue pour être entendue. Une autre"
        " phrase qui suit.\n\n      Un nouveau paragraphe commence ici.\n"
        "  - title: Second arrêt\n    narration: Encore une phrase, pour finir la visite.\n", "utf-8")
    build_offline(tour, root / "out", root / "cache")
    return root / "out"


def test_pauses_between_sentences_and_paragraphs_are_as_set(paused: Path) -> None:
    manifest = json.loads((paused / "manifest.json").read_text("utf-8"))
    first = manifest["segments"][0]
    runs = quiet_runs(decode(paused / first["file"]))
    spans = [(s["start_s"], s["end_s"]) for s in first["sentences"]]
    expected = [1.2, 0.6, 1.2]  # title | two sentences | a paragraph
    for (_, end), (start, _), wanted in zip(spans, spans[1:], expected):
        heard = [length for at, length in runs if at <= (end + start) / 2 <= at + length]
        assert len(heard) == 1 and abs(heard[0] - wanted) <= TOLERANCE_S, (wanted, heard)


def test_the_pause_between_segments_is_as_set(paused: Path) -> None:
    manifest = json.loads((paused / "manifest.json").read_text("utf-8"))
    second = manifest["segments"][1]["start_s"]
    runs = quiet_runs(decode(paused / "tour.mp3"))
    heard = [length for at, length in runs if at - 0.01 <= second <= at + length + 0.01]
    assert len(heard) == 1 and abs(heard[0] - 2.0) <= TOLERANCE_S, heard
