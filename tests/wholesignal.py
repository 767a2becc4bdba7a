"""The reference the block-wise audio is held to: how audiotour computed a segment before it went a block at
a time, whole signal at once, in float64 copies of it, with pydub for the cuts and fades.

Kept as it was (only shortened): the tests ask the block-wise code for the same samples, to the last bit,
on signals many blocks long. Nothing here is used by audiotour itself.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from audiotour.audio import Bed, Ducking, Pauses
from audiotour.audioformat import output_block, whole_blocks
from audiotour.engines import Speech
from audiotour.loudness import DUAL_MONO_DB, _interpolator, _k_weighting_response

with warnings.catch_warnings():
    warnings.simplefilter("ignore", RuntimeWarning)  # no ffmpeg on PATH: never used here
    warnings.simplefilter("ignore", DeprecationWarning)  # pydub imports audioop
    from pydub import AudioSegment

_THRESHOLD = 10 ** (-50 / 20)


# -- loudness.py -----------------------------------------------------------------------------------

def k_weighted(samples: np.ndarray, rate: int) -> np.ndarray:
    response = _k_weighting_response(rate)
    size = 1 << 16
    block = size - len(response) + 1
    spectrum = np.fft.rfft(response, size)
    out = np.zeros(len(samples) + len(response) - 1)
    for start in range(0, len(samples), block):
        piece = samples[start : start + block]
        filtered = np.fft.irfft(np.fft.rfft(piece, size) * spectrum, size)[: len(piece) + len(response) - 1]
        out[start : start + len(filtered)] += filtered
    return out[: len(samples)]


def integrated_loudness(samples: np.ndarray, rate: int) -> float | None:
    block, step = int(0.4 * rate), int(0.1 * rate)
    if len(samples) < block:
        return None
    power = np.concatenate(([0.0], np.cumsum(k_weighted(samples, rate) ** 2)))
    starts = np.arange(0, len(samples) - block + 1, step)
    mean_squares = (power[starts + block] - power[starts]) / block
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(mean_squares)
    gated = mean_squares[loudness > -70.0]
    if gated.size == 0:
        return None
    relative = -0.691 + 10 * np.log10(gated.mean()) - 10.0
    with np.errstate(divide="ignore"):
        gated = gated[-0.691 + 10 * np.log10(gated) > relative]
    return float(-0.691 + 10 * np.log10(gated.mean()))


def oversampled_envelope(samples: np.ndarray, near: float | None = None, margin_db: float = 6.0) -> np.ndarray:
    envelope: np.ndarray = np.abs(samples)
    if near is None:
        regions = [(0, len(samples))]
    else:
        block = 2048
        peaks = np.maximum.reduceat(envelope, np.arange(0, len(envelope), block)) if len(envelope) else envelope
        hot = np.flatnonzero(peaks >= near * 10 ** (-margin_db / 20))
        regions = [(int(i) * block, min(len(samples), (int(i) + 1) * block)) for i in hot]
    pad = 12
    for start, end in regions:
        lo, hi = max(0, start - pad), min(len(samples), end + pad)
        piece = samples[lo:hi]
        for phase in _interpolator():
            interpolated = np.abs(np.convolve(piece, phase, "same"))[start - lo : end - lo]
            np.maximum(envelope[start:end], interpolated, out=envelope[start:end])
    return envelope


def true_peak_dbtp(samples: np.ndarray, near: float | None = None, margin_db: float = 6.0) -> float:
    peak = float(oversampled_envelope(samples, near, margin_db).max(initial=0.0))
    return 20 * float(np.log10(peak)) if peak > 0 else float("-inf")


# -- audio.py ------------------------------------------------------------------------------------------

def measure_loudness(samples: np.ndarray, rate: int) -> float | None:
    measured = integrated_loudness(samples, rate)
    return None if measured is None else measured + DUAL_MONO_DB


def _segment(samples: np.ndarray, rate: int) -> AudioSegment:
    return AudioSegment(data=samples.astype("<i2").tobytes(), sample_width=2, frame_rate=rate, channels=1)


def _to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")


def _trim(samples: np.ndarray, rate: int) -> np.ndarray:
    loud = np.flatnonzero(np.abs(samples) > _THRESHOLD)
    if loud.size == 0:
        return samples[:0]
    margin = int(0.02 * rate)
    return samples[max(0, loud[0] - margin) : loud[-1] + margin + 1]


def prepare_sentence(speech: Speech, rate: int) -> AudioSegment:
    samples = _trim(np.frombuffer(speech.pcm, dtype="<i2").astype(np.float32) / 32768.0, speech.sample_rate)
    sound = _segment(_to_int16(samples), rate)
    if len(sound) < 2:
        return sound
    return sound.fade_in(min(5, len(sound) // 2)).fade_out(min(10, len(sound) // 2))


def assemble(paragraphs: Sequence[Sequence[AudioSegment]], pauses: Pauses,
             rate: int) -> tuple[AudioSegment, list[tuple[float, float]]]:
    pieces = [_segment(np.zeros(whole_blocks(0.3, rate)), rate)]
    spans: list[tuple[float, float]] = []
    position = int(pieces[0].frame_count())
    for paragraph in paragraphs:
        for s_index, sentence in enumerate(paragraph):
            if spans:
                gap = _segment(np.zeros(whole_blocks(max(0.0, (pauses.sentence_s if s_index else pauses.paragraph_s)
                                                         - 0.04), rate)), rate)
                pieces.append(gap)
                position += int(gap.frame_count())
            length = int(sentence.frame_count())
            margin = min(int(0.02 * rate), length // 4)
            spans.append(((position + margin) / rate, (position + length - margin) / rate))
            pieces.append(sentence)
            position += length
    tail = int(round(0.5 * rate))
    tail += -(position + tail) % output_block(rate)
    pieces.append(_segment(np.zeros(tail), rate))
    return _segment(np.frombuffer(b"".join(p.raw_data for p in pieces), dtype="<i2"), rate), spans


def normalize_loudness(sound: AudioSegment, target_lufs: float, ceiling_dbtp: float = -1.5) -> bytes:
    rate = sound.frame_rate
    samples = np.frombuffer(sound.raw_data, dtype="<i2").astype(np.float64) / 32768.0
    loudness = measure_loudness(samples, rate)
    for _ in range(3):
        if loudness is None or abs(loudness - target_lufs) < 0.2:
            break
        samples = samples * 10 ** ((target_lufs - loudness) / 20)
        samples, limited = limit_true_peak(samples, ceiling_dbtp, rate)
        loudness = measure_loudness(samples, rate) if limited else target_lufs
    return _to_int16(samples).tobytes()


def limit_true_peak(samples: np.ndarray, ceiling_dbtp: float, rate: int) -> tuple[np.ndarray, bool]:
    ceiling = 10 ** (ceiling_dbtp / 20)
    envelope = oversampled_envelope(samples, near=ceiling, margin_db=3.0)
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
    half = window // 2
    padded = np.pad(values, (half, half), mode="edge")
    return reduce(np.lib.stride_tricks.sliding_window_view(padded, window), axis=-1)


def _moving_mean(values: np.ndarray, window: int) -> np.ndarray:
    half = window // 2
    padded = np.pad(values, (half + 1, half), mode="edge")
    sums = np.cumsum(padded)
    mean: np.ndarray = (sums[window:] - sums[:-window]) / window
    return mean


def silent_edges(sound: AudioSegment) -> tuple[float, float]:
    samples = np.frombuffer(sound.raw_data, dtype="<i2").astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(samples) > _THRESHOLD)
    if loud.size == 0:
        return len(samples) / sound.frame_rate, 0.0
    return loud[0] / sound.frame_rate, (len(samples) - 1 - loud[-1]) / sound.frame_rate


def mix_beds(voice: AudioSegment, spans: Sequence[tuple[float, float]], beds: Sequence[Bed],
             ducking: Ducking) -> tuple[bytes, list[tuple[float, float]], np.ndarray]:
    rate = voice.frame_rate
    openings = [b for b in beds if b.kind == "opening"]
    closings = [b for b in beds if b.kind == "closing"]
    lead = min(3.0, min(len(b.pcm) / 2 / rate for b in openings)) if openings else 0.0  # type: ignore[arg-type]
    after = 6.0 if closings else 0.0
    head = whole_blocks(lead, rate)
    voice_samples = np.frombuffer(voice.raw_data, dtype="<i2").astype(np.float64) / 32768.0
    _, voice_tail = silent_edges(voice)
    extra = max(0, whole_blocks(after - voice_tail, rate)) if after else 0
    total = head + len(voice_samples) + extra
    total += -total % output_block(rate)
    track = np.zeros(total)
    track[head : head + len(voice_samples)] = voice_samples
    spans = [(a + head / rate, b + head / rate) for a, b in spans]
    voice_lufs = measure_loudness(voice_samples, rate) or -20.0
    speaking = np.zeros(total, dtype=bool)
    for a, b in spans:
        speaking[int(a * rate) : int(b * rate)] = True
    gain = _duck_gain(speaking, rate, ducking)
    under = np.zeros(total)
    after_voice = np.zeros(total)
    first = spans[0][0] if spans else head / rate
    last = spans[-1][1] if spans else (head + len(voice_samples)) / rate
    for bed in beds:
        sound = AudioSegment(data=bed.pcm, sample_width=2, frame_rate=rate, channels=1)
        if bed.kind == "ambience":
            loops = -(-total // max(1, int(sound.frame_count()))) if len(sound) else 0
            sound = (sound * max(1, loops))[: int(total * 1000 / rate) + 1]
            sound = sound.fade_in(min(1500, len(sound) // 2)).fade_out(min(1500, len(sound) // 2))
            start = 0
        elif bed.kind == "opening":
            sound = sound[: int((last + 1.0) * 1000)]
            sound = sound.fade_in(min(400, len(sound) // 4)).fade_out(min(2000, len(sound) // 2))
            start = 0
        else:
            start_s = max(first, last + min(ducking.hold_s, 0.5))
            sound = sound[: int((total / rate - start_s) * 1000)]
            sound = sound.fade_in(min(400, len(sound) // 4)).fade_out(min(2000, len(sound) // 2))
            start = int(start_s * rate)
        samples = np.frombuffer(sound.raw_data, dtype="<i2").astype(np.float64) / 32768.0
        samples = samples[: total - start]
        own = measure_loudness(samples, rate)
        if own is None:
            continue
        scale = 10 ** ((voice_lufs + bed.level_db - own) / 20)
        (after_voice if bed.kind == "closing" else under)[start : start + len(samples)] += samples * scale
    under = under * gain + after_voice
    mixed = track + under
    peak = float(np.max(np.abs(mixed))) if mixed.size else 0.0
    if peak > 0.98:
        mixed *= 0.98 / peak
        under *= 0.98 / peak
    return _to_int16(mixed).tobytes(), spans, under


def _duck_gain(speaking: np.ndarray, rate: int, ducking: Ducking) -> np.ndarray:
    hop = max(1, rate // 200)
    padded = np.concatenate([speaking, np.zeros(-len(speaking) % hop, dtype=bool)])
    frames = np.asarray(padded.reshape(-1, hop).any(axis=1), dtype=bool)
    n = len(frames)
    index = np.arange(n)
    active = np.flatnonzero(frames)
    depth = np.zeros(n)
    if active.size:
        frame_s = hop / rate
        marks = np.where(frames, index, n * 10)
        next_idx = np.minimum.accumulate(marks[::-1])[::-1]
        next_on = np.where(next_idx < n * 10, (next_idx - index) * frame_s, np.inf)
        prev_marks = np.where(frames, index, -n * 10)
        prev_idx = np.maximum.accumulate(prev_marks)
        last_on = np.where(prev_idx > -n * 10, (index - prev_idx) * frame_s, np.inf)
        down_before = np.clip(1 - next_on / ducking.attack_s, 0, 1)
        after_hold = np.maximum(0, last_on - ducking.hold_s)
        down_after = np.where(last_on <= ducking.hold_s, 1.0, np.clip(1 - after_hold / ducking.release_s, 0, 1))
        depth = np.maximum(down_before, down_after)
    frame_gain = 10 ** (-ducking.depth_db * depth / 20)
    positions = np.arange(len(speaking)) / hop
    gain: np.ndarray = np.interp(positions, index, frame_gain)
    gain[speaking] = 10 ** (-ducking.depth_db / 20)
    return gain


def measure_samples(samples: np.ndarray, rate: int) -> tuple[float | None, float]:
    """What `audio.measure_file` measured, once the file was decoded whole."""
    return measure_loudness(samples, rate), true_peak_dbtp(samples, near=10 ** (-1 / 20), margin_db=3.0)

