"""The format every file is written in, and the arithmetic that keeps joins exact.

A leaf: rendering, assembly and the episode all import it, and it imports nothing of ours.
"""
from __future__ import annotations

from math import gcd

OUTPUT_SAMPLE_RATE = 44_100
"""MPEG-1 Layer III rate of every MP3 written: every player decodes it."""
BITRATE_KBPS = 64


def output_block(rate: int) -> int:
    """Input samples that resample to a whole number of output samples (80 at 24 kHz, 1 at 22.05 kHz)."""
    return rate // gcd(rate, OUTPUT_SAMPLE_RATE)


def output_samples(samples: int, rate: int) -> int:
    block = output_block(rate)
    if samples % block:
        raise ValueError(f"{samples} samples at {rate} Hz do not resample exactly")
    return samples // block * (OUTPUT_SAMPLE_RATE // gcd(rate, OUTPUT_SAMPLE_RATE))


def whole_blocks(seconds: float, rate: int) -> int:
    """Samples in ``seconds`` of silence, rounded down to whole resampling blocks so joins stay exact."""
    block = output_block(rate)
    return int(round(seconds * rate)) // block * block
