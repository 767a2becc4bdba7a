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
    # Each sentence keeps a few milliseconds of the engine's own near-silence at both ends: they are part of
    # the pause the listener hears, so the silence put between is that much shorter.
    margins = 2 * _KEEP_MARGIN_S
    for paragraph in paragraphs:
        for s_index, sentence in enumerate(paragraph):
            if spans:
                gap = silence(max(0.0, (pauses.sentence_s if s_index else pauses.paragraph_s) - margins), rate)
                pieces.append(gap)
                position += int(gap.frame_count())
            length = int(sentence.frame_count())
            # The span is the speech, without the near-silent margins (counted in the pauses).
            margin = min(int(_KEEP_MARGIN_S * rate), length // 4)
            spans.append(((position + margin) / rate, (position + length - margin) / rate))
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


def stretch(speech: Speech, tempo: float) -> Speech:
    """The speech ``tempo`` times as fast, same pitch (for an engine that cannot set its own pace)."""
    if abs(tempo - 1.0) < 0.005:
        return speech
    from .ffmpeg import stretch_pcm

    return Speech(stretch_pcm(speech.pcm, sample_rate=speech.sample_rate, tempo=tempo), speech.sample_rate)


def speech_seconds(speech: Speech) -> float:
    """How long the sentence lasts once trimmed as `prepare_sentence` trims it."""
    samples = np.frombuffer(speech.pcm, dtype="<i2").astype(np.float32) / 32768.0
    return len(_trim(samples, speech.sample_rate)) / speech.sample_rate


def silent_edges(sound: AudioSegment) -> tuple[float, float]:
    """Seconds of silence (under -50 dBFS) at the start and at the end of ``sound``."""
    samples = np.frombuffer(sound.raw_data, dtype="<i2").astype(np.float32) / 32768.0
    loud = np.flatnonzero(np.abs(samples) > _SILENCE_THRESHOLD)
    if loud.size == 0:
        return len(samples) / sound.frame_rate, 0.0
    return loud[0] / sound.frame_rate, (len(samples) - 1 - loud[-1]) / sound.frame_rate


# -- sound under the voice ---------------------------------------------------------------------

@dataclass(frozen=True)
class Ducking:
    depth_db: float = 14.0
    attack_s: float = 0.25
    release_s: float = 0.8
    hold_s: float = 0.6


@dataclass(frozen=True)
class Bed:
    """One sound to lay under a segment's voice, decoded to mono 16-bit PCM at the segment's rate."""

    pcm: bytes
    kind: str
    """``opening`` (before the voice, then under it), ``closing`` (under the last words, then after them)
    or ``ambience`` (looped under the whole segment)."""
    level_db: float
    """Loudness relative to the voice's, where the voice is silent."""


OPENING_LEAD_S = 3.0
"""How long an opening sound plays alone before the voice starts."""
CLOSING_GAP_S = 0.5
"""How long after the last word a closing sound starts (at most: sooner when the ducking's hold is shorter)."""
CLOSING_AFTER_S = 6.0
"""How long a closing sound plays on after the voice, its fade included."""
FADE_IN_MS = 400
FADE_OUT_MS = 2000
AMBIENCE_FADE_MS = 1500


def mix_beds(voice: AudioSegment, spans: Sequence[tuple[float, float]], beds: Sequence[Bed],
             ducking: Ducking) -> tuple[AudioSegment, list[tuple[float, float]], np.ndarray]:
    """The voice with ``beds`` under it: each faded in and out (pydub), scaled to its level against the voice's
    loudness, and ducked by ``ducking.depth_db`` while the voice speaks (a side-chain on the voice: it goes
    down over the attack so that it is down when the first word starts, stays down through short pauses,
    comes back over the release). Returns the mix, the sentences' spans in it, and the sound alone (float
    samples) for measuring."""
    rate = voice.frame_rate
    openings = [b for b in beds if b.kind == "opening"]
    closings = [b for b in beds if b.kind == "closing"]
    lead = 0.0
    if openings:
        lead = min(OPENING_LEAD_S, min(len(b.pcm) / 2 / rate for b in openings))
    after = CLOSING_AFTER_S if closings else 0.0
    head = whole_blocks(lead, rate)
    voice_samples = np.frombuffer(voice.raw_data, dtype="<i2").astype(np.float64) / 32768.0
    # The voice's own tail is silence already: only what it lacks is added.
    _, voice_tail = silent_edges(voice)
    extra = max(0, whole_blocks(after - voice_tail, rate)) if after else 0
    total = head + len(voice_samples) + extra
    total += -total % output_block(rate)
    track = np.zeros(total)
    track[head:head + len(voice_samples)] = voice_samples
    spans = [(a + head / rate, b + head / rate) for a, b in spans]
    voice_lufs = measure_loudness(voice_samples, rate) or -20.0
    speaking = np.zeros(total, dtype=bool)
    for a, b in spans:
        speaking[int(a * rate):int(b * rate)] = True
    gain = _duck_gain(speaking, rate, ducking)
    under = np.zeros(total)
    after_voice = np.zeros(total)
    first = spans[0][0] if spans else head / rate
    last = spans[-1][1] if spans else (head + len(voice_samples)) / rate
    for bed in beds:
        sound = _raw_segment(bed.pcm, rate)
        if bed.kind == "ambience":
            loops = -(-total // max(1, int(sound.frame_count()))) if len(sound) else 0
            sound = (sound * max(1, loops))[: int(total * 1000 / rate) + 1]
            sound = sound.fade_in(min(AMBIENCE_FADE_MS, len(sound) // 2)).fade_out(min(AMBIENCE_FADE_MS, len(sound) // 2))
            start = 0
        elif bed.kind == "opening":
            length_ms = int((last + 1.0) * 1000)
            sound = sound[:length_ms]
            sound = sound.fade_in(min(FADE_IN_MS, len(sound) // 4)).fade_out(min(FADE_OUT_MS, len(sound) // 2))
            start = 0
        else:
            # The sign-off starts as the voice lets go (its hold over): heard whole, from its first note.
            start_s = max(first, last + min(ducking.hold_s, CLOSING_GAP_S))
            length_ms = int((total / rate - start_s) * 1000)
            sound = sound[:length_ms]
            sound = sound.fade_in(min(FADE_IN_MS, len(sound) // 4)).fade_out(min(FADE_OUT_MS, len(sound) // 2))
            start = int(start_s * rate)
        samples = np.frombuffer(sound.raw_data, dtype="<i2").astype(np.float64) / 32768.0
        samples = samples[: total - start]
        own = measure_loudness(samples, rate)
        if own is None:
            continue
        scale = 10 ** ((voice_lufs + bed.level_db - own) / 20)
        # A closing sound starts once the voice is done: nothing to make way for.
        (after_voice if bed.kind == "closing" else under)[start:start + len(samples)] += samples * scale
    under = under * gain + after_voice
    mixed = track + under
    peak = float(np.max(np.abs(mixed))) if mixed.size else 0.0
    if peak > 0.98:
        # Headroom only: the loudness normalisation that follows sets the level.
        mixed *= 0.98 / peak
        under *= 0.98 / peak
    return _raw_segment(_to_int16(mixed).tobytes(), rate), spans, under


def _duck_gain(speaking: np.ndarray, rate: int, ducking: Ducking) -> np.ndarray:
    """Per sample, the linear gain of the sound under the voice (1 where the voice is silent long enough)."""
    hop = max(1, rate // 200)  # 5 ms frames
    padded = np.concatenate([speaking, np.zeros(-len(speaking) % hop, dtype=bool)])
    frames = np.asarray(padded.reshape(-1, hop).any(axis=1), dtype=bool)
    n = len(frames)
    index = np.arange(n)
    active = np.flatnonzero(frames)
    depth = np.zeros(n)
    if active.size:
        frame_s = hop / rate
        # Frames to the next speech (attack, looking ahead) and since the last (hold, then release).
        next_on = np.full(n, np.inf)
        last_on = np.full(n, -np.inf)
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
    positions = (np.arange(len(speaking)) / hop)
    gain: np.ndarray = np.interp(positions, index, frame_gain)
    # Where the voice speaks, the sound is down fully, whatever the interpolation did.
    gain[speaking] = 10 ** (-ducking.depth_db / 20)
    return gain
