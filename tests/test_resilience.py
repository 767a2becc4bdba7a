"""Never lose work: killed builds, concurrent builds, a full disk, a connection that drops."""
from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import filelock
import pytest
import requests
import responses
from click.testing import CliRunner

from audiocheck import decode
from audiotour.cli import cli
from audiotour.engines.gtts import GttsEngine
from audiotour.errors import EngineUnavailable
from audiotour.fsutil import TEMP_PREFIX
from audiotour.locks import output_lock_path
from audiotour.pipeline import BuildOptions, build
from audiotour.segments import make_segments
from audiotour.tour import load_tour
from conftest import BuiltTour, build_offline
from test_engines import ENDPOINT, FakeClock, google_body, mp3_second  # noqa: F401  (fixture)

BUILD = [sys.executable, "-c", "from audiotour.cli import main; main()", "build"]


def temporaries(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob(f"{TEMP_PREFIX}*")]


def assert_complete(output: Path, reference: BuiltTour) -> None:
    """Every file the manifest lists is there, whole, and decodes to what it says."""
    manifest = json.loads((output / "manifest.json").read_text("utf-8"))
    expected = reference.manifest
    assert [s["file"] for s in manifest["segments"]] == [s["file"] for s in expected["segments"]]
    assert [s["audio_fingerprint"] for s in manifest["segments"]] == [s["audio_fingerprint"] for s in expected["segments"]]
    for segment in manifest["segments"]:
        path = output / segment["file"]
        assert path.stat().st_size == segment["size_bytes"]
        assert len(decode(path)) == segment["samples"]
    assert len(decode(output / "tour.mp3")) == manifest["episode"]["samples"]
    assert sorted(p.name for p in output.iterdir()) == sorted(p.name for p in reference.output.iterdir())


@pytest.mark.slow
@pytest.mark.parametrize("delay_s", [0.3, 0.8, 1.3, 2.0])
def test_a_build_killed_at_any_moment_resumes_to_a_complete_tour(
        built_tour: BuiltTour, tmp_path: Path, delay_s: float) -> None:
    output, cache = tmp_path / "out", tmp_path / "cache"
    env = {**os.environ, "AUDIOTOUR_CACHE": str(cache)}
    process = subprocess.Popen([*BUILD, str(built_tour.tour_path), "-o", str(output), "--engine", "espeak", "-q"],
                               env=env, start_new_session=True)
    time.sleep(delay_s)
    os.killpg(process.pid, signal.SIGKILL)  # the build and its workers, mid-flight
    process.wait()
    build_offline(built_tour.tour_path, output, cache)
    assert_complete(output, built_tour)
    assert temporaries(output, cache) == []


def test_a_second_build_into_the_same_folder_refuses(built_tour: BuiltTour, tmp_path: Path) -> None:
    output = tmp_path / "out"
    output.mkdir()
    with filelock.FileLock(str(output_lock_path(output))):
        result = CliRunner(mix_stderr=False).invoke(
            cli, ["build", str(built_tour.tour_path), "-o", str(output), "--engine", "espeak", "-q"])
    assert result.exit_code == 1
    assert result.stderr == f"Error: another build is writing to {output}; wait for it to finish\n"
    assert list(output.iterdir()) == []


@pytest.mark.slow
def test_two_different_tours_build_at_once_on_one_cache(built_tour: BuiltTour, tmp_path: Path) -> None:
    env = {**os.environ, "AUDIOTOUR_CACHE": str(tmp_path / "cache")}
    other = tmp_path / "other"
    other.mkdir()
    (other / "tour.yml").write_text(built_tour.tour_path.read_text("utf-8").replace(
        "C'est la fête.", "La foule envahit les quais."), "utf-8")
    builds = [subprocess.Popen([*BUILD, str(tour), "-o", str(out), "--engine", "espeak", "-q"], env=env,
                               stderr=subprocess.PIPE, text=True)
              for tour, out in ((built_tour.tour_path, tmp_path / "out"), (other / "tour.yml", other / "out"))]
    assert [(process.wait(), process.communicate()[1]) for process in builds] == [(0, ""), (0, "")]
    assert_complete(tmp_path / "out", built_tour)
    assert (other / "out" / "tour.mp3").is_file()


@pytest.mark.slow
def test_two_builds_at_once_leave_one_good_tour(built_tour: BuiltTour, tmp_path: Path) -> None:
    output = tmp_path / "out"
    env = {**os.environ, "AUDIOTOUR_CACHE": str(tmp_path / "cache")}
    command = [*BUILD, str(built_tour.tour_path), "-o", str(output), "--engine", "espeak", "-q"]
    first = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    second = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    outcomes = sorted((process.wait(), process.communicate()[1]) for process in (first, second))
    assert outcomes[0] == (0, "")
    assert outcomes[1][0] in (0, 1)
    if outcomes[1][0] == 1:
        assert "another build is" in outcomes[1][1] and "Traceback" not in outcomes[1][1]
    assert_complete(output, built_tour)


def test_a_full_disk_is_a_world_failure_with_nothing_half_written(
        built_tour: BuiltTour, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiotour import ffmpeg

    def full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "out"))

    monkeypatch.setattr(ffmpeg, "encode_mp3", full)
    result = CliRunner(mix_stderr=False).invoke(
        cli, ["build", str(built_tour.tour_path), "-o", str(tmp_path / "out"), "--engine", "espeak", "--jobs", "1"])
    assert result.exit_code == 1
    out = tmp_path / "out"
    assert result.stderr.splitlines()[-1] == f"Error: cannot write {out / '00-intro.mp3'}: no space left on the disk holding {out}"
    assert "Traceback" not in result.stderr
    # Nothing was finished, so nothing is journaled: the folder is as empty as before.
    assert [p.name for p in (tmp_path / "out").iterdir()] == []


@pytest.mark.slow
@responses.activate
def test_a_connection_dropping_halfway_resumes_without_asking_again(
        mp3_second: bytes, tour_copy: Path, tmp_path: Path) -> None:  # noqa: F811
    answered = 0

    def flaky(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        nonlocal answered
        if answered >= 5:
            raise requests.ConnectionError("the hotel Wi-Fi is gone")
        answered += 1
        return 200, {}, google_body(mp3_second)

    responses.add_callback(responses.POST, ENDPOINT, callback=flaky)
    clock = FakeClock()

    def gtts(name: str, voice: object, say: object) -> GttsEngine:
        return GttsEngine(voice, sleep=clock.sleep, clock=clock.time)  # type: ignore[arg-type]

    options = BuildOptions(output=tmp_path / "out", cache_dir=tmp_path / "cache", engine="gtts", jobs=1)
    with pytest.raises(EngineUnavailable, match="Google TTS failed after 5 attempt"):
        build(load_tour(tour_copy), options, engine_factory=gtts)
    cached = len(list((tmp_path / "cache" / "speech").rglob("*.wav")))
    assert 0 < cached <= 5
    assert temporaries(tmp_path / "out", tmp_path / "cache") == []

    responses.replace(responses.POST, ENDPOINT, body=google_body(mp3_second))
    report = build(load_tour(tour_copy), options, engine_factory=gtts)
    total = sum(len(p.sentences) for p in make_segments(load_tour(tour_copy).tour))
    assert report.sentences_synthesized == total - cached
    assert {s.engine for s in report.manifest.segments} == {"gtts"}


class _Space:
    """What os.statvfs says of a disk with ``free`` bytes left, read-only or not."""

    def __init__(self, free: int, read_only: bool = False) -> None:
        self.f_bavail, self.f_frsize = free, 1
        self.f_flag = os.ST_RDONLY if read_only else 0


def test_a_full_disk_is_named_whatever_ffmpeg_says_of_it(
        built_tour: BuiltTour, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiotour import ffmpeg
    from audiotour.errors import WorldError

    def full(chunks: object, target: Path, **kwargs: object) -> None:
        raise WorldError(f"ffmpeg failed: {target}: Invalid argument")  # what ffmpeg 5 says of ENOSPC

    monkeypatch.setattr(ffmpeg, "encode_mp3", full)
    monkeypatch.setattr(os, "statvfs", lambda path: _Space(free=4096))
    out = tmp_path / "out"
    result = CliRunner(mix_stderr=False).invoke(
        cli, ["build", str(built_tour.tour_path), "-o", str(out), "--engine", "espeak", "--jobs", "1"])
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        1, f"Error: cannot write {out / '00-intro.mp3'}: no space left on the disk holding {out}")


@pytest.mark.parametrize(("code", "space", "reason"), [
    (errno.EROFS, _Space(10**9, read_only=True), "{out} is on a read-only file system"),
    (errno.EACCES, _Space(10**9), "no permission to write in {out}"),
    (errno.EDQUOT, _Space(10**9), "your disk quota is used up (writing in {out})"),
])
def test_a_read_only_or_forbidden_output_is_named(
        built_tour: BuiltTour, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, space: _Space,
        reason: str) -> None:
    from audiotour import ffmpeg

    def refused(chunks: object, target: Path, **kwargs: object) -> None:
        raise OSError(code, os.strerror(code), str(target))

    monkeypatch.setattr(ffmpeg, "encode_mp3", refused)
    monkeypatch.setattr(os, "statvfs", lambda path: space)
    out = tmp_path / "out"
    result = CliRunner(mix_stderr=False).invoke(
        cli, ["build", str(built_tour.tour_path), "-o", str(out), "--engine", "espeak", "--jobs", "1"])
    assert (result.exit_code, result.stderr.splitlines()[-1]) == (
        1, f"Error: cannot write {out / '00-intro.mp3'}: {reason.format(out=out)}")


@pytest.mark.slow
def test_a_cache_that_cannot_be_written_is_said_once_and_the_build_goes_on(
        built_tour: BuiltTour, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiotour import cache

    def full(target: Path, chunks: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(target))

    monkeypatch.setattr(cache, "atomic_write_chunks", full)
    said: list[str] = []

    class Say:
        def phase(self, label: str, total: int) -> object:
            from audiotour.progress import QuietProgress
            return QuietProgress().phase(label, total)

        def say(self, message: str) -> None:
            said.append(message)

    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    build(load_tour(built_tour.tour_path), BuildOptions(output=out, cache_dir=cache_dir, engine="espeak", jobs=1),
          Say())  # type: ignore[arg-type]
    assert_complete(out, built_tour)
    full_cache = [m for m in said if "cannot store speech" in m]
    assert full_cache == [f"cannot store speech in the cache {cache_dir}: no space left on the disk holding "
                          f"{cache_dir}; the build goes on without caching (an interrupted build will synthesise "
                          "again)"]


def test_the_output_is_checked_before_the_network_is_asked(built_tour: BuiltTour, tmp_path: Path) -> None:
    from audiotour.errors import UsageError

    def no_network(*args: object) -> GttsEngine:
        raise AssertionError("the engine was probed before the output was checked")

    a_file = tmp_path / "taken"
    a_file.write_text("mine", "utf-8")
    with pytest.raises(UsageError, match="exists and is not a folder"):
        build(load_tour(built_tour.tour_path), BuildOptions(output=a_file, cache_dir=tmp_path / "cache"),
              engine_factory=no_network)
