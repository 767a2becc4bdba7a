"""Stitching MP3 frames: exact headers, exact positions, refusing what it cannot join."""
from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest

from audiocheck import decode
from audiotour import mp3stitch
from audiotour.ffmpeg import ffmpeg_path


def encode(tmp_path: Path, name: str, source: str, extra: tuple[str, ...] = ()) -> Path:
    target = tmp_path / name
    subprocess.run(
        [ffmpeg_path(), "-v", "error", "-f", "lavfi", "-i", source, "-ar", "44100", "-ac", "1",
         "-c:a", "libmp3lame", "-b:a", "64k", *extra, "-id3v2_version", "0", "-write_id3v1", "0",
         "-map_metadata", "-1", "-f", "mp3", str(target)],
        check=True,
    )
    return target


@pytest.mark.slow
@pytest.mark.parametrize("seconds", [1, 37])
def test_one_stream_stitches_back_to_ffmpegs_exact_bytes(tmp_path: Path, seconds: int) -> None:
    # The whole Info header (counts, seek table, delay, padding, both CRCs) is rebuilt from scratch.
    original = encode(tmp_path, "a.mp3", f"sine=f=330:d={seconds}:r=22050").read_bytes()
    samples, starts = mp3stitch.stitch_files([original], tmp_path / "out.mp3")
    assert (tmp_path / "out.mp3").read_bytes() == original
    assert starts == [0]
    assert samples == seconds * 44100


@pytest.mark.slow
def test_stitched_streams_play_back_to_back_at_the_promised_samples(tmp_path: Path) -> None:
    a = encode(tmp_path, "a.mp3", "sine=f=440:d=1.3:r=22050")
    b = encode(tmp_path, "b.mp3", "sine=f=660:d=0.7:r=22050")
    total, starts = mp3stitch.stitch_files([a, b], tmp_path / "ab.mp3")
    joined = decode(tmp_path / "ab.mp3")
    assert len(joined) == total
    first, second = decode(a), decode(b)
    assert starts[0] == 0 and starts[1] >= len(first)
    assert abs(joined[: len(first)] - first).max() < 1e-3
    inside = joined[starts[1] : starts[1] + len(second)]
    # The first granule after a join overlaps the previous stream's tail (silence in our use).
    assert abs(inside[2048:] - second[2048:]).max() < 1e-3


def test_crc_of_a_concatenation_from_the_parts() -> None:
    rng = random.Random(7)
    a, b = rng.randbytes(5000), rng.randbytes(1234)
    assert mp3stitch.crc16_append(mp3stitch.crc16(a), mp3stitch.crc16(b), len(b)) == mp3stitch.crc16(a + b)


def test_refuses_variable_bitrate_streams(tmp_path: Path) -> None:
    vbr = encode(tmp_path, "v.mp3", "sine=f=440:d=1:r=22050", ("-q:a", "4"))
    with pytest.raises(mp3stitch.NotStitchable):
        mp3stitch.parse(vbr.read_bytes())


def test_refuses_a_truncated_stream(tmp_path: Path) -> None:
    data = encode(tmp_path, "a.mp3", "sine=f=440:d=1:r=22050").read_bytes()
    with pytest.raises(mp3stitch.NotStitchable, match="truncated"):
        mp3stitch.parse(data[:-100])
