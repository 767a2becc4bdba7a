"""The command line as a user meets it: exact messages, exit codes, nothing half-written."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotour import __version__
from audiotour.cli import cli

VALID_HEAD = "title: T\ndescription: D\n"
ONE_STOP = "stops:\n  - title: Plage\n    narration: Bonjour.\n"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner(mix_stderr=False).invoke(cli, list(args), prog_name="audiotour")
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, text: str, name: str = "tour.yml") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    "text,message",
    [
        (VALID_HEAD + "stops:\n  - title: A\n    narration: x\n    location: {lat: 200.0, lon: 6.5}\n",
         "tour.yml:6: stops[0].location.lat: 200.0 is not a latitude (-90..90)"),
        (VALID_HEAD + "stops:\n  - title: A\n    narration: x\n    location: {lat: 43.1, lon: 190}\n",
         "tour.yml:6: stops[0].location.lon: 190 is not a longitude (-180..180)"),
        ("title: T\ndescripton: D\n" + ONE_STOP,
         "tour.yml:2: descripton: unknown key; did you mean 'description'?"),
        (VALID_HEAD + "stops: []\n", "tour.yml:3: stops: needs at least one stop"),
        (VALID_HEAD, "tour.yml:1: stops: is required (a list of stops, each with title: and narration:)"),
        (VALID_HEAD + "stops:\n  - title: A\n    narration: '   '\n",
         "tour.yml:5: stops[0].narration: is empty; write some text"),
        (VALID_HEAD + "stops:\n  - title: A\n    narration: x\n  - title: A\n    narration: y\n",
         "tour.yml:6: stops[1].title: id 'a' is already used by stops[0]; give this stop its own id"),
        (VALID_HEAD + "stops:\n  - title: A\n    id: Bad Id\n    narration: x\n",
         "tour.yml:5: stops[0].id: 'Bad Id' is not a valid id; use lowercase letters, digits and hyphens, e.g. 'bad-id'"),
        (VALID_HEAD + "stops:\n  - title: A\n    narration: x\n    radius: -5\n",
         "tour.yml:6: stops[0].radius: -5 is out of range; it must be more than 0"),
        (VALID_HEAD + "voice: {engine: polly}\n" + ONE_STOP,
         "tour.yml:3: voice.engine: 'polly' is not one of 'auto', 'gtts' or 'espeak'"),
        (VALID_HEAD + "language: français\n" + ONE_STOP,
         "tour.yml:3: language: 'français' is not valid here; use a language tag such as fr, en or fr-CA"),
        (VALID_HEAD + "stops:\n  - title: [A, B]\n    narration: x\n",
         "tour.yml:4: stops[0].title: expected text, got a list"),
        (VALID_HEAD + "stops:\n  - title: A\n    narration: x\n    date: le 15 août\n",
         "tour.yml:6: stops[0].date: 'le 15 août' is not a date; write e.g. 1944-08-15 or 1944-08-15T08:00"),
        (VALID_HEAD + "stops:\n  - title: A\n    narration: x\n    image: ../../etc/passwd\n",
         "tour.yml:6: stops[0].image: '../../etc/passwd' is outside the tour's folder; copy the image next to the tour file"),
        (VALID_HEAD + "title: again\n" + ONE_STOP, "tour.yml:3: title: duplicate key 'title'; each key may appear once"),
        ("title: T\n  description: [\n", "tour.yml:2:14: invalid YAML: mapping values are not allowed here"),
        (VALID_HEAD + "x: !!python/object/apply:os.system ['true']\n" + ONE_STOP,
         "tour.yml:3:4: invalid YAML: could not determine a constructor for the tag "
         "'tag:yaml.org,2002:python/object/apply:os.system'; YAML tags are not allowed in a tour file"),
        ("a: &x [1, 2]\nb: *x\n", "tour.yml:2: b: anchors and aliases (& and *) are not allowed in a tour file; write the value out"),
        ("- just\n- a list\n", "tour.yml:1: a tour file must be a mapping of keys (title:, description:, stops:…)"),
        ("", "tour.yml: is empty; a tour needs at least a title, a description and stops"),
    ],
)
def test_user_mistakes_get_one_clear_line_and_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      text: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, text)
    for command in ("check", "build", "script"):
        code, out, err = run(command, "tour.yml")
        assert (code, err) == (2, f"Error: {message}\n"), command
        assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tour.yml"], "nothing may be written"


def test_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tour.yml").write_bytes("title: Cavalaire\ndescription: é\n".encode("latin-1"))
    code, _, err = run("check")
    assert (code, err) == (2, "Error: tour.yml:2: is not UTF-8 (byte 0xe9); save the file as UTF-8\n")


def test_missing_tour_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("build")
    assert (code, err) == (2, "Error: tour.yml: no such file; pass the path of a tour file\n")
    assert list(tmp_path.iterdir()) == []


def test_version() -> None:
    assert run("--version") == (0, f"audiotour, version {__version__}\n", "")


@pytest.mark.parametrize("command", ["build", "check", "script"])
def test_every_command_has_help(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Usage: audiotour " + command in out


def test_check_prints_a_summary(tour_copy: Path) -> None:
    code, out, err = run("check", str(tour_copy))
    assert code == 0 and err == ""
    assert "2 stops + intro + outro" in out
    assert "route: 14.0 km through 2 located stops" in out
    assert "2 stops + intro + outro, 57 words to speak" in out


def test_script_prints_what_the_engine_is_given(tour_copy: Path) -> None:
    code, out, _ = run("script", str(tour_copy), "--stop", "cavalaire")
    assert code == 0
    assert out.startswith("# 01-cavalaire — Cavalaire-sur-Mer\n\nCavalaire-sur-Mer\n\n")
    assert "quinze août mille neuf cent quarante-quatre" in out
    assert "huit heures" in out
    assert "8h00" not in out and "1944" not in out


def test_script_unknown_stop(tour_copy: Path) -> None:
    code, _, err = run("script", str(tour_copy), "--stop", "nowhere")
    assert code == 2
    assert err == "Error: --stop: no stop with id 'nowhere'; ids are: intro, cavalaire, saint-tropez, outro\n"


@pytest.mark.slow
def test_build_from_the_cli_is_quiet_with_q(tour_copy: Path, tmp_path: Path) -> None:
    code, out, err = run("build", str(tour_copy), "-o", str(tmp_path / "out"), "--engine", "espeak", "-q")
    assert (code, out, err) == (0, "", "")
    assert (tmp_path / "out" / "tour.mp3").is_file()


@pytest.mark.slow
def test_build_reports_progress_as_plain_lines(tour_copy: Path, tmp_path: Path) -> None:
    code, out, err = run("build", str(tour_copy), "-o", str(tmp_path / "out"), "--engine", "espeak")
    assert code == 0 and out == ""
    lines = err.splitlines()
    assert lines[0] == "segments: 4…"
    assert lines[-1].startswith("Built 4 segments and tour.mp3 (") and lines[-1].endswith(f"in {tmp_path / 'out'}/")


def test_unwritable_output_is_a_world_failure(tour_copy: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err = run("build", str(tour_copy), "-o", str(blocker / "out"), "--engine", "espeak", "-q")
    assert code == 1
    assert err.startswith("Error: cannot create the output folder") and "Traceback" not in err


def test_bad_base_url_is_a_usage_error(tour_copy: Path, tmp_path: Path) -> None:
    code, _, err = run("build", str(tour_copy), "-o", str(tmp_path / "out"), "--base-url", "example.org")
    assert (code, err) == (2, "Error: --base-url: 'example.org' is not a web address; it must start with https:// "
                              "(or http://), e.g. https://example.org/tour/\n")
    assert not (tmp_path / "out").exists()


def test_jobs_reaches_the_build(tour_copy: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import audiotour.pipeline

    seen = {}

    def spy(loaded: object, options: audiotour.pipeline.BuildOptions, progress: object) -> object:
        seen["jobs"] = options.jobs
        raise audiotour.pipeline.WorldError("stop here")

    monkeypatch.setattr(audiotour.pipeline, "build", spy)
    code, _, err = run("build", str(tour_copy), "-o", str(tmp_path / "out"), "--jobs", "1", "-q")
    assert (code, seen) == (1, {"jobs": 1})


def test_a_bug_is_one_line_unless_verbose(tour_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import audiotour.summary

    def broken(*args: object) -> str:
        raise RuntimeError("oops")

    monkeypatch.setattr(audiotour.summary, "summarize", broken)
    code, out, err = run("check", str(tour_copy))
    assert (code, out) == (1, "")
    assert err == "Error: internal error (RuntimeError: oops); run again with -v and report the traceback\n"
    code, _, err = run("check", str(tour_copy), "-v")
    assert code == 1 and "Traceback" in err


def test_a_language_no_engine_speaks_fails_check_and_build_alike(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write(tmp_path, VALID_HEAD + "language: tlh\n" + ONE_STOP)
    expected = "Error: tour.yml:3: language: 'tlh' is not spoken by any engine (espeak, gtts); use e.g. fr or en\n"
    assert run("check") == (2, "", expected)
    assert run("build", "-q") == (2, "", expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tour.yml"]


def test_python_dash_m_runs_the_cli() -> None:
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "audiotour", "--version"], capture_output=True, text=True, check=True)
    assert out.stdout == f"audiotour, version {__version__}\n"


def test_click_usage_errors_are_one_line_too(tmp_path: Path) -> None:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "audiotour", "build", "--jobs", "0"], capture_output=True, text=True,
                          cwd=tmp_path)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "Error: Invalid value for '--jobs' / '-j': 0 is not in the range x>=1.\n"
