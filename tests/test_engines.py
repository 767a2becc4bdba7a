"""Engines without a network: gTTS against constructed HTTP answers, auto's fallback, eSpeak NG."""
from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path

import pytest
import requests
import responses

from audiotour.cli.output import error_line
from audiotour.engines import VoiceRequest, choose_engine
from audiotour.engines.espeak import EspeakEngine
from audiotour.engines.gtts import GttsEngine
from audiotour.errors import EngineUnavailable, Remedy, WorldError
from audiotour.ffmpeg import ffmpeg_path

ENDPOINT = "https://translate.google.fr/_/TranslateWebserverUi/data/batchexecute"
FRENCH = VoiceRequest(language="fr")


@pytest.fixture(scope="module")
def mp3_second() -> bytes:
    """One second of tone as Google sends it: 24 kHz mono MP3."""
    return subprocess.run(
        [ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=24000",
         "-ac", "1", "-b:a", "32k", "-f", "mp3", "-"],
        capture_output=True, check=True,
    ).stdout


def google_body(audio: bytes) -> str:
    """The batchexecute answer gTTS parses: the base64 audio inside a JSON-ish envelope."""
    payload = json.dumps([base64.b64encode(audio).decode()])
    envelope = [["wrb.fr", "jQ1olc", payload, None, None, None, "generic"]]
    return ")]}'\n\n" + json.dumps(envelope, separators=(",", ":")) + "\n"


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def time(self) -> float:
        return self.now


def engine(clock: FakeClock | None = None) -> GttsEngine:
    clock = clock or FakeClock()
    return GttsEngine(FRENCH, sleep=clock.sleep, clock=clock.time)


@responses.activate
def test_gtts_speaks_from_google_audio(mp3_second: bytes) -> None:
    responses.post(ENDPOINT, body=google_body(mp3_second))
    speech = engine().synthesize("Bonjour à tous.")
    assert speech.sample_rate == 24000
    assert abs(len(speech.pcm) / 2 / 24000 - 1.0) < 0.1
    sent = responses.calls[0].request.body
    assert "Bonjour" in requests.utils.unquote(sent) and '\\"fr\\"' in requests.utils.unquote(sent)


@responses.activate
def test_gtts_waits_as_told_after_429(mp3_second: bytes) -> None:
    responses.post(ENDPOINT, status=429, headers={"Retry-After": "7"})
    responses.post(ENDPOINT, body=google_body(mp3_second))
    clock = FakeClock()
    speech = engine(clock).synthesize("Bonjour.")
    assert len(speech.pcm) > 0
    assert len(clock.sleeps) == 1 and 7 <= clock.sleeps[0] <= 7 * 1.25


@responses.activate
def test_gtts_gives_up_on_endless_server_errors() -> None:
    responses.post(ENDPOINT, status=500)
    clock = FakeClock()
    with pytest.raises(EngineUnavailable, match=r"Google TTS failed after \d attempt\(s\): HTTP 500 from Google"):
        engine(clock).synthesize("Bonjour.")
    assert 1 <= len(clock.sleeps) <= 4
    assert sum(clock.sleeps) <= 60
    assert clock.sleeps == sorted(clock.sleeps), "backoff grows"


@responses.activate
def test_gtts_rejects_audio_that_does_not_decode() -> None:
    responses.post(ENDPOINT, body=google_body(b"this is not an mp3 at all" * 40))
    with pytest.raises(EngineUnavailable, match="does not decode"):
        engine().synthesize("Bonjour.")


@responses.activate
def test_gtts_treats_the_sorry_page_as_throttling() -> None:
    responses.post(ENDPOINT, status=302, headers={"Location": "https://www.google.com/sorry/index"})
    responses.get("https://www.google.com/sorry/index", body="<html>unusual traffic</html>")
    with pytest.raises(EngineUnavailable, match="no audio"):
        engine().synthesize("Bonjour.")


@responses.activate
def test_gtts_unreachable_fails_at_once() -> None:
    responses.post(ENDPOINT, body=requests.ConnectionError("no route"))
    clock = FakeClock()
    with pytest.raises(EngineUnavailable, match="Google TTS is unreachable") as raised:
        engine(clock).synthesize("Bonjour.")
    assert clock.sleeps == []
    # The library names the remedy; the command line says it in its own options.
    assert raised.value.remedy is Remedy.OTHER_ENGINE
    assert error_line(raised.value).endswith("check the connection; use --engine espeak, offline")


@responses.activate
def test_auto_falls_back_to_espeak_when_google_is_unreachable() -> None:
    responses.head("https://translate.google.fr/", body=requests.ConnectionError("offline"))
    said: list[str] = []
    chosen = choose_engine("auto", FRENCH, said.append)
    assert chosen.name == "espeak"
    assert len(said) == 1 and "using the offline voice (espeak)" in said[0]


@responses.activate
def test_auto_prefers_gtts_when_google_answers() -> None:
    responses.head("https://translate.google.fr/", status=200)
    said: list[str] = []
    assert choose_engine("auto", FRENCH, said.append).name == "gtts"
    assert said == []


@pytest.mark.slow
@responses.activate
def test_gtts_build_end_to_end(mp3_second: bytes, tour_copy: Path, tmp_path: Path) -> None:
    from audiotour.pipeline import BuildOptions, build
    from audiotour.tour import load_tour

    responses.head("https://translate.google.fr/", status=200)
    responses.post(ENDPOINT, body=google_body(mp3_second))
    report = build(load_tour(tour_copy), BuildOptions(output=tmp_path / "out", cache_dir=tmp_path / "c",
                                                      engine="gtts"))
    assert {s.engine for s in report.manifest.segments} == {"gtts"}
    assert report.manifest.segments[0].voice == "fr@translate.google.fr"
    # gTTS splits sentences longer than 100 characters into several requests (and one probe went first).
    assert len(responses.calls) - 1 >= report.sentences_synthesized > 0


def test_espeak_speaks_french() -> None:
    speech = EspeakEngine(FRENCH).synthesize("Bonjour, nous sommes à Cavalaire.")
    seconds = len(speech.pcm) / 2 / speech.sample_rate
    assert 1.0 < seconds < 5.0


def test_espeak_refuses_an_unknown_language() -> None:
    from audiotour.errors import TourError

    with pytest.raises(TourError, match="not spoken by eSpeak NG"):
        EspeakEngine(VoiceRequest(language="tlh"))


@responses.activate
def test_gtts_retries_a_slow_answer_past_the_timeout(mp3_second: bytes) -> None:
    responses.post(ENDPOINT, body=requests.ReadTimeout("read timed out"))
    responses.post(ENDPOINT, body=google_body(mp3_second))
    clock = FakeClock()
    assert len(engine(clock).synthesize("Bonjour.").pcm) > 0
    assert len(clock.sleeps) == 1


@responses.activate
def test_gtts_retries_a_truncated_answer(mp3_second: bytes) -> None:
    body = google_body(mp3_second)
    responses.post(ENDPOINT, body=body[: len(body) // 2])
    responses.post(ENDPOINT, body=body)
    clock = FakeClock()
    assert len(engine(clock).synthesize("Bonjour.").pcm) > 0
    assert len(clock.sleeps) == 1


@responses.activate
def test_gtts_refusal_is_not_retried() -> None:
    responses.post(ENDPOINT, status=403)
    clock = FakeClock()
    with pytest.raises(EngineUnavailable, match="refused the request: HTTP 403"):
        engine(clock).synthesize("Bonjour.")
    assert clock.sleeps == []


@pytest.mark.slow
@responses.activate
def test_gtts_requests_run_four_at_a_time_and_back_off_together(
        mp3_second: bytes, tmp_path: Path) -> None:
    import threading
    import time

    from audiotour.pipeline import BuildOptions, build
    from audiotour.tour import load_tour

    lock = threading.Lock()
    in_flight, most, log = 0, 0, []

    def slow(request: requests.PreparedRequest) -> tuple[int, dict[str, str], str]:
        nonlocal in_flight, most
        with lock:
            in_flight += 1
            most = max(most, in_flight)
            first_throttle = not any(kind == 429 for _, kind in log)
            log.append((time.monotonic(), 429 if first_throttle and len(log) == 3 else 200))
            kind = log[-1][1]
        time.sleep(0.05)  # a distant server
        with lock:
            in_flight -= 1
        if kind == 429:
            return 429, {"Retry-After": "0.3"}, ""
        return 200, {}, google_body(mp3_second)

    responses.head("https://translate.google.fr/", status=200)
    responses.add_callback(responses.POST, ENDPOINT, callback=slow)
    stops = "".join(f"  - title: Arrêt {i}\n    narration: Phrase {i}. Autre phrase {i}.\n" for i in range(8))
    tour = tmp_path / "tour.yml"
    tour.write_text(f"title: T\ndescription: D\nstops:\n{stops}", "utf-8")
    build(load_tour(tour), BuildOptions(output=tmp_path / "out", cache_dir=tmp_path / "c", engine="gtts"))
    assert most == 4
    throttled_at = next(t for t, kind in log if kind == 429)
    # Requests that started after the 429 waited out its Retry-After, whichever thread sent them.
    later = [t for t, _ in log if t > throttled_at + 0.15]
    assert later and all(t >= throttled_at + 0.3 for t in later)


@responses.activate
def test_auto_speaks_a_language_google_lacks_with_espeak() -> None:
    responses.head("https://translate.google.com/", status=200)
    said: list[str] = []
    # Esperanto: eSpeak NG speaks it, Google's voice does not, though Google answers.
    chosen = choose_engine("auto", VoiceRequest(language="eo"), said.append)
    assert chosen.name == "espeak"
    assert said == ["gtts does not speak 'eo'; using the offline voice (espeak)."]


def test_a_language_no_engine_speaks_is_the_users_mistake() -> None:
    from audiotour.errors import TourError

    with pytest.raises(TourError, match="not spoken"):
        choose_engine("auto", VoiceRequest(language="tlh"), lambda _: None)


@pytest.mark.slow
def test_every_engine_module_is_found_even_after_one_was_imported_alone() -> None:
    import subprocess
    import sys

    code = ("import audiotour.engines.espeak\n"
            "from audiotour.engines import engine_names\n"
            "print(engine_names())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['espeak', 'gtts']"


@pytest.mark.slow
def test_the_bundled_voice_and_ffmpeg_work_without_system_packages(tmp_path: Path) -> None:
    # A laptop without Debian's espeak-ng or ffmpeg gets the wheels' own: prove those, whatever this machine has.
    import os
    import sys

    import espeakng_loader
    import imageio_ffmpeg

    env = {**os.environ, "AUDIOTOUR_ESPEAK_LIBRARY": espeakng_loader.get_library_path(),
           "AUDIOTOUR_ESPEAK_DATA": espeakng_loader.get_data_path(),
           "AUDIOTOUR_FFMPEG": imageio_ffmpeg.get_ffmpeg_exe(), "AUDIOTOUR_CACHE": str(tmp_path / "cache")}
    tour = tmp_path / "tour.yml"
    tour.write_text("title: T\ndescription: D\nstops:\n  - {title: Plage, narration: Bonjour à tous.}\n", "utf-8")
    subprocess.run([sys.executable, "-m", "audiotour", "build", str(tour), "-o", str(tmp_path / "out"),
                    "--engine", "espeak", "-q"], env=env, check=True)
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text("utf-8"))
    assert manifest["segments"][0]["duration_s"] > 1.0
    spoken = next((tmp_path / "cache" / "speech").rglob("*.wav"))
    assert spoken.stat().st_size > 10_000


@responses.activate
def test_gtts_asked_for_by_name_while_offline_fails_before_writing(tour_copy: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from audiotour.cli import cli

    responses.head("https://translate.google.fr/", body=requests.ConnectionError("offline"))
    result = CliRunner(mix_stderr=False).invoke(
        cli, ["build", str(tour_copy), "-o", str(tmp_path / "out"), "--engine", "gtts", "-q"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: gtts is unavailable: translate.google.fr did not answer")
    assert not (tmp_path / "out").exists()


@responses.activate
def test_gtts_retries_only_within_the_sentence_deadline_and_the_builds_budget(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import audiotour.engines.gtts as gtts

    responses.post(ENDPOINT, status=503)
    clock = FakeClock()
    speaker = engine(clock)
    with pytest.raises(EngineUnavailable, match="HTTP 503"):
        speaker.synthesize("Bonjour.")
    # A retry is made only when its back-off and a whole request still fit in the sentence's deadline.
    assert sum(clock.sleeps) + gtts.REQUEST_DEADLINE_S <= gtts.SENTENCE_DEADLINE_S
    # The build's budget is shared by its sentences: once it is spent, the next sentence tries once.
    monkeypatch.setattr(gtts, "BUILD_TROUBLE_BUDGET_S", sum(clock.sleeps))
    before = len(clock.sleeps)
    with pytest.raises(EngineUnavailable, match="failed after 1 attempt"):
        speaker.synthesize("Au revoir.")
    assert len(clock.sleeps) == before


@responses.activate
def test_gtts_cancel_ends_a_back_off_at_once() -> None:
    import threading
    import time

    responses.post(ENDPOINT, status=429, headers={"Retry-After": "30"})
    speaker = GttsEngine(FRENCH)  # real waits, which cancel() ends
    threading.Timer(0.3, speaker.cancel).start()
    started = time.monotonic()
    with pytest.raises(WorldError, match="stopped"):
        speaker.synthesize("Bonjour.")
    assert time.monotonic() - started < 2
