"""Assembly: sentences of speech into one segment, at podcast loudness.

A segment is assembled at its engine's own sample rate (mono, 16-bit), and
ffmpeg resamples to the output rate while encoding: the engine's audio
has nothing above its own Nyquist frequency, and every loudness computation
costs half as much. Sentences are trimmed of the engine's own silence, so that
the pauses a user sets are the pauses a listener hears, and faded at the
joins (no clicks).
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import loudness
from .audioformat import output_block, whole_blocks
from .engines import Speech

with warnings.catch_warnings():
    # pydub warns at import when ffmpeg is not on PATH (we never let it look)
    warnings.simplefilter("ignore", RuntimeWarning)
    warnings.simplefilter("ignore", DeprecationWarning)  # pydub imports audioop (3.11, 3.12)
    from pydub import AudioSegment

SAMPLE_WIDTH = 2
TRUE_PEAK_CEILING_DBTP = -1.5
"""Half a decibel under the -1 dBTP podcast limit, for what MP3 encoding adds."""

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


def prepare_sentence(speech: Speech, rate: int) -> AudioSegment:
    """One sentence as the engine spoke it → trimmed, at ``rate``, faded."""
    samples = np.frombuffer(speech.pcm, dtype="<i2").astype(np.float32) / 32768.0
    samples = _trim(samples, speech.sample_rate)
    if speech.sample_rate != rate:
        # Only when a cache entry comes from another rate than the engine's own: rare, so ffmpeg.
        from .ffmpeg import run

        pcm = run(["-f", "s16le", "-ar", str(speech.sample_rate), "-ac", "1", "-i", "pipe:0",
                   "-ar", str(rate), "-f", "s16le", "pipe:1"], stdin_bytes=_to_int16(samples).tobytes())
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    sound = _segment(_to_int16(samples), rate)
    if len(sound) < 2:
        return sound
    return sound.fade_in(min(_FADE_IN_MS, len(sound) // 2)).fade_out(min(_FADE_OUT_MS, len(sound) // 2))


def assemble(paragraphs: Sequence[Sequence[AudioSegment]], pauses: Pauses,
             rate: int) -> tuple[AudioSegment, list[tuple[float, float]]]:
    """Join sentences with the configured pauses; return the audio and each sentence's span."""
    pieces: list[AudioSegment] = [silence(LEAD_IN_S, rate)]
    spans: list[tuple[float, float]] = []
    position = int(pieces[0].frame_count())
    for paragraph in paragraphs:
        for s_index, sentence in enumerate(paragraph):
            if spans:
                gap = silence(pauses.sentence_s if s_index else pauses.paragraph_s, rate)
                pieces.append(gap)
                position += int(gap.frame_count())
            length = int(sentence.frame_count())
            spans.append((position / rate, (position + length) / rate))
            pieces.append(sentence)
            position += length
    # The tail rounds the length up to a whole resampling block.
    tail = _samples(TAIL_S, rate)
    tail += -(position + tail) % output_block(rate)
    pieces.append(_segment(np.zeros(tail, dtype="<i2"), rate))
    joined = _raw_segment(b"".join(piece.raw_data for piece in pieces), rate)
    return joined, spans


def normalize_loudness(sound: AudioSegment, target_lufs: float,
                       ceiling_dbtp: float = TRUE_PEAK_CEILING_DBTP) -> AudioSegment:
    """Bring integrated loudness (as dual mono) to ``target_lufs``, true peak under the ceiling."""
    rate = sound.frame_rate
    samples = np.frombuffer(sound.raw_data, dtype="<i2").astype(np.float64) / 32768.0
    loudness = measure_loudness(samples, rate)
    for _ in range(3):
        if loudness is None or abs(loudness - target_lufs) < 0.2:
            break
        samples = samples * 10 ** ((target_lufs - loudness) / 20)
        samples, limited = limit_true_peak(samples, ceiling_dbtp, rate)
        # A gain shifts loudness by exactly itself; only the limiter needs a new measure.
        loudness = measure_loudness(samples, rate) if limited else target_lufs
    return _raw_segment(_to_int16(samples).tobytes(), rate)


def measure_loudness(samples: np.ndarray, rate: int) -> float | None:
    """Integrated loudness of a mono signal heard on two speakers, in LUFS; None if too short or silent."""
    measured = loudness.integrated_loudness(samples, rate)
    return None if measured is None else measured + loudness.DUAL_MONO_DB


def measure_file(path: Path, rate: int) -> tuple[float | None, float]:
    """Loudness (LUFS, dual mono) and true peak (dBTP) of an encoded file, as a player decodes it.

    Decoded at ``rate``, the speech's own: nothing above it was ever in the file's content, and
    measuring half the samples halves the cost.
    """
    from .ffmpeg import decode_file_to_pcm

    samples = np.frombuffer(decode_file_to_pcm(path, sample_rate=rate), dtype="<i2").astype(np.float64) / 32768.0
    # Peaks are checked against the podcast limit (-1 dBTP); far below it, sample values suffice.
    return measure_loudness(samples, rate), loudness.true_peak_dbtp(samples, near=10 ** (-1 / 20), margin_db=3.0)


def true_peak_envelope(samples: np.ndarray, ceiling: float) -> np.ndarray:
    """Per sample, the highest magnitude among it and the 4x-oversampled points around it
    (exact wherever it could come near ``ceiling``).

    3 dB is about the most a 4x-oversampled peak of speech rises above its samples;
    the check on the encoded file, against -1 dBTP, catches anything that would slip by.
    """
    return loudness.oversampled_envelope(samples, near=ceiling, margin_db=3.0)


def limit_true_peak(samples: np.ndarray, ceiling_dbtp: float, rate: int) -> tuple[np.ndarray, bool]:
    """A look-ahead limiter on the true-peak envelope; returns the samples and whether it acted.

    Around each run of overs the gain is a moving minimum then a moving
    average over the same window, so it is smooth (no distortion) and never
    above what each sample needs. Only those neighbourhoods are computed.
    """
    ceiling = 10 ** (ceiling_dbtp / 20)
    envelope = true_peak_envelope(samples, ceiling)
    overs = np.flatnonzero(envelope > ceiling)
    if overs.size == 0:
        return samples, False
    window = int(0.005 * rate) | 1
    margin = 2 * window
    gain = np.ones_like(samples)
    breaks = np.flatnonzero(np.diff(overs) > 2 * margin)
    for first, last in zip(np.r_[overs[0], overs[breaks + 1]], np.r_[overs[breaks], overs[-1]]):
        lo, hi = max(0, first - margin), min(len(samples), last + margin + 1)
        held = _moving(np.max, envelope[lo:hi], window)
        needed = np.minimum(1.0, ceiling / np.maximum(held, 1e-9))
        smooth = _moving_mean(_moving(np.min, needed, window), window)
        gain[lo:hi] = np.minimum(gain[lo:hi], np.minimum(smooth, needed))
    return samples * gain, True


def _moving(reduce: Callable[..., np.ndarray], values: np.ndarray, window: int) -> np.ndarray:
    """Centred moving max or min; the edges repeat the end values."""
    half = window // 2
    padded = np.pad(values, (half, half), mode="edge")
    return reduce(np.lib.stride_tricks.sliding_window_view(padded, window), axis=-1)


def _moving_mean(values: np.ndarray, window: int) -> np.ndarray:
    half = window // 2
    padded = np.pad(values, (half + 1, half), mode="edge")
    sums = np.cumsum(padded)
    mean: np.ndarray = (sums[window:] - sums[:-window]) / window
    return mean


def silence(seconds: float, rate: int) -> AudioSegment:
    return _segment(np.zeros(whole_blocks(seconds, rate), dtype="<i2"), rate)


def _samples(seconds: float, rate: int) -> int:
    return int(round(seconds * rate))


def _segment(samples: np.ndarray, rate: int) -> AudioSegment:
    return _raw_segment(samples.astype("<i2").tobytes(), rate)


def _raw_segment(pcm: bytes, rate: int) -> AudioSegment:
    """Mono 16-bit PCM as a pydub segment, through its public constructor."""
    return AudioSegment(data=pcm, sample_width=SAMPLE_WIDTH, frame_rate=rate, channels=1)


def _to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")


def _trim(samples: np.ndarray, rate: int) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > _SILENCE_THRESHOLD)
    if loud.size == 0:
        return samples[:0]
    margin = int(_KEEP_MARGIN_S * rate)
    return samples[max(0, loud[0] - margin) : loud[-1] + margin + 1]
