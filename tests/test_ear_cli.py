"""`audiotour say` tunes a name in seconds; `audiotour check` shows the pace the last build was heard at."""
from __future__ import annotations

from pathlib import Path

from audiocheck import decode
from conftest import BuiltTour
from test_cli import run, write


def test_say_speaks_a_phrase_through_normaliser_lexicon_and_engine(tmp_path: Path) -> None:
    tour = write(tmp_path, "title: T\ndescription: D\nlexicon:\n  La Croix-Valmer: {espeak: La Croix-Valmère}\n"
                           "stops:\n  - title: Un\n    narration: Texte.\n")
    target = tmp_path / "say.mp3"
    code, out, err = run("say", "La Croix-Valmer, le 15.08.1944", "--tour", str(tour), "--engine", "espeak",
                         "-o", str(target), "--no-play")
    assert code == 0, err
    assert out.splitlines()[0] == "espeak: La Croix-Valmère, le quinze août mille neuf cent quarante-quatre"
    assert out.splitlines()[1].startswith("phonemes: la- krw'avalm'Er")
    samples = decode(target)
    assert len(samples) / 44100 > 2.0 and abs(samples).max() > 0.1


def test_say_refuses_an_empty_phrase() -> None:
    code, _, err = run("say", " ", "--no-play", "--engine", "espeak")
    assert code == 2 and err.startswith("Error: ") and "nothing to say" in err


def test_check_shows_the_pace_heard(built_tour: BuiltTour) -> None:
    code, out, _ = run("check", str(built_tour.tour_path), "-o", str(built_tour.output))
    assert code == 0
    lines = [line for line in out.splitlines() if line.endswith("words a minute")]
    assert len(lines) == len(built_tour.manifest["segments"])
    for line, segment in zip(lines, built_tour.manifest["segments"]):
        assert line.strip() == f"{segment['file']}: {segment['words_per_minute']:.0f} words a minute"
