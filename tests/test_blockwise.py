"""A segment is computed a block at a time (issue 13: memory bounded whatever the narration's length), and
gives the samples the whole signal at once gave, to the last bit: held to `wholesignal`, the former code.

Every signal here is several blocks long (`audio.BLOCK`), fed in pieces that do not fall on block edges.
"""
from __future__ import annotations

import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest

import wholesignal
from audiotour import audio, loudness
from audiotour.engines import Speech
from audiotour.fades import Frames
from audiotour.ffmpeg import ffmpeg_path

with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("ignore", DeprecationWarning)
    from pydub import AudioSegment

RATE = 22050


def speechlike(seconds: float, seed: int, rate: int = RATE, level: float = 0.3) -> np.ndarray:
    """Noise shaped in syllables, with a few loud clicks (for the limiter) and near-silent ends (for the trim)."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    shaped = rng.standard_normal(len(t)) * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t)) * level
    for at in rng.integers(0, max(1, len(t) - 20), size=max(1, int(seconds))):
        shaped[at : at + 20] = 0.95 * np.sign(rng.standard_normal())
    edge = min(len(t) // 10, int(0.15 * rate))
    if edge:
        shaped[:edge] *= 0.001
        shaped[-edge:] *= 0.001
    return np.asarray(np.clip(shaped * 32767, -32768, 32767).astype("<i2"))


def pieces(samples: np.ndarray, seed: int = 0) -> list[np.ndarray]:
    """The samples cut at uneven places, none on a block's edge."""
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.integers(1, max(2, len(samples)), size=max(1, len(samples) // 20_000)))
    return np.split(samples, cuts)


@pytest.mark.parametrize("rate", [22050, 24000, 44100])
def test_loudness_measured_as_it_streams_is_the_whole_signals(rate: int) -> None:
    signal = speechlike(40.0, 1, rate).astype(np.float64) / 32768.0  # 13 blocks and more
    signal[len(signal) // 3 : len(signal) // 2] *= 1e-4  # some gating blocks fall under the gates
    meter = loudness.LoudnessMeter(rate)
    for piece in pieces(signal):
        meter.add(piece)
    assert meter.result() == wholesignal.integrated_loudness(signal, rate)
    assert loudness.integrated_loudness(signal, rate) == wholesignal.integrated_loudness(signal, rate)
    assert np.array_equal(loudness.k_weighted(signal, rate), wholesignal.k_weighted(signal, rate))


def test_loudness_of_nothing_and_of_too_little() -> None:
    for signal in (np.zeros(0), np.zeros(500_000), np.ones(8000) * 0.1):
        meter = loudness.LoudnessMeter(RATE)
        meter.add(signal)
        assert meter.result() is None is wholesignal.integrated_loudness(signal, RATE)


@pytest.mark.parametrize("near", [None, 0.5])
def test_true_peak_measured_as_it_streams_is_the_whole_signals(near: float | None) -> None:
    signal = speechlike(20.0, 2).astype(np.float64) / 32768.0
    meter = loudness.PeakMeter(near, 3.0)
    for piece in pieces(signal, 3):
        meter.add(piece)
    expected = wholesignal.true_peak_dbtp(signal, near, 3.0)
    assert loudness.to_dbtp(meter.result()) == expected == loudness.true_peak_dbtp(signal, near, 3.0)
    assert np.array_equal(loudness.oversampled_envelope(signal, near, 3.0),
                          wholesignal.oversampled_envelope(signal, near, 3.0))


def sentences() -> list[list[Speech]]:
    """Sentences of every kind: ordinary ones, one longer than several blocks, one of a few samples, one
    silent, one loud from its first sample to its last."""
    loud = np.clip(np.random.default_rng(9).standard_normal(30_000) * 8000, -32768, 32767).astype("<i2")
    return [[Speech(speechlike(2.3, 4).tobytes(), RATE), Speech(speechlike(25.0, 5).tobytes(), RATE)],
            [Speech(np.full(37, 9000, dtype="<i2").tobytes(), RATE), Speech(bytes(4000), RATE),
             Speech(loud.tobytes(), RATE)],
            [Speech(speechlike(1.01, 6).tobytes(), RATE)]]


def test_assembly_is_pydubs_to_the_sample() -> None:
    pauses = audio.Pauses(0.45, 1.2)
    reference, spans = wholesignal.assemble(
        [[wholesignal.prepare_sentence(s, RATE) for s in p] for p in sentences()], pauses, RATE)
    spoken = sentences()
    track = audio.assemble(spoken, pauses, RATE, release=True)
    assert track.samples.tobytes() == reference.raw_data
    assert track.spans == spans
    assert all(s.pcm == b"" for p in spoken for s in p)  # let go once placed
    assert audio.silent_edges(track.samples, RATE) == wholesignal.silent_edges(reference)


def test_normalisation_and_limiter_give_the_whole_signals_samples() -> None:
    samples = speechlike(30.0, 7, level=0.02)  # quiet, with clicks: raised, they go over the ceiling
    reference = wholesignal.normalize_loudness(wholesignal._segment(samples, RATE), -16.0)
    normalized = audio.normalize_loudness(samples, RATE, -16.0)
    assert b"".join(normalized.pcm()) == reference
    assert normalized.length == len(samples)
    # The limiter acted, each time the loudness was set again.
    assert sum(isinstance(step, audio._Limits) for step in normalized._steps) == 3


def tone(seconds: float, frequency: float) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    return (0.3 * np.sin(2 * np.pi * frequency * t) * 32767).astype("<i2").tobytes()


@pytest.mark.parametrize("in_files", [False, True])
def test_the_mix_is_the_whole_signals(in_files: bool) -> None:
    beds = [audio.Bed(tone(7.0, 440), "opening", -8.0), audio.Bed(tone(5.0, 300), "closing", -8.0),
            audio.Bed(tone(2.2, 180), "ambience", -14.0)]  # looped many times under the voice
    pauses = audio.Pauses(0.45, 3.0)
    voice, spans = wholesignal.assemble(
        [[wholesignal.prepare_sentence(s, RATE) for s in p] for p in sentences()], pauses, RATE)
    reference, reference_spans, reference_under = wholesignal.mix_beds(voice, spans, beds, audio.Ducking())
    with tempfile.TemporaryDirectory() as folder:
        if in_files:
            for index, bed in enumerate(beds):
                assert isinstance(bed.pcm, bytes)
                (Path(folder) / f"{index}.raw").write_bytes(bed.pcm)
            beds = [audio.Bed(audio.PcmFile((Path(folder) / f"{i}.raw").open("rb")), b.kind, b.level_db)
                    for i, b in enumerate(beds)]
        track = audio.assemble(sentences(), pauses, RATE, beds=beds)
        mixed, under = audio.mix_beds(track, beds, audio.Ducking(), keep_under=True)
        for bed in beds:
            if isinstance(bed.pcm, audio.PcmFile):
                bed.pcm.close()
    assert mixed.samples.tobytes() == reference
    assert mixed.buffer is track.buffer  # made in place, in the room assemble left
    assert mixed.spans == reference_spans
    assert under is not None and np.array_equal(under, reference_under)


def test_a_mix_without_room_is_the_same_mix() -> None:
    beds = [audio.Bed(tone(4.0, 440), "opening", -8.0), audio.Bed(tone(5.0, 300), "closing", -8.0)]
    pauses = audio.Pauses(0.45, 0.9)
    with_room = audio.mix_beds(audio.assemble(sentences(), pauses, RATE, beds=beds), beds, audio.Ducking())[0]
    without = audio.mix_beds(audio.assemble(sentences(), pauses, RATE), beds, audio.Ducking())[0]
    assert with_room.samples.tobytes() == without.samples.tobytes()


def test_cuts_and_fades_are_pydubs() -> None:
    rng = np.random.default_rng(11)
    for trial in range(300):
        rate = int(rng.choice([11025, 16000, 22050, 24000, 44100]))
        count = int(rng.choice([1, 3, 44, 45, 221, 4410, int(rng.integers(0, 40_000))]))
        data = rng.integers(-32768, 32768, count).astype("<i2")
        segment = AudioSegment(data=data.tobytes(), sample_width=2, frame_rate=rate, channels=1)
        frames = Frames.whole(count, rate)
        cut = int(rng.integers(0, 3000))
        loops = int(rng.integers(1, 4))
        if trial % 3 == 0 and len(segment) >= 2:  # a sentence's
            expected = segment.fade_in(min(5, len(segment) // 2)).fade_out(min(10, len(segment) // 2))
            got = frames.fade_in(min(5, frames.ms // 2)).fade_out(min(10, frames.ms // 2))
        elif trial % 3 == 1 and len((segment * loops)[:cut]) >= 8:  # a sound's (a second's fade, one step a ms)
            looped, described = (segment * loops)[:cut], (frames * loops)[:cut]
            expected = looped.fade_in(min(400, len(looped) // 4)).fade_out(min(1500, len(looped) // 2))
            got = described.fade_in(min(400, described.ms // 4)).fade_out(min(1500, described.ms // 2))
        else:
            expected, got = segment[:cut], frames[:cut]
        assert got.read(lambda a, b, data=data: data[a:b], 0, got.length).tobytes() == expected.raw_data, (trial, rate, count)
        assert got.ms == len(expected)


def test_an_encoded_file_is_measured_as_it_decodes(tmp_path: Path) -> None:
    samples = speechlike(25.0, 12)
    path = tmp_path / "segment.mp3"
    subprocess.run([ffmpeg_path(), "-v", "error", "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "-",
                    "-ar", "44100", "-b:a", "64k", str(path)], input=samples.tobytes(), check=True)
    decoded = subprocess.run([ffmpeg_path(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar",
                              str(RATE), "-"], capture_output=True, check=True).stdout
    whole = np.frombuffer(decoded, dtype="<i2").astype(np.float64) / 32768.0
    assert audio.measure_file(path, RATE) == wholesignal.measure_samples(whole, RATE)
