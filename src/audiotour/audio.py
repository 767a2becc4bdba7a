"""Assembly: sentences of speech into one segment, at podcast loudness.

A segment is assembled at its engine's own sample rate (mono, 16-bit), and
ffmpeg resamples to the output rate while encoding: the engine's audio
has nothing above its own Nyquist frequency, and every loudness computation
costs half as much. Sentences are trimmed of the engine's own silence, so that
the pauses a user sets are the pauses a listener hears, and faded at the
joins (no clicks).

A segment is held once, as its 16-bit samples (half an hour of speech is
80 MB), in a buffer with room for the sounds under the voice. Everything
computed on it goes a block at a time, in double precision: the loudness
(`loudness.LoudnessMeter`), the true peak, the limiter's gains (kept only
where it acts), the mix with the sounds, the samples piped to the encoder and
the encoded file decoded to be checked. Memory does not grow with the
narration's length, and the values are those of the whole signal at once, to
the last bit.
"""
from __future__ import annotations

import bisect
import ctypes
import os
import tempfile
from collections.abc import Callable, Iterator, MutableSequence, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import numpy as np

from . import loudness
from .audioformat import output_block, whole_blocks
from .engines import Speech
from .fades import Frames

TRUE_PEAK_CEILING_DBTP = -1.5
"""Half a decibel under the -1 dBTP podcast limit, for what MP3 encoding adds."""
BLOCK = 1 << 16
"""Samples computed at a time (half a megabyte in double precision)."""

_SILENCE_THRESHOLD = 10 ** (-50 / 20)
_KEEP_MARGIN_S = 0.02
_FADE_IN_MS = 5
_FADE_OUT_MS = 10
LEAD_IN_S = 0.3
TAIL_S = 0.5

Read = Callable[[int, int], np.ndarray]
"""Samples ``[a, b)`` of a signal, in double precision."""


@dataclass(frozen=True)
class Pauses:
    sentence_s: float
    paragraph_s: float


@dataclass(frozen=True)
class Track:
    """A segment's audio, held once: mono 16-bit ``samples`` at ``rate``, a view of ``buffer`` (which has room
    around them, silent, for the sounds `mix_beds` lays under the voice), and each sentence's span in seconds
    from the samples' start."""

    buffer: np.ndarray
    start: int
    length: int
    rate: int
    spans: list[tuple[float, float]]

    @property
    def samples(self) -> np.ndarray:
        return self.buffer[self.start : self.start + self.length]


# -- sentences into a segment --------------------------------------------------------------------

@dataclass(frozen=True)
class _Sentence:
    """A sentence as it is placed: its samples (trimmed: ``first`` on, or resampled) and pydub's fades on them."""

    frames: Frames
    first: int
    resampled: np.ndarray | None


def _prepare(speech: Speech, rate: int) -> _Sentence:
    """One sentence as the engine spoke it → trimmed, at ``rate``, faded (described, not yet computed)."""
    samples = np.frombuffer(speech.pcm, dtype="<i2")
    first, end = _trimmed(samples, speech.sample_rate)
    resampled = None
    if speech.sample_rate != rate:
        # Only when a cache entry comes from another rate than the engine's own: rare, so ffmpeg.
        from .ffmpeg import run

        pcm = run(["-f", "s16le", "-ar", str(speech.sample_rate), "-ac", "1", "-i", "pipe:0",
                   "-ar", str(rate), "-f", "s16le", "pipe:1"], stdin_bytes=_as_heard(samples[first:end]).tobytes())
        resampled = _as_heard(np.frombuffer(pcm, dtype="<i2"))
        first, end = 0, len(resampled)
    frames = Frames.whole(end - first, rate)
    if frames.ms >= 2:
        frames = frames.fade_in(min(_FADE_IN_MS, frames.ms // 2)).fade_out(min(_FADE_OUT_MS, frames.ms // 2))
    return _Sentence(frames, first, resampled)


def _as_heard(samples: np.ndarray) -> np.ndarray:
    """The engine's samples as a sentence holds them: through single precision and back, as ever."""
    return _to_int16(samples.astype(np.float32) / 32768.0)


def assemble(paragraphs: Sequence[MutableSequence[Speech]], pauses: Pauses, rate: int, *,
             beds: Sequence[Bed] = (), release: bool = False) -> Track:
    """Join sentences with the configured pauses, each trimmed and faded; the track knows each sentence's span.

    ``beds``: the sounds `mix_beds` will lay under the voice, for the track to have room for them (the mix
    is then made in place). ``release``: each sentence is dropped from ``paragraphs`` (an empty `Speech`
    left instead) once placed, so that a long segment is not held twice.
    """
    prepared = [[_prepare(speech, rate) for speech in paragraph] for paragraph in paragraphs]
    # Each sentence keeps a few milliseconds of the engine's own near-silence at both ends: they are part of
    # the pause the listener hears, so the silence put between is that much shorter.
    margins = 2 * _KEEP_MARGIN_S
    position = whole_blocks(LEAD_IN_S, rate)
    spans: list[tuple[float, float]] = []
    places: list[list[int]] = []
    for paragraph in prepared:
        places.append([])
        for s_index, sentence in enumerate(paragraph):
            if spans:
                position += whole_blocks(max(0.0, (pauses.sentence_s if s_index else pauses.paragraph_s) - margins),
                                         rate)
            length = sentence.frames.length
            # The span is the speech, without the near-silent margins (counted in the pauses).
            margin = min(int(_KEEP_MARGIN_S * rate), length // 4)
            spans.append(((position + margin) / rate, (position + length - margin) / rate))
            places[-1].append(position)
            position += length
    # The tail rounds the length up to a whole resampling block.
    tail = _samples(TAIL_S, rate)
    tail += -(position + tail) % output_block(rate)
    length = position + tail
    head, room = _room(beds, rate)
    # Zeros: the pauses, and pages the system gives only once written.
    buffer = np.zeros(head + length + room, dtype="<i2")
    voice = buffer[head : head + length]
    released = 0
    for p_index, paragraph in enumerate(prepared):
        for s_index, sentence in enumerate(paragraph):
            samples = (sentence.resampled if sentence.resampled is not None
                       else np.frombuffer(paragraphs[p_index][s_index].pcm, dtype="<i2"))
            first = sentence.first

            def source(a: int, b: int, samples: np.ndarray = samples, first: int = first,
                       exact: bool = sentence.resampled is not None) -> np.ndarray:
                part = samples[first + a : first + b]
                return part if exact else _as_heard(part)

            at = places[p_index][s_index]
            for lo in range(0, sentence.frames.length, BLOCK):
                hi = min(sentence.frames.length, lo + BLOCK)
                voice[at + lo : at + hi] = sentence.frames.read(source, lo, hi)
            del samples, source
            if release:
                released += len(paragraphs[p_index][s_index].pcm)
                paragraphs[p_index][s_index] = Speech(b"", rate)
                if released >= _TRIM_EVERY:
                    released = 0
                    _give_back_freed_memory()
    if released:
        _give_back_freed_memory()
    return Track(buffer, head, length, rate, spans)


_TRIM_EVERY = 8 << 20


def _give_back_freed_memory() -> None:
    """Return to the system the memory of the sentences let go. glibc keeps what is freed in the middle of its
    heap for later, and a long segment's sentences (hundreds of kilobytes each) would stay counted while the
    segment's buffer fills: held twice after all."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None  # not glibc: its allocator gives memory back as it sees fit
    return trim


def silent_edges(samples: np.ndarray, rate: int) -> tuple[float, float]:
    """Seconds of silence (under -50 dBFS) at the start and at the end of 16-bit ``samples``."""
    first = _first_loud(samples)
    if first is None:
        return len(samples) / rate, 0.0
    last = _last_loud(samples)
    assert last is not None
    return first / rate, (len(samples) - 1 - last) / rate


def speech_seconds(speech: Speech) -> float:
    """How long the sentence lasts once trimmed as `assemble` trims it."""
    first, end = _trimmed(np.frombuffer(speech.pcm, dtype="<i2"), speech.sample_rate)
    return (end - first) / speech.sample_rate


def stretch(speech: Speech, tempo: float) -> Speech:
    """The speech ``tempo`` times as fast, same pitch (for an engine that cannot set its own pace)."""
    if abs(tempo - 1.0) < 0.005:
        return speech
    from .ffmpeg import stretch_pcm

    return Speech(stretch_pcm(speech.pcm, sample_rate=speech.sample_rate, tempo=tempo), speech.sample_rate)


def _trimmed(samples: np.ndarray, rate: int) -> tuple[int, int]:
    """Where the sentence starts and ends once the engine's silence is cut (a few milliseconds kept)."""
    first = _first_loud(samples)
    if first is None:
        return 0, 0
    last = _last_loud(samples)
    assert last is not None
    margin = int(_KEEP_MARGIN_S * rate)
    return max(0, first - margin), min(len(samples), last + margin + 1)


def _loud(samples: np.ndarray) -> np.ndarray:
    return np.asarray(np.abs(samples.astype(np.float32) / 32768.0) > _SILENCE_THRESHOLD)


def _first_loud(samples: np.ndarray) -> int | None:
    for start in range(0, len(samples), BLOCK):
        loud = np.flatnonzero(_loud(samples[start : start + BLOCK]))
        if loud.size:
            return start + int(loud[0])
    return None


def _last_loud(samples: np.ndarray) -> int | None:
    for end in range(len(samples), 0, -BLOCK):
        start = max(0, end - BLOCK)
        loud = np.flatnonzero(_loud(samples[start:end]))
        if loud.size:
            return start + int(loud[-1])
    return None


def _samples(seconds: float, rate: int) -> int:
    return int(round(seconds * rate))


def _to_int16(samples: np.ndarray) -> np.ndarray:
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype("<i2")


def _as_float(samples: np.ndarray) -> np.ndarray:
    return samples.astype(np.float64) / 32768.0


# -- loudness ----------------------------------------------------------------------------------

def measure_loudness(samples: np.ndarray, rate: int) -> float | None:
    """Integrated loudness of a mono signal heard on two speakers, in LUFS; None if too short or silent."""
    return _dual_mono(loudness.integrated_loudness(samples, rate))


def _measure(read: Read, length: int, rate: int) -> float | None:
    """`measure_loudness` of a signal read a block at a time."""
    meter = loudness.LoudnessMeter(rate)
    for start in range(0, length, BLOCK):
        meter.add(read(start, min(length, start + BLOCK)))
    return _dual_mono(meter.result())


def _dual_mono(measured: float | None) -> float | None:
    return None if measured is None else measured + loudness.DUAL_MONO_DB


class Gained:
    """A segment as it will be encoded: its 16-bit samples, in double precision, with the loudness
    normalisation's gains and the limiter's on top, computed a block at a time (the limiter's only where
    it acts)."""

    def __init__(self, samples: np.ndarray, rate: int) -> None:
        self.samples = samples
        self.rate = rate
        self.length = len(samples)
        self._steps: list[float | _Limits] = []

    def read(self, lo: int, hi: int) -> np.ndarray:
        values = _as_float(self.samples[lo:hi])
        for step in self._steps:
            if isinstance(step, float):
                values = values * step
            else:
                step.apply(values, lo)
        return values

    def scale(self, gain: float) -> None:
        self._steps.append(gain)

    def loudness(self) -> float | None:
        return _measure(self.read, self.length, self.rate)

    def limit_true_peak(self, ceiling_dbtp: float) -> bool:
        """A look-ahead limiter on the true-peak envelope; whether it acted.

        Around each run of overs the gain is a moving minimum then a moving
        average over the same window, so it is smooth (no distortion) and never
        above what each sample needs. Only those neighbourhoods are computed.
        """
        ceiling = 10 ** (ceiling_dbtp / 20)
        overs = np.concatenate([np.zeros(0, dtype=np.int64)] + [
            start + np.flatnonzero(self._envelope(start, min(self.length, start + BLOCK), ceiling) > ceiling)
            for start in range(0, self.length, BLOCK)])
        if overs.size == 0:
            return False
        window = int(0.005 * self.rate) | 1
        margin = 2 * window
        limits = _Limits()
        breaks = np.flatnonzero(np.diff(overs) > 2 * margin)
        for first, last in zip(np.r_[overs[0], overs[breaks + 1]], np.r_[overs[breaks], overs[-1]]):
            lo, hi = max(0, int(first) - margin), min(self.length, int(last) + margin + 1)
            held = _moving(np.max, self._envelope(lo, hi, ceiling), window)
            needed = np.minimum(1.0, ceiling / np.maximum(held, 1e-9))
            smooth = _moving_mean(_moving(np.min, needed, window), window)
            limits.add(lo, np.minimum(1.0, np.minimum(smooth, needed)))
        self._steps.append(limits)
        return True

    def _envelope(self, lo: int, hi: int, ceiling: float) -> np.ndarray:
        """The true-peak envelope over ``[lo, hi)``, exact wherever it could come near ``ceiling``.

        3 dB is about the most a 4x-oversampled peak of speech rises above its samples;
        the check on the encoded file, against -1 dBTP, catches anything that would slip by.
        """
        start = lo // loudness.GRID * loudness.GRID
        end = min(self.length, -(-hi // loudness.GRID) * loudness.GRID)
        offset = max(0, start - loudness.CONTEXT)
        values = self.read(offset, min(self.length, end + loudness.CONTEXT))
        envelope = loudness.envelope_span(values, offset, start, end, self.length, near=ceiling, margin_db=3.0)
        return envelope[lo - start : hi - start]

    def pcm(self) -> Iterator[bytes]:
        """The samples to encode, 16-bit, a block at a time."""
        for start in range(0, self.length, BLOCK):
            yield _to_int16(self.read(start, min(self.length, start + BLOCK))).tobytes()


class _Limits:
    """The limiter's gains, only where it acts (1 elsewhere): runs of them, in order, apart."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []
        self._gains: list[np.ndarray] = []

    def add(self, start: int, gains: np.ndarray) -> None:
        self._starts.append(start)
        self._ends.append(start + len(gains))
        self._gains.append(gains)

    def apply(self, values: np.ndarray, offset: int) -> None:
        end = offset + len(values)
        for index in range(bisect.bisect_right(self._ends, offset), len(self._starts)):
            start, gains = self._starts[index], self._gains[index]
            if start >= end:
                break
            a, b = max(offset, start), min(end, start + len(gains))
            values[a - offset : b - offset] *= gains[a - start : b - start]


def normalize_loudness(samples: np.ndarray, rate: int, target_lufs: float,
                       ceiling_dbtp: float = TRUE_PEAK_CEILING_DBTP) -> Gained:
    """Bring integrated loudness (as dual mono) of 16-bit ``samples`` to ``target_lufs``, true peak under the
    ceiling. The samples are kept as they are: the result computes the gained ones as they are read."""
    gained = Gained(samples, rate)
    measured = gained.loudness()
    for _ in range(3):
        if measured is None or abs(measured - target_lufs) < 0.2:
            break
        gained.scale(10 ** ((target_lufs - measured) / 20))
        limited = gained.limit_true_peak(ceiling_dbtp)
        # A gain shifts loudness by exactly itself; only the limiter needs a new measure.
        measured = gained.loudness() if limited else target_lufs
    return gained


def measure_file(path: Path, rate: int) -> tuple[float | None, float]:
    """Loudness (LUFS, dual mono) and true peak (dBTP) of an encoded file, as a player decodes it.

    Decoded at ``rate``, the speech's own: nothing above it was ever in the file's content, and
    measuring half the samples halves the cost. Measured as ffmpeg decodes it, a block at a time.
    """
    from .ffmpeg import decode_file_chunks

    meter = loudness.LoudnessMeter(rate)
    # Peaks are checked against the podcast limit (-1 dBTP); far below it, sample values suffice.
    peaks = loudness.PeakMeter(near=10 ** (-1 / 20), margin_db=3.0)
    left = b""
    for chunk in decode_file_chunks(path, sample_rate=rate, chunk_bytes=2 * BLOCK):
        data, left = left + chunk, b""
        if len(data) % 2:
            data, left = data[:-1], data[-1:]
        samples = _as_float(np.frombuffer(data, dtype="<i2"))
        meter.add(samples)
        peaks.add(samples)
    return _dual_mono(meter.result()), loudness.to_dbtp(peaks.result())


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


# -- sound under the voice ---------------------------------------------------------------------

@dataclass(frozen=True)
class Ducking:
    depth_db: float = 14.0
    attack_s: float = 0.25
    release_s: float = 0.8
    hold_s: float = 0.6


class PcmFile:
    """Mono 16-bit samples in a file, read a block at a time: a sound however long takes no memory."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.count = os.fstat(handle.fileno()).st_size // 2

    def read(self, a: int, b: int) -> np.ndarray:
        a, b = max(0, min(a, self.count)), max(0, min(b, self.count))
        return np.frombuffer(os.pread(self._handle.fileno(), 2 * (b - a), 2 * a), dtype="<i2")

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> PcmFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def decode_sound(path: Path, rate: int) -> PcmFile:
    """A sound file decoded to mono 16-bit samples at ``rate``, into a temporary file (gone once closed)."""
    from .ffmpeg import decode_file_chunks

    handle = tempfile.TemporaryFile()
    try:
        for chunk in decode_file_chunks(path, sample_rate=rate, chunk_bytes=2 * BLOCK):
            handle.write(chunk)
        handle.flush()
    except BaseException:
        handle.close()
        raise
    return PcmFile(handle)


@dataclass(frozen=True)
class Bed:
    """One sound to lay under a segment's voice, decoded to mono 16-bit PCM at the segment's rate (in memory,
    or in a file: see `decode_sound`)."""

    pcm: bytes | PcmFile
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


def _room(beds: Sequence[Bed], rate: int) -> tuple[int, int]:
    """Samples of sound before the voice (an opening's lead), and the most after it."""
    openings = [b for b in beds if b.kind == "opening"]
    lead = min(OPENING_LEAD_S, min(_source(b)[1] / rate for b in openings)) if openings else 0.0
    after = whole_blocks(CLOSING_AFTER_S, rate) if any(b.kind == "closing" for b in beds) else 0
    return whole_blocks(lead, rate), after + output_block(rate) if beds else 0


@dataclass(frozen=True)
class _Layer:
    """A bed as laid: its samples (pydub's cuts and fades on the decoded sound), where, and how loud."""

    frames: Frames
    source: Callable[[int, int], np.ndarray]
    start: int
    count: int
    scale: float
    closing: bool

    def read(self, lo: int, hi: int) -> np.ndarray:
        return _as_float(self.frames.read(self.source, lo, hi))


def _source(bed: Bed) -> tuple[Callable[[int, int], np.ndarray], int]:
    """The bed's samples ``[a, b)``, and how many it has."""
    if isinstance(bed.pcm, PcmFile):
        return bed.pcm.read, bed.pcm.count
    samples = np.frombuffer(memoryview(bed.pcm)[: len(bed.pcm) // 2 * 2], dtype="<i2")
    return (lambda a, b: samples[a:b]), len(samples)


def mix_beds(track: Track, beds: Sequence[Bed], ducking: Ducking,
             keep_under: bool = False) -> tuple[Track, np.ndarray | None]:
    """The voice with ``beds`` under it: each faded in and out (as pydub did), scaled to its level against the
    voice's loudness, and ducked by ``ducking.depth_db`` while the voice speaks (a side-chain on the voice: it
    goes down over the attack so that it is down when the first word starts, stays down through short pauses,
    comes back over the release). Returns the mix (in the track's own buffer when `assemble` left room for
    these beds) with the sentences' spans in it, and, with ``keep_under``, the sound alone (float samples)
    for measuring."""
    rate = track.rate
    head, _ = _room(beds, rate)
    after = CLOSING_AFTER_S if any(b.kind == "closing" for b in beds) else 0.0
    voice = track.samples
    # The voice's own tail is silence already: only what it lacks is added.
    _, voice_tail = silent_edges(voice, rate)
    extra = max(0, whole_blocks(after - voice_tail, rate)) if after else 0
    total = head + len(voice) + extra
    total += -total % output_block(rate)
    voice_lufs = _measure(lambda a, b: _as_float(voice[a:b]), len(voice), rate) or -20.0
    if track.start >= head and track.start - head + total <= len(track.buffer):
        buffer, start = track.buffer, track.start - head  # silent around the voice: `assemble` made it so
    else:
        buffer, start = np.zeros(total, dtype="<i2"), 0
        buffer[head : head + len(voice)] = voice
    mixed_track = Track(buffer, start, total, rate, [(a + head / rate, b + head / rate) for a, b in track.spans])
    out = mixed_track.samples
    spans = mixed_track.spans
    first = spans[0][0] if spans else head / rate
    last = spans[-1][1] if spans else (head + len(voice)) / rate
    layers = [layer for bed in beds
              if (layer := _layer(bed, rate, total, first, last, voice_lufs, ducking)) is not None]
    duck = _Duck(spans, total, rate, ducking)

    def mixed(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        under, after_voice = np.zeros(hi - lo), np.zeros(hi - lo)
        for layer in layers:
            a, b = max(lo, layer.start), min(hi, layer.start + layer.count)
            if a < b:
                # A closing sound starts once the voice is done: nothing to make way for.
                (after_voice if layer.closing else under)[a - lo : b - lo] += (
                    layer.read(a - layer.start, b - layer.start) * layer.scale)
        under = under * duck.gain(lo, hi) + after_voice
        return _as_float(out[lo:hi]) + under, under

    peak = max((float(np.max(np.abs(mixed(lo, min(total, lo + BLOCK))[0]))) for lo in range(0, total, BLOCK)),
               default=0.0)
    # Headroom only: the loudness normalisation that follows sets the level.
    headroom = 0.98 / peak if peak > 0.98 else None
    sound_alone = np.zeros(total) if keep_under else None
    for lo in range(0, total, BLOCK):
        hi = min(total, lo + BLOCK)
        mix, under = mixed(lo, hi)
        if headroom is not None:
            mix *= headroom
            under *= headroom
        out[lo:hi] = _to_int16(mix)
        if sound_alone is not None:
            sound_alone[lo:hi] = under
    _give_back_freed_memory()  # the ducking's arrays, a few per 5 ms of the segment
    return mixed_track, sound_alone


def _layer(bed: Bed, rate: int, total: int, first: float, last: float, voice_lufs: float,
           ducking: Ducking) -> _Layer | None:
    """A bed cut, faded and placed as it is heard, at its level against the voice's; None when silent."""
    source, available = _source(bed)
    sound = Frames.whole(available, rate)
    if bed.kind == "ambience":
        loops = -(-total // max(1, sound.length)) if sound.ms else 0
        sound = (sound * max(1, loops))[: int(total * 1000 / rate) + 1]
        sound = sound.fade_in(min(AMBIENCE_FADE_MS, sound.ms // 2)).fade_out(min(AMBIENCE_FADE_MS, sound.ms // 2))
        start = 0
    elif bed.kind == "opening":
        sound = sound[: int((last + 1.0) * 1000)]
        sound = sound.fade_in(min(FADE_IN_MS, sound.ms // 4)).fade_out(min(FADE_OUT_MS, sound.ms // 2))
        start = 0
    else:
        # The sign-off starts as the voice lets go (its hold over): heard whole, from its first note.
        start_s = max(first, last + min(ducking.hold_s, CLOSING_GAP_S))
        sound = sound[: int((total / rate - start_s) * 1000)]
        sound = sound.fade_in(min(FADE_IN_MS, sound.ms // 4)).fade_out(min(FADE_OUT_MS, sound.ms // 2))
        start = int(start_s * rate)
    count = max(0, min(sound.length, total - start))
    layer = _Layer(sound, source, start, count, 1.0, bed.kind == "closing")
    own = _measure(layer.read, count, rate)
    if own is None:
        return None
    scale = 10 ** ((voice_lufs + bed.level_db - own) / 20)
    return _Layer(sound, source, start, count, scale, bed.kind == "closing")


class _Duck:
    """Per sample, the linear gain of the sound under the voice (1 where the voice is silent long enough):
    on 5 ms frames, from how far each is from the voice's next frame (the attack) and from its last (the hold,
    then the release), interpolated; computed a block at a time from where the voice speaks."""

    def __init__(self, spans: Sequence[tuple[float, float]], total: int, rate: int, ducking: Ducking) -> None:
        self._hop = hop = max(1, rate // 200)  # 5 ms frames
        self._frame_s = hop / rate
        self._frames = -(-total // hop)
        self._ducking = ducking
        self._speaking: list[tuple[int, int]] = []
        runs: list[list[int]] = []
        for a, b in spans:
            lo, hi = min(total, int(a * rate)), min(total, int(b * rate))
            if lo < hi:
                self._speaking.append((lo, hi))
                first, last = lo // hop, (hi - 1) // hop
                if runs and first <= runs[-1][1] + 1:
                    runs[-1][1] = max(runs[-1][1], last)
                else:
                    runs.append([first, last])
        runs.sort()
        self._starts = np.array([r[0] for r in runs], dtype=np.int64)
        """The frames where the voice speaks, as runs (first and last frame of each)."""
        self._ends = np.array([r[1] for r in runs], dtype=np.int64)

    def gain(self, lo: int, hi: int) -> np.ndarray:
        hop = self._hop
        first, end = lo // hop, min(self._frames, (hi - 1) // hop + 2)
        index = np.arange(first, end)
        gain: np.ndarray = np.interp(np.arange(lo, hi) / hop, index, self._frame_gain(index))
        # Where the voice speaks, the sound is down fully, whatever the interpolation did.
        down = 10 ** (-self._ducking.depth_db / 20)
        for a, b in self._speaking:
            if a < hi and b > lo:
                gain[max(a, lo) - lo : min(b, hi) - lo] = down
        return gain

    def _frame_gain(self, index: np.ndarray) -> np.ndarray:
        ducking = self._ducking
        depth = np.zeros(len(index))
        if len(self._starts):
            frame_s = self._frame_s
            # The next frame of speech at or after each frame (attack, looking ahead), the last at or before it
            # (hold, then release).
            after = np.searchsorted(self._ends, index, side="left")
            has_next = after < len(self._starts)
            next_idx = np.maximum(index, self._starts[np.minimum(after, len(self._starts) - 1)])
            next_on = np.where(has_next, (next_idx - index) * frame_s, np.inf)
            before = np.searchsorted(self._starts, index, side="right") - 1
            has_last = before >= 0
            prev_idx = np.minimum(index, self._ends[np.maximum(before, 0)])
            last_on = np.where(has_last, (index - prev_idx) * frame_s, np.inf)
            down_before = np.clip(1 - next_on / ducking.attack_s, 0, 1)
            after_hold = np.maximum(0, last_on - ducking.hold_s)
            down_after = np.where(last_on <= ducking.hold_s, 1.0, np.clip(1 - after_hold / ducking.release_s, 0, 1))
            depth = np.maximum(down_before, down_after)
        frame_gain: np.ndarray = 10 ** (-ducking.depth_db * depth / 20)
        return frame_gain
