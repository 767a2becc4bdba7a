"""Make the shipped tour's signature sound, `sounds/indicatif.mp3`, from nothing but arithmetic.

Original to audiotour, generated here (nothing sampled or copied), dedicated to the public domain (CC0):
a swell of sea, made of filtered noise with a slow breath, under four struck notes rising (D, A, D, F sharp,
a bell-like timbre of a few inharmonic partials) that settle on a held D major chord. About seven seconds,
mono. The same seed gives the same file: run `.venv/bin/python scripts/make_signature.py` to make it again.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

RATE = 44_100
SECONDS = 7.5
SEED = 1944


def bell(frequency: float, start: float, length: float, loudness: float, t: np.ndarray) -> np.ndarray:
    """A struck note: a few partials (slightly inharmonic, as in a bell or a marimba bar), each decaying."""
    local = t - start
    sound = np.zeros_like(t)
    on = (local >= 0) & (local < length)
    for ratio, weight, decay in ((1.0, 1.0, 1.6), (2.0, 0.35, 0.9), (3.01, 0.18, 0.5), (4.16, 0.08, 0.3)):
        partial = weight * np.sin(2 * np.pi * frequency * ratio * local[on]) * np.exp(-local[on] / decay)
        sound[on] += partial
    attack = np.clip(local / 0.004, 0, 1)  # 4 ms: struck, not clicked
    return loudness * sound * attack


def sea(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Waves: white noise, low-passed by a running average, breathing in and out slowly."""
    noise = rng.standard_normal(len(t))
    window = 40
    kernel = np.ones(window) / window
    low = np.convolve(noise, kernel, mode="same")
    low = np.convolve(low, kernel, mode="same")
    breath = 0.55 + 0.45 * np.sin(2 * np.pi * t / 5.0 - np.pi / 2)
    return low * breath / np.max(np.abs(low))


def signature() -> np.ndarray:
    rng = np.random.default_rng(SEED)
    t = np.arange(int(SECONDS * RATE)) / RATE
    d4, a4, d5, fs5 = 293.66, 440.0, 587.33, 739.99
    notes = [(d4, 0.4), (a4, 0.85), (d5, 1.3), (fs5, 1.75)]
    music = sum((bell(f, at, 4.0, 0.5, t) for f, at in notes), np.zeros_like(t))
    # The chord the motif settles on, held and fading.
    music += sum((bell(f, 2.5, 5.0, 0.28, t) for f in (d4 / 2, d4, a4, fs5)), np.zeros_like(t))
    mix = music + 0.35 * sea(t, rng)
    fade_in = np.clip(t / 0.3, 0, 1)
    fade_out = np.clip((SECONDS - t) / 2.0, 0, 1)
    mix *= fade_in * fade_out
    return 0.8 * mix / np.max(np.abs(mix))


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from audiotour.ffmpeg import run

    target = Path(__file__).resolve().parents[1] / "sounds" / "indicatif.mp3"
    target.parent.mkdir(exist_ok=True)
    pcm = np.round(signature() * 32767).astype("<i2").tobytes()
    run(["-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0", "-c:a", "libmp3lame", "-b:a", "96k",
         "-map_metadata", "-1", "-fflags", "+bitexact", "-flags:a", "+bitexact", str(target)], stdin_bytes=pcm)
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
