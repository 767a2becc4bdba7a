"""A corpus of malformed tour files: each is one clear line, exit 2, nothing written."""
from __future__ import annotations

import json
import re
import shutil
import time
import tracemalloc
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotour.cli import cli
from audiotour.errors import TourError
from audiotour.tour import load_tour

BAD = Path(__file__).parent / "data" / "bad"
EXPECTED: dict[str, str] = json.loads((BAD / "expected.json").read_text("utf-8"))
EXPECTED["latin1"] = "{f}:2: is not UTF-8 (byte 0xe9); save the file as UTF-8"
EXPECTED["binary"] = "{f}: is not a text file (it contains NUL bytes)"


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner(mix_stderr=False).invoke(cli, list(args), prog_name="audiotour")
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_tour(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "tour"
    folder.mkdir()
    shutil.copy(BAD / f"{name}.yml", folder / "tour.yml")
    monkeypatch.chdir(folder)
    expected = EXPECTED[name].format(f="tour.yml", dir=folder.resolve())
    for command in ("check", "script", "build"):
        code, out, err = invoke(command, "tour.yml", *(["-o", "out", "-q"] if command == "build" else []))
        assert (code, out, err) == (2, "", f"Error: {expected}\n"), command
    assert sorted(p.name for p in folder.iterdir()) == ["tour.yml"], "nothing may be written"


def test_the_corpus_is_large_enough() -> None:
    assert len(EXPECTED) >= 25


def test_an_alias_bomb_is_refused_in_bounded_memory() -> None:
    # Nine levels of nine aliases would expand to 387 million items.
    text = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
    tracemalloc.start()
    try:
        with pytest.raises(TourError, match="anchors and aliases"):
            load_tour(_write(text))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * 2**20


def test_a_very_large_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "tour.yml"
    path.write_text("title: T\ndescription: D\nstops:\n" + "  - {title: A, narration: x}\n" * 100_000, "utf-8")
    with pytest.raises(TourError, match=r"is larger than 2 MiB; a tour file is text, split it"):
        load_tour(path)


def test_a_very_long_narration_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "tour.yml"
    path.write_text("title: T\ndescription: D\nstops:\n  - title: A\n    narration: " + "mot " * 10_000 + "\n", "utf-8")
    with pytest.raises(TourError, match=r":5: stops\[0\].narration: is 39999 characters long; the limit is 30000"):
        load_tour(path)


@pytest.mark.parametrize("text", [
    "title: [" + "[" * 50_000,
    "title: T\ndescription: {" + "a: {" * 50_000,
    "title: T\nstops:\n" + "".join("  " * depth + "-\n" for depth in range(1_000)),
    "title: T\nstops:\n" + "".join(" " * depth + "a:\n" for depth in range(1_000)),
    "title: T\nstops:\n" + "- " * 50_000 + "x\n",
])
def test_deep_nesting_is_refused_at_once(text: str) -> None:
    path = _write(text)
    started = time.monotonic()
    with pytest.raises(TourError) as raised:
        load_tour(path)
    assert time.monotonic() - started < 1
    assert re.fullmatch(rf"{re.escape(str(path))}:\d+:\d+: values are nested more than 64 levels deep; "
                        r"a tour needs a handful \(check for unclosed \[ or \{\)", str(raised.value))


def test_nesting_up_to_the_limit_is_still_yaml(tmp_path: Path) -> None:
    path = tmp_path / "tour.yml"
    path.write_text("title: T\ndescription: D\nstops:\n  - title: A\n    narration: x\n"
                    "    links: " + "[" * 61 + "]" * 61 + "\n", "utf-8")
    with pytest.raises(TourError, match=r"stops\[0\]\.links\[0\]"):  # the model refuses it, not the parser
        load_tour(path)


def _write(text: str) -> Path:
    import tempfile

    handle = tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False, encoding="utf-8")
    with handle:
        handle.write(text)
    return Path(handle.name)
