"""Cuts, repetitions and fades of mono 16-bit audio, sample for sample as pydub made them, without the copies.

Segments were once assembled with pydub: its fades and cuts in milliseconds decide where a sentence ends and
how its first and last samples are scaled, and so the bytes of every file. pydub copies the whole sound at
each step, which for half an hour of narration (or an ambience looped under it) is hundreds of megabytes.
Here a sound is described instead: runs of a source's samples, silence, and the gains to apply to them,
and read a block at a time. The arithmetic is pydub's (0.25): positions in milliseconds rounded as it rounds
them, gains applied as ``audioop.mul`` does (multiplied in double precision, then floored), one fade after
the other. The tests hold it to pydub itself.

A leaf: numpy only.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

Source = Callable[[int, int], np.ndarray]
"""The 16-bit samples ``[a, b)`` of the sound described."""

_MERGE_LIMIT = 1 << 16
"""Runs with gains are joined into one when this short: a fade of a second is one run, not a thousand."""


@dataclass(frozen=True)
class _Run:
    start: int
    """The first sample in the source; -1 for silence."""
    count: int
    gains: tuple[float | np.ndarray, ...] = ()
    """Applied one after the other, each as ``audioop.mul`` would: a factor for the whole run, or one a sample."""

    def cut(self, a: int, b: int) -> _Run:
        gains = tuple(g if isinstance(g, float) else g[a:b] for g in self.gains)
        return _Run(self.start + a if self.start >= 0 else -1, b - a, gains)

    def times(self, factor: float | np.ndarray) -> _Run:
        return _Run(self.start, self.count, (*self.gains, factor))


class Frames:
    """A sound as pydub would hold it (its length in samples and in rounded milliseconds), described as runs."""

    def __init__(self, runs: Sequence[_Run], rate: int) -> None:
        self.rate = rate
        self.runs = _merged([r for r in runs if r.count > 0])
        self.length = sum(r.count for r in self.runs)

    @classmethod
    def whole(cls, count: int, rate: int) -> Frames:
        """The source's first ``count`` samples, as they are."""
        return cls([_Run(0, count)], rate)

    @property
    def ms(self) -> int:
        """``len()`` of the pydub segment: milliseconds, rounded."""
        return round(1000 * (float(self.length) / self.rate))

    def read(self, source: Source, lo: int, hi: int) -> np.ndarray:
        """Samples ``[lo, hi)`` of the sound (16-bit)."""
        out = np.zeros(max(0, hi - lo), dtype="<i2")
        position = 0
        for run in self.runs:
            a, b = max(lo, position), min(hi, position + run.count)
            if a < b and run.start >= 0:
                values = source(run.start + a - position, run.start + b - position)
                for gain in run.gains:
                    factor = gain if isinstance(gain, float) else gain[a - position : b - position]
                    values = _mul(values, factor)
                out[a - lo : b - lo] = values
            position += run.count
            if position >= hi:
                break
        return out

    # -- pydub's AudioSegment, the operations audiotour used ------------------------------------

    def __getitem__(self, item: slice) -> Frames:
        """``segment[start:end]``, in milliseconds."""
        start = item.start if item.start is not None else 0
        end = item.stop if item.stop is not None else self.ms
        return self._span(min(start, self.ms), min(end, self.ms))

    def at(self, ms: int) -> Frames:
        """``segment[ms]``: one millisecond of it."""
        return self._span(ms, ms + 1)

    def __mul__(self, times: int) -> Frames:
        """``segment * times``: repeated."""
        return Frames(list(self.runs) * max(0, times), self.rate)

    def __add__(self, other: Frames) -> Frames:
        return Frames([*self.runs, *other.runs], self.rate)

    def fade_in(self, duration: int) -> Frames:
        return self._fade(from_gain=-120.0, start=0, duration=duration)

    def fade_out(self, duration: int) -> Frames:
        return self._fade(to_gain=-120.0, end=float("inf"), duration=duration)

    def _frame_count(self, ms: float) -> float:
        return ms * (self.rate / 1000.0)

    def _position(self, value: float) -> int:
        if value < 0:
            value = self.ms - abs(value)
        return int(self._frame_count(self.ms) if value == float("inf") else self._frame_count(value))

    def _take(self, a: int, b: int) -> Frames:
        """Samples ``[a, b)`` as a byte slice takes them (clipped to the sound)."""
        a, b = max(0, min(a, self.length)), max(0, min(b, self.length))
        runs, position = [], 0
        for run in self.runs:
            lo, hi = max(a, position), min(b, position + run.count)
            if lo < hi:
                runs.append(run.cut(lo - position, hi - position))
            position += run.count
        return Frames(runs, self.rate)

    def _span(self, start: float, end: float) -> Frames:
        a, b = self._position(start), self._position(end)
        taken = self._take(a, b)
        missing = (b - a) - taken.length
        if missing > self._frame_count(2):
            raise ValueError(f"{missing} samples missing from a cut of {self.length}")
        if missing > 0 and taken.length:
            # pydub pads a cut a little past the end with silence (not an empty one).
            taken = taken + Frames([_Run(-1, missing)], self.rate)
        return taken

    def _times(self, factor: float) -> Frames:
        return Frames([run.times(factor) for run in self.runs], self.rate)

    def _fade(self, to_gain: float = 0.0, from_gain: float = 0.0, start: int | None = None,
              end: float | None = None, duration: int | None = None) -> Frames:
        """pydub's ``AudioSegment.fade``, step by step (a fade of no length leaves the sound as it is)."""
        if (to_gain == 0 and from_gain == 0) or not duration:
            return self
        length = self.ms
        begin = min(length, start) if start is not None else None
        finish = min(length, end) if end is not None else None
        if begin is not None and begin < 0:
            begin += length
        if finish is not None and finish < 0:
            finish += length
        if begin is not None:
            finish = begin + duration
        elif finish is not None:
            begin = int(finish) - duration
        assert begin is not None and finish is not None
        from_power = _db_to_float(from_gain)
        before = self[:begin]
        if from_gain != 0:
            before = before._times(from_power)
        pieces = [before]
        gain_delta = _db_to_float(to_gain) - from_power
        if duration > 100:
            # One gain a millisecond.
            scale_step = gain_delta / duration
            for i in range(duration):
                pieces.append(self.at(begin + i)._times(from_power + (scale_step * i)))
        else:
            # One gain a sample, each taken from the raw samples (none past the end).
            start_frame, end_frame = self._frame_count(begin), self._frame_count(finish)
            fade_frames = end_frame - start_frame
            scale_step = gain_delta / fade_frames
            steps = [(int(start_frame + i), from_power + (scale_step * i)) for i in range(int(fade_frames))]
            pieces.append(self._frames_at([s for s in steps if 0 <= s[0] < self.length]))
        after = self[int(finish):]
        if to_gain != 0:
            after = after._times(_db_to_float(to_gain))
        pieces.append(after)
        return Frames([run for piece in pieces for run in piece.runs], self.rate)

    def _frames_at(self, steps: Sequence[tuple[int, float]]) -> Frames:
        """The samples at these positions, each with its gain (consecutive positions make one run)."""
        runs: list[_Run] = []
        i = 0
        while i < len(steps):
            j = i + 1
            while j < len(steps) and steps[j][0] == steps[j - 1][0] + 1:
                j += 1
            factors = np.array([factor for _, factor in steps[i:j]])
            position = 0
            for run in self._take(steps[i][0], steps[i][0] + j - i).runs:
                runs.append(run.times(factors[position : position + run.count]))
                position += run.count
            i = j
        return Frames(runs, self.rate)


def _db_to_float(db: float) -> float:
    return float(10 ** (float(db) / 20))


def _mul(values: np.ndarray, factor: float | np.ndarray) -> np.ndarray:
    """``audioop.mul`` on 16-bit samples: each times the factor in double precision, floored, clipped."""
    scaled = np.floor(values.astype(np.float64) * factor)
    return np.clip(scaled, -32768, 32767).astype("<i2")


def _merged(runs: list[_Run]) -> list[_Run]:
    """Neighbouring runs that continue each other, with as many gains, as one (short ones only)."""
    out: list[_Run] = []
    for run in runs:
        if out:
            last = out[-1]
            follows = (run.start == -1 and last.start == -1) or (
                run.start >= 0 and last.start >= 0 and run.start == last.start + last.count)
            if (follows and len(run.gains) == len(last.gains)
                    and (not run.gains or last.count + run.count <= _MERGE_LIMIT)):
                gains = tuple(_joined(g, last.count, h, run.count) for g, h in zip(last.gains, run.gains))
                out[-1] = _Run(last.start, last.count + run.count, gains)
                continue
        out.append(run)
    return out


def _joined(first: float | np.ndarray, first_count: int, second: float | np.ndarray,
            second_count: int) -> float | np.ndarray:
    if isinstance(first, float) and isinstance(second, float) and first == second:
        return first
    return np.concatenate((np.broadcast_to(first, first_count), np.broadcast_to(second, second_count)))
