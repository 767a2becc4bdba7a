"""Sound under the voice (issue 16): music and ambience faded in and out, ducked while the voice speaks."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3

from audiocheck import decode, ebur128
from audiotour import audio
from audiotour.engines import Speech
from audiotour.errors import TourError
from audiotour.ffmpeg import ffmpeg_path
from audiotour.tour import load_tour
from conftest import build_offline

pytestmark = pytest.mark.slow  # each test here builds audio end to end

RATE = 22050
ROOT = Path(__file__).resolve().parents[1]


def db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(samples ** 2)) + 1e-12))


def lufs(samples: np.ndarray) -> float:
    """Loudness as a listener weighs it (BS.1770), so that a low tone and speech compare fairly."""
    measured = audio.measure_loudness(samples, RATE)
    assert measured is not None
    return measured


def fake_sentence(seconds: float, seed: int) -> Speech:
    """Speech-like: noise shaped in syllables, loud."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    shaped = rng.standard_normal(len(t)) * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)) * 0.3
    return Speech(np.clip(shaped * 32767, -32768, 32767).astype("<i2").tobytes(), RATE)


def tone(seconds: float, frequency: float = 220.0) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * frequency * t) * 32767).astype("<i2").tobytes()


def mixed() -> tuple[np.ndarray, np.ndarray, list[tuple[float, float]]]:
    sentences = [[fake_sentence(2.0, i) for i in range(2)], [fake_sentence(2.0, 5)]]
    beds = [audio.Bed(tone(30), "ambience", -6.0)]
    # A long paragraph pause (3 s), so that the sound is heard coming back between paragraphs.
    voice = audio.assemble(sentences, audio.Pauses(0.45, 3.0), RATE, beds=beds)
    mix, under = audio.mix_beds(voice, beds, audio.Ducking(), keep_under=True)
    assert under is not None
    return mix.samples.astype(np.float64) / 32768.0, under, mix.spans


def test_the_sound_sits_15_db_under_the_voice_while_it_speaks() -> None:
    samples, under, spans = mixed()
    voice = samples - under
    for start, end in spans:
        a, b = int(start * RATE), int(end * RATE)
        assert lufs(voice[a:b]) - lufs(under[a:b]) >= 15.0, (start, lufs(voice[a:b]) - lufs(under[a:b]))
    # Between two sentences (0.45 s) it stays down: no pumping.
    gap = under[int((spans[0][1] - 0.1) * RATE):int((spans[1][0] + 0.1) * RATE)]
    assert lufs(voice[int(spans[0][0] * RATE):int(spans[0][1] * RATE)]) - lufs(gap) >= 15.0


def test_the_sound_comes_back_when_the_voice_rests() -> None:
    samples, under, spans = mixed()
    voice = samples - under
    speech = lufs(voice[int(spans[0][0] * RATE):int(spans[0][1] * RATE)])
    # In the 3 s between paragraphs, once hold (0.6 s) and release (0.8 s) are over: back to -6 dB or so.
    rest = under[int((spans[1][1] + 1.5) * RATE):int((spans[2][0] - 0.3) * RATE)]
    assert -9.0 <= lufs(rest) - speech <= -3.0, lufs(rest) - speech
    # And down again before the next word: the attack ends as the voice starts.
    onset = under[int(spans[2][0] * RATE):int((spans[2][0] + 0.05) * RATE)]
    assert db(rest) - db(onset) >= 13.0


@pytest.fixture(scope="module")
def sounding(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("sounding")
    (root / "sounds").mkdir()
    # Any format ffmpeg reads: Ogg Vorbis and FLAC here.
    for name, source in (("theme.ogg", "sine=frequency=330:duration=6"), ("waves.flac", "anoisesrc=d=4:c=pink:a=0.3")):
        subprocess.run([ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", source, "-ac", "1", str(root / "sounds" / name)],
                       check=True)
    (root / "tour.yml").write_text(
        "title: Sons\ndescription: Une visite avec musique.\n"
        "audio: {music: sounds/theme.ogg}\n"
        "credits: [\"Musique : un la, par nous (CC0).\"]\n"
        "stops:\n"
        "  - title: Premier arrêt\n    ambience: sounds/waves.flac\n    narration: |\n"
        "      Une phrase assez longue pour être entendue. Une autre phrase qui suit.\n\n"
        "      Un nouveau paragraphe commence ici.\n"
        "  - title: Second arrêt\n    narration: Encore une phrase, pour finir la visite.\n", "utf-8")
    build_offline(root / "tour.yml", root / "out", root / "cache")
    return root / "out"


def test_music_opens_the_tour_and_the_mix_is_at_the_loudness_asked(sounding: Path) -> None:
    manifest = json.loads((sounding / "manifest.json").read_text("utf-8"))
    first = manifest["segments"][0]
    samples = decode(sounding / first["file"])
    first_word = first["sentences"][0]["start_s"]
    assert first_word >= 2.5  # the music plays alone first
    assert db(samples[int(0.5 * 44100):int(2.0 * 44100)]) > -30
    for path in sorted(sounding.glob("0*.mp3")):
        integrated, peak = ebur128(path)
        assert -16.5 <= integrated <= -15.5 and peak <= -1.0, (path.name, integrated, peak)
    last = manifest["segments"][-1]
    tail = decode(sounding / last["file"])[int((last["sentences"][-1]["end_s"] + 1.0) * 44100):]
    assert db(tail[: 2 * 44100]) > -30  # and closes it, after the last word


def test_credits_go_into_the_tags_and_the_guide(sounding: Path) -> None:
    tags = ID3(sounding / "00-premier-arret.mp3")
    assert [str(c) for c in tags.getall("COMM") if c.desc == "credits"] == ["Musique : un la, par nous (CC0)."]
    assert "Musique : un la, par nous (CC0)." in (sounding / "index.html").read_text("utf-8")


def test_a_sound_outside_the_tour_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "tour").mkdir()
    tour = tmp_path / "tour" / "tour.yml"
    tour.write_text("title: T\ndescription: D\nstops:\n  - title: Un\n    narration: Texte.\n"
                    "    ambience: ../waves.ogg\n", "utf-8")
    with pytest.raises(TourError) as caught:
        load_tour(tour)
    assert "tour.yml:6" in str(caught.value) and "outside the tour's folder" in str(caught.value)
    assert "copy the sound" in str(caught.value)


def test_a_tour_without_sounds_sounds_as_before(built_tour: object) -> None:
    out = built_tour.output  # type: ignore[attr-defined]
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    for segment in manifest["segments"]:
        samples = decode(out / segment["file"])
        # The voice alone: digital silence until the lead-in is over, then speech.
        assert np.abs(samples[: int(0.25 * 44100)]).max() == 0.0
        assert 0.29 <= segment["lead_s"] <= 0.36


def test_the_shipped_tour_opens_with_its_own_sound() -> None:
    tour = load_tour(ROOT / "tour.yml").tour
    assert tour.audio.music == "sounds/indicatif.mp3" and (ROOT / "sounds" / "indicatif.mp3").is_file()
    assert any("indicatif" in line.lower() for line in tour.credits)
