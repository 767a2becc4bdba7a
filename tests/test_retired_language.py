"""A language taken out of a tour: its folder's published files go with it at the next build."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotour.cli import cli

DATA = Path(__file__).parent / "data" / "translations"


@pytest.mark.slow
def test_a_language_no_longer_in_the_tour_is_removed_but_not_the_user_s_files(tmp_path: Path) -> None:
    for name in ("tour.yml", "tour.en.yml"):
        shutil.copy(DATA / name, tmp_path / name)
    tour, output = tmp_path / "tour.yml", tmp_path / "out"
    runner = CliRunner(mix_stderr=False)
    built = runner.invoke(cli, ["build", str(tour), "-o", str(output), "--engine", "espeak", "-q"])
    assert built.exit_code == 0, built.stderr
    assert json.loads((output / "manifest.json").read_text("utf-8"))["languages"] == {"fr": "", "en": "en/"}
    assert '"href":"en/"' in (output / "index.html").read_text("utf-8")
    (output / "en" / "notes.txt").write_text("mine", "utf-8")

    tour.write_text(tour.read_text("utf-8").replace("translations: [tour.en.yml]\n", ""), "utf-8")
    rebuilt = runner.invoke(cli, ["build", str(tour), "-o", str(output), "--engine", "espeak"])
    assert rebuilt.exit_code == 0, rebuilt.stderr
    assert "Removed en/: the tour no longer has en" in rebuilt.stderr
    assert [p.name for p in (output / "en").rglob("*")] == ["notes.txt"]
    assert json.loads((output / "manifest.json").read_text("utf-8"))["languages"] == {}
    assert '"href":"en/"' not in (output / "index.html").read_text("utf-8")

    (output / "en" / "notes.txt").unlink()
    tour.write_text(tour.read_text("utf-8").replace("lexicon:", "translations: [tour.en.yml]\nlexicon:"), "utf-8")
    assert runner.invoke(cli, ["build", str(tour), "-o", str(output), "--engine", "espeak", "-q"]).exit_code == 0
    tour.write_text(tour.read_text("utf-8").replace("translations: [tour.en.yml]\n", ""), "utf-8")
    assert runner.invoke(cli, ["build", str(tour), "-o", str(output), "--engine", "espeak", "-q"]).exit_code == 0
    assert not (output / "en").exists()
