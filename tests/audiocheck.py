"""Independent checks of what a build wrote: decode with ffmpeg, read ffmpeg's view of tags."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

from audiotour.ffmpeg import ffmpeg_path


def decode(path: Path, rate: int = 44_100) -> np.ndarray:
    """The samples a player would play, as floats in [-1, 1]."""
    raw = subprocess.run(
        [ffmpeg_path(), "-nostdin", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-"],
        capture_output=True, check=True,
    ).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768.0


def ffmpeg_chapters(path: Path) -> list[tuple[int, int, str]]:
    """Chapters as ffmpeg's ID3 reader sees them: (start_ms, end_ms, title)."""
    text = subprocess.run(
        # -copyts: report the file's own times, not shifted by the MP3 decoder delay.
        [ffmpeg_path(), "-nostdin", "-v", "error", "-copyts", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True, check=True, text=True,
    ).stdout
    chapters = []
    for block in text.split("[CHAPTER]")[1:]:
        fields = dict(re.findall(r"^(\w+)=(.*)$", block, re.MULTILINE))
        base = fields.get("TIMEBASE", "1/1000").split("/")
        scale = 1000 * int(base[0]) / int(base[1])
        chapters.append((round(int(fields["START"]) * scale), round(int(fields["END"]) * scale), fields.get("title", "")))
    return chapters


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS, mono as dual mono) and true peak (dBTP), by ffmpeg's BS.1770 meter."""
    log = subprocess.run(
        [ffmpeg_path(), "-nostdin", "-hide_banner", "-nostats", "-i", str(path),
         "-af", "ebur128=peak=true:dualmono=true", "-f", "null", "-"],
        capture_output=True, check=True, text=True,
    ).stderr
    summary = log[log.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.inf]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return integrated, peak
