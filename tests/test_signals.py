"""Ctrl-C and SIGTERM at any moment: a prompt exit, one line, no process left, nothing cut kept, a resume."""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from audiotour.cache import decode_entry
from conftest import BuiltTour, build_offline
from test_resilience import assert_complete, temporaries

STOP_WITHIN_S = 2.0


def start(tour: Path, output: Path, cache: Path, *options: str, prelude: str = "") -> psutil.Popen:
    env = {**os.environ, "AUDIOTOUR_CACHE": str(cache)}
    command = [sys.executable, "-c", prelude + "from audiotour.__main__ import run; run()", "build", str(tour),
               "-o", str(output), "-q", *options]
    return psutil.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def started_building(process: psutil.Popen, output: Path | None = None, timeout_s: float = 60.0) -> None:
    """Wait until the build has begun: ``output`` created (when new), or else libespeak-ng loaded (a signal
    while Python itself starts, before any of our code runs, is Python's to handle)."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the build never started"
        if output is not None and output.is_dir():
            return
        try:
            if output is None and any("espeak" in m.path for m in process.memory_maps()):
                return
        except psutil.Error:
            pass
        time.sleep(0.02)


def stop(process: psutil.Popen, signum: int) -> tuple[int, str, float, list[psutil.Process]]:
    """Send ``signum``; the exit status, stderr, seconds until it exited, and what it had started."""
    descendants = process.children(recursive=True)
    sent = time.monotonic()
    process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"still running 30 s after signal {signum}") from None
    return process.returncode, stderr, time.monotonic() - sent, descendants


def still_alive(processes: list[psutil.Process], within_s: float = STOP_WITHIN_S) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(processes, timeout=within_s)
    return [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def clean_speech(tour: Path, cache_keys: list[str]) -> dict[str, str]:
    """SHA-256 of each sentence's samples, spoken in a fresh process, by cache key."""
    script = textwrap.dedent("""
        import hashlib, json, sys
        from audiotour.cache import SpeechCache
        from audiotour.engines.espeak import EspeakEngine
        from audiotour.engines import VoiceRequest
        from audiotour.segments import make_segments
        from audiotour.tour import load_tour
        tour = load_tour(__import__("pathlib").Path(sys.argv[1])).tour
        engine = EspeakEngine(VoiceRequest(language=tour.language, slow=tour.voice.slow))
        wanted = set(json.loads(sys.argv[2]))
        found = {}
        # A build sets eSpeak NG's pace per segment (the key holds it): try every setting it can choose.
        paced = [engine.at_speaking_rate(0)]
        for setting in range(80, 451):
            voice = __import__("copy").copy(engine)
            voice.words_per_minute = setting
            paced.append(voice)
        for segment in make_segments(tour, "espeak"):
            for sentence in segment.sentences:
                for voice in paced:
                    key = SpeechCache.key(voice.cache_identity, sentence.spoken)
                    if key in wanted and key not in found:
                        found[key] = hashlib.sha256(voice.synthesize(sentence.spoken).pcm).hexdigest()
        print(json.dumps(found))
    """)
    done = subprocess.run([sys.executable, "-c", script, str(tour), json.dumps(cache_keys)], capture_output=True,
                          text=True, check=True)
    result: dict[str, str] = json.loads(done.stdout)
    return result


def cached(cache: Path) -> dict[str, str]:
    return {path.stem: hashlib.sha256(decode_entry(path.stem, path.read_bytes()).pcm).hexdigest()
            for path in (cache / "speech").rglob("*.wav")} if (cache / "speech").is_dir() else {}


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "4"])
def test_ctrl_c_at_random_moments_stops_at_once_and_never_caches_a_cut_sentence(
        built_tour: BuiltTour, tmp_path: Path, jobs: str) -> None:
    cache, output = tmp_path / "cache", tmp_path / "out"
    chance = random.Random(f"sigint-{jobs}-{os.getpid()}")
    for attempt in range(3):
        process = start(built_tour.tour_path, output, cache, "--engine", "espeak", "-j", jobs)
        started_building(process)
        time.sleep(chance.uniform(0.0, 1.5))
        status, stderr, took, descendants = stop(process, signal.SIGINT)
        if status == 0:
            continue  # it finished first: that moment was too late
        assert status == 130, stderr
        assert stderr == "Interrupted; run the same command again to resume.\n"
        assert took < STOP_WITHIN_S, f"attempt {attempt}: {took:.2f} s to stop"
        assert still_alive(descendants) == []
    entries = cached(cache)
    assert entries, "nothing was synthesised before the interrupts"
    # The next run resumes, to the very tour a clean build makes.
    build_offline(built_tour.tour_path, output, cache)
    assert_complete(output, built_tour)
    assert temporaries(output) == []
    assert clean_speech(built_tour.tour_path, sorted(entries)) == entries


@pytest.mark.slow
def test_sigterm_stops_the_build_and_its_workers(built_tour: BuiltTour, tmp_path: Path) -> None:
    output = tmp_path / "out"
    process = start(built_tour.tour_path, output, tmp_path / "cache", "--engine", "espeak", "-j", "4")
    deadline = time.monotonic() + 60
    while len(process.children()) < 2:  # the workers are up, and rendering
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1]
        time.sleep(0.01)
    status, stderr, took, descendants = stop(process, signal.SIGTERM)
    assert (status, stderr) == (143, "Terminated; run the same command again to resume.\n")
    assert took < STOP_WITHIN_S
    assert still_alive(descendants) == []


@pytest.mark.slow
def test_workers_end_with_a_parent_killed_outright(built_tour: BuiltTour, tmp_path: Path) -> None:
    process = start(built_tour.tour_path, tmp_path / "out", tmp_path / "cache", "--engine", "espeak", "-j", "4")
    deadline = time.monotonic() + 60
    while len(process.children()) < 2:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[1]
        time.sleep(0.01)
    _, _, _, descendants = stop(process, signal.SIGKILL)
    assert still_alive(descendants) == []


# -- a server that answers a byte at a time ----------------------------------------------

class _Drip(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:  # noqa: N802  (the probe)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        try:
            for _ in range(3000):  # a minute, a byte every 20 ms: never a whole answer
                self.wfile.write(b")")
                self.wfile.flush()
                time.sleep(0.02)
        except OSError:
            pass

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def dripping() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Drip)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _towards(url: str, **constants: float) -> str:
    assignments = "".join(f"g.{name} = {value!r}; " for name, value in constants.items())
    return f"import audiotour.engines.gtts as g; g.BASE_URL = {url!r}; {assignments}"


@pytest.mark.slow
def test_an_answer_dripping_a_byte_at_a_time_gives_up_by_the_deadline(
        tour_copy: Path, tmp_path: Path, dripping: str) -> None:
    output = tmp_path / "out"
    started = time.monotonic()
    process = start(tour_copy, output, tmp_path / "cache", "--engine", "gtts",
                    prelude=_towards(dripping, REQUEST_DEADLINE_S=1.0, SENTENCE_DEADLINE_S=3.0))
    _, stderr = process.communicate(timeout=60)
    took = time.monotonic() - started
    assert process.returncode == 1, stderr
    assert stderr.startswith("Error: Google TTS failed after 1 attempt(s): no whole answer within 1 s")
    assert "Traceback" not in stderr
    assert took < 15, f"{took:.1f} s"  # the deadline (1 s) and the interpreter's start, on a slow machine
    assert list(output.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "4"])
def test_ctrl_c_ends_a_build_waiting_on_a_dripping_answer(
        tour_copy: Path, tmp_path: Path, dripping: str, jobs: str) -> None:
    output = tmp_path / "out"
    process = start(tour_copy, output, tmp_path / "cache", "--engine", "gtts", "-j", jobs,
                    prelude=_towards(dripping))
    started_building(process, output)
    time.sleep(1.0)
    status, stderr, took, descendants = stop(process, signal.SIGINT)
    assert (status, stderr) == (130, "Interrupted; run the same command again to resume.\n")
    assert took < STOP_WITHIN_S
    assert still_alive(descendants) == []
