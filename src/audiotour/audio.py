"""Assembly: sentences of speech into one segment, at podcast loudness.

Every output shares one PCM format (mono, 16-bit, `SAMPLE_RATE`), so the
episode can be stitched from the segments' PCM without decoding any MP3.
Sentences are trimmed of the engine's own silence, so that the pauses a user
sets are the pauses a listener hears, and faded at the joins (no clicks).
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from math import gcd

import numpy as np
import pyloudnorm
from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from .engines import Speech

with warnings.catch_warnings():
    # pydub warns at import when ffmpeg is not on PATH (we never let it look)
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("ignore", DeprecationWarning)  # pydub imports audioop (3.11, 3.12)
    from pydub import AudioSegment

SAMPLE_RATE = 44_100
"""MPEG-1 Layer III rate: every player decodes it."""
BITRATE_KBPS = 64
SAMPLE_WIDTH = 2
TRUE_PEAK_CEILING_DBTP = -1.5
"""Half a decibel under the -1 dBTP podcast limit, for what MP3 encoding adds."""
DUAL_MONO_DB = 10 * np.log10(2)
"""A mono file played on two speakers measures 3 dB louder (BS.1770 sums channels)."""

_SILENCE_THRESHOLD = 10 ** (-50 / 20)
_KEEP_MARGIN_S = 0.02
_FADE_IN_MS = 5
_FADE_OUT_MS = 10
LEAD_IN_S = 0.3
TAIL_S = 0.5


@dataclass(frozen=True)
class Pauses:
    sentence_s: float
    paragraph_s: float


@dataclass(frozen=True)
class AssembledSegment:
    pcm: bytes
    """Mono s16le at SAMPLE_RATE."""
    sentence_spans: tuple[tuple[float, float], ...]
    """(start, end) in seconds of each sentence, in script order."""

    @property
    def samples(self) -> int:
        return len(self.pcm) // SAMPLE_WIDTH

    @property
    def duration_s(self) -> float:
        return self.samples / SAMPLE_RATE


def prepare_sentence(speech: Speech) -> AudioSegment:
    """One sentence as the engine spoke it → trimmed, resampled, faded."""
    samples = np.frombuffer(speech.pcm, dtype="<i2").astype(np.float32) / 32768.0
    samples = _trim(samples, speech.sample_rate)
    if speech.sample_rate != SAMPLE_RATE:
        common = gcd(speech.sample_rate, SAMPLE_RATE)
        samples = resample_poly(samples, SAMPLE_RATE // common, speech.sample_rate // common).astype(np.float32)
    sound = _segment(_to_int16(samples))
    return sound.fade_in(min(_FADE_IN_MS, len(sound) // 2)).fade_out(min(_FADE_OUT_MS, len(sound) // 2))


def assemble(paragraphs: Sequence[Sequence[AudioSegment]], pauses: Pauses) -> tuple[AudioSegment, list[tuple[float, float]]]:
    """Join sentences with the configured pauses; return the audio and each sentence's span."""
    pieces: list[AudioSegment] = [silence(LEAD_IN_S)]
    spans: list[tuple[float, float]] = []
    position = _samples(LEAD_IN_S)
    for p_index, paragraph in enumerate(paragraphs):
        for s_index, sentence in enumerate(paragraph):
            if spans:
                gap = silence(pauses.sentence_s if s_index else pauses.paragraph_s)
                pieces.append(gap)
                position += int(gap.frame_count())
            length = int(sentence.frame_count())
            spans.append((position / SAMPLE_RATE, (position + length) / SAMPLE_RATE))
            pieces.append(sentence)
            position += length
    pieces.append(silence(TAIL_S))
    joined = pieces[0]._spawn(b"".join(piece.raw_data for piece in pieces))
    return joined, spans


def normalize_loudness(sound: AudioSegment, target_lufs: float) -> AudioSegment:
    """Bring integrated loudness (as dual mono) to ``target_lufs``, true peak under the ceiling."""
    samples = np.frombuffer(sound.raw_data, dtype="<i2").astype(np.float64) / 32768.0
    for _ in range(3):
        loudness = measure_loudness(samples)
        if loudness is None or abs(loudness - target_lufs) < 0.2:
            break
        samples = samples * 10 ** ((target_lufs - loudness) / 20)
        samples = limit_true_peak(samples, TRUE_PEAK_CEILING_DBTP)
    return sound._spawn(_to_int16(samples).tobytes())


def measure_loudness(samples: np.ndarray) -> float | None:
    """Integrated loudness of a mono signal heard on two speakers, in LUFS; None if too short or silent."""
    meter = pyloudnorm.Meter(SAMPLE_RATE)
    if len(samples) < int(0.4 * SAMPLE_RATE):
        return None
    with np.errstate(divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loudness = meter.integrated_loudness(samples)
    if not np.isfinite(loudness):
        return None
    return float(loudness + DUAL_MONO_DB)


def true_peak_dbtp(samples: np.ndarray) -> float:
    oversampled = resample_poly(samples, 4, 1)
    peak = float(np.max(np.abs(oversampled))) if len(oversampled) else 0.0
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def limit_true_peak(samples: np.ndarray, ceiling_dbtp: float) -> np.ndarray:
    """A look-ahead limiter on the 4x oversampled envelope.

    The gain is a moving minimum then a moving average over the same window,
    so it is smooth (no distortion) and never above what each sample needs.
    """
    ceiling = 10 ** (ceiling_dbtp / 20)
    oversampled = np.abs(resample_poly(samples, 4, 1))[: len(samples) * 4]
    envelope = oversampled.reshape(-1, 4).max(axis=1)
    if envelope.size == 0 or envelope.max() <= ceiling:
        return samples
    window = int(0.005 * SAMPLE_RATE) | 1
    held = maximum_filter1d(envelope, window)
    needed = np.minimum(1.0, ceiling / np.maximum(held, 1e-9))
    gain = uniform_filter1d(minimum_filter1d(needed, window), window)
    return samples * np.minimum(gain, needed)


def silence(seconds: float) -> AudioSegment:
    return _segment(np.zeros(_samples(seconds), dtype="<i2"))


def _samples(seconds: float) -> int:
    return int(round(seconds * SAMPLE_RATE))


def _segment(samples: np.ndarray) -> AudioSegment:
    return AudioSegment(data=samples.astype("<i2").tobytes(), sample_width=SAMPLE_WIDTH,
                        frame_rate=SAMPLE_RATE, channels=1)


def _to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")


def _trim(samples: np.ndarray, rate: int) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > _SILENCE_THRESHOLD)
    if loud.size == 0:
        return samples[:0]
    margin = int(_KEEP_MARGIN_S * rate)
    return samples[max(0, loud[0] - margin) : loud[-1] + margin + 1]
