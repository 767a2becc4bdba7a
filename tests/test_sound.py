"""What a listener hears: the loudness asked for, pauses as set, no dead air, no clipping."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from audiocheck import decode, ebur128
from conftest import BuiltTour, build_offline

pytestmark = pytest.mark.slow  # each test here builds audio end to end

RATE = 44100


def silent_runs(samples: np.ndarray, threshold_db: float = -50) -> list[tuple[int, int]]:
    """(start, length) of every run of samples quieter than the threshold, 10 ms resolution."""
    hop = RATE // 100
    frames = samples[: len(samples) // hop * hop].reshape(-1, hop)
    quiet = np.abs(frames).max(axis=1) < 10 ** (threshold_db / 20)
    runs, start = [], None
    for index, is_quiet in enumerate(quiet):
        if is_quiet and start is None:
            start = index
        elif not is_quiet and start is not None:
            runs.append((start * hop, (index - start) * hop))
            start = None
    if start is not None:
        runs.append((start * hop, (len(quiet) - start) * hop))
    return runs


@pytest.fixture(scope="module")
def custom_tour(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sound")
    tour = root / "tour.yml"
    tour.write_text(
        "title: Réglages\ndescription: Pauses et niveau choisis par l'auteur.\n"
        "audio: {loudness: -20, pauses: {sentence: 0.2, paragraph: 1.5, segment: 1.0}}\n"
        "stops:\n"
        "  - title: Premier arrêt\n    narration: |\n      Une phrase. Une autre phrase.\n\n      Un nouveau paragraphe.\n"
        "  - title: Second arrêt\n    narration: Encore une phrase, pour finir.\n", "utf-8")
    build_offline(tour, root / "out", root / "cache")
    return root / "out"


def test_no_dead_air_longer_than_the_pauses(built_tour: BuiltTour) -> None:
    # Defaults: 0.45 s between sentences, 0.9 s between paragraphs; speech itself has short gaps.
    for segment in built_tour.manifest["segments"]:
        runs = silent_runs(decode(built_tour.output / segment["file"]))
        longest = max(length for _, length in runs) / RATE
        assert longest <= 0.9 + 0.1, (segment["file"], longest)


def test_the_pauses_are_the_ones_the_tour_sets(custom_tour: Path) -> None:
    import json

    manifest = json.loads((custom_tour / "manifest.json").read_text("utf-8"))
    first = manifest["segments"][0]
    spans = [(s["start_s"], s["end_s"]) for s in first["sentences"]]
    gaps = [round(b[0] - a[1], 2) for a, b in zip(spans, spans[1:])]
    # title | two sentences | a paragraph: paragraph, sentence, paragraph pauses.
    assert gaps == [1.5, 0.2, 1.5]
    episode = decode(custom_tour / "tour.mp3")
    second = manifest["segments"][1]
    between = [length / RATE for start, length in silent_runs(episode)
               if start < second["start_sample"] <= start + length + RATE // 100]
    # The episode's pause is the 1 s set, the segments' own silent edges included (10 ms frames here).
    assert len(between) == 1 and abs(between[0] - 1.0) <= 0.05


def test_loudness_follows_the_tour_setting(custom_tour: Path) -> None:
    for path in sorted(custom_tour.glob("*.mp3")):
        integrated, peak = ebur128(path)
        assert -21.0 <= integrated <= -19.0, (path.name, integrated)
        assert peak <= -1.0


def test_no_clipping_and_soft_joins(built_tour: BuiltTour) -> None:
    for segment in built_tour.manifest["segments"]:
        samples = decode(built_tour.output / segment["file"])
        assert np.abs(samples).max() < 0.95
        for sentence in segment["sentences"]:
            # A sentence fades in from silence: its first millisecond (20 ms before the speech the span marks,
            # the margin kept from the engine) is nearly quiet.
            start = int((sentence["start_s"] - 0.02) * RATE)
            assert np.abs(samples[start: start + RATE // 1000]).max() < 0.05, (segment["file"], sentence["text"])
