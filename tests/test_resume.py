"""An interrupted build resumes: finished segments reused, and only what it wrote is ever its own."""
from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from audiotour.engines import Engine, Speech, VoiceRequest, choose_engine
from audiotour.errors import UsageError
from audiotour.outputs import JOURNAL_NAME
from audiotour.pipeline import BuildOptions, build
from audiotour.tour import load_tour
from conftest import BuiltTour
from test_resilience import assert_complete, temporaries


def interrupted_at(last_words: str) -> Callable[[str, VoiceRequest, Callable[[str], None]], Engine]:
    """An eSpeak NG that is interrupted (as by Ctrl-C) when asked to speak ``last_words``."""
    def factory(name: str, voice: VoiceRequest, say: Callable[[str], None]) -> Engine:
        engine = choose_engine("espeak", voice, say)
        speak = engine.synthesize

        def synthesize(text: str) -> Speech:
            if last_words in text:
                raise KeyboardInterrupt
            return speak(text)

        engine.synthesize = synthesize  # type: ignore[method-assign]
        return engine
    return factory


def options(built: BuiltTour, output: Path) -> BuildOptions:
    return BuildOptions(output=output, cache_dir=output.parent / "cache", engine="espeak", jobs=1)


def interrupt_in_the_outro(built: BuiltTour, output: Path) -> None:
    """A build interrupted while it speaks the outro, the rest of its speech cached already (by itself,
    from an empty cache: the segments before the outro are finished, the outro's speech is not there)."""
    with pytest.raises(KeyboardInterrupt):
        build(load_tour(built.tour_path), options(built, output), engine_factory=interrupted_at("Merci"))


@pytest.mark.slow
def test_a_resumed_build_reuses_the_segments_it_had_finished(built_tour: BuiltTour, tmp_path: Path) -> None:
    output = tmp_path / "out"
    interrupt_in_the_outro(built_tour, output)
    finished = sorted(p.name for p in output.glob("*.mp3"))
    assert finished == [s["file"] for s in built_tour.manifest["segments"][:-1]]
    journal = [json.loads(line) for line in (output / JOURNAL_NAME).read_text("utf-8").splitlines()]
    assert sorted(entry["name"] for entry in journal) == finished, "the journal lists what was written, nothing planned"
    times = {name: (output / name).stat().st_mtime_ns for name in finished}

    report = build(load_tour(built_tour.tour_path), options(built_tour, output))
    outro = built_tour.manifest["segments"][-1]["file"]
    assert [name for name in report.written if name.endswith(".mp3")] == [outro, "tour.mp3"]
    assert {name: (output / name).stat().st_mtime_ns for name in finished} == times
    assert_complete(output, built_tour)
    assert not (output / JOURNAL_NAME).exists() and temporaries(output) == []


@pytest.mark.slow
def test_a_file_put_under_a_planned_name_after_an_interrupt_is_not_ours(built_tour: BuiltTour, tmp_path: Path) -> None:
    output = tmp_path / "out"
    interrupt_in_the_outro(built_tour, output)
    outro = output / built_tour.manifest["segments"][-1]["file"]  # planned, never written
    outro.write_bytes(b"my own recording")
    with pytest.raises(UsageError, match="is already there and audiotour did not write it"):
        build(load_tour(built_tour.tour_path), options(built_tour, output))
    assert outro.read_bytes() == b"my own recording"


@pytest.mark.slow
def test_a_journaled_file_the_user_replaced_is_not_ours_either(built_tour: BuiltTour, tmp_path: Path) -> None:
    output = tmp_path / "out"
    interrupt_in_the_outro(built_tour, output)
    first = output / built_tour.manifest["segments"][0]["file"]
    first.unlink()
    first.write_bytes(b"my own intro")
    with pytest.raises(UsageError, match="is already there and audiotour did not write it"):
        build(load_tour(built_tour.tour_path), options(built_tour, output))
    assert first.read_bytes() == b"my own intro"


@pytest.mark.slow
def test_two_cold_builds_with_parallel_jobs_are_byte_identical(built_tour: BuiltTour, tmp_path: Path) -> None:
    # built_tour was built cold with a worker per core; this one with four, each speaking other sentences first.
    output = tmp_path / "out"
    build(load_tour(built_tour.tour_path), BuildOptions(output=output, cache_dir=tmp_path / "cache", engine="espeak",
                                                        jobs=4))
    for name in [s["file"] for s in built_tour.manifest["segments"]] + ["tour.mp3"]:
        assert (output / name).read_bytes() == (built_tour.output / name).read_bytes(), name
