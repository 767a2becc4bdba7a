"""The speech cache: damaged or foreign entries are never trusted; many builds share one cache."""
from __future__ import annotations

import io
import multiprocessing
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import wave
from pathlib import Path

import pytest

from audiotour.cache import (
    BadEntry,
    SpeechCache,
    cache_info,
    decode_entry,
    encode_entry,
    prune,
    remove_abandoned_temporaries,
    verify,
)
from audiotour.engines import Speech
from audiotour.fsutil import TEMP_PREFIX, atomic_path
from conftest import build_offline

KEY = SpeechCache.key("espeak-ng 1.51 fr 175", "Bonjour.")
OTHER = SpeechCache.key("espeak-ng 1.51 fr 175", "Au revoir.")
SPEECH = Speech(pcm=bytes(random.Random(1).randrange(256) for _ in range(22050 * 2)), sample_rate=22050)


def _old_format(speech: Speech) -> bytes:
    """An entry as audiotour wrote them before they carried a checksum: a plain WAV."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(speech.sample_rate)
        writer.writeframes(speech.pcm)
    return buffer.getvalue()


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x10]) + data[at + 1:]


DAMAGE = {
    "truncated to an odd length": (lambda d: d[:-1], "bytes where the header says"),
    "truncated to an even length": (lambda d: d[:len(d) // 2 * 2 - 1000], "bytes where the header says"),
    "a bit flipped in the audio": (lambda d: _flip(d, len(d) - 501), "does not match its checksum"),
    "a bit flipped in the rate": (lambda d: _flip(d, 24), "not mono 16-bit audio"),
    "a bit flipped in the header": (lambda d: _flip(d, 5), "bytes where the header says"),
    "random bytes": (lambda d: random.Random(2).randbytes(len(d)), "not a WAV file"),
    "empty": (lambda d: b"", "not a WAV file"),
    "another sentence's entry": (lambda d: encode_entry(OTHER, SPEECH), "the entry of another sentence"),
}


def test_an_entry_reads_back_as_written_and_is_a_wav_a_player_reads(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    assert cache.get(KEY) is None
    cache.put(KEY, SPEECH)
    assert cache.get(KEY) == SPEECH
    with wave.open(str(tmp_path / "speech" / KEY[:2] / f"{KEY}.wav"), "rb") as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, 22050)
        assert reader.readframes(reader.getnframes()) == SPEECH.pcm


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_or_foreign_entry_is_discarded_with_a_warning(tmp_path: Path, damage: str) -> None:
    heard: list[str] = []
    cache = SpeechCache(tmp_path, on_warning=heard.append)
    cache.put(KEY, SPEECH)
    path = tmp_path / "speech" / KEY[:2] / f"{KEY}.wav"
    spoil, reason = DAMAGE[damage]
    path.write_bytes(spoil(path.read_bytes()))
    assert cache.get(KEY) is None
    assert len(heard) == 1 and heard[0].startswith(f"discarded the cached speech {path}: ")
    assert reason in heard[0] and heard[0].endswith("; synthesising it again")
    assert not path.exists()
    cache.put(KEY, SPEECH)
    assert cache.get(KEY) == SPEECH and len(heard) == 1


def test_entries_of_an_older_audiotour_are_synthesised_again_with_one_warning(tmp_path: Path) -> None:
    heard: list[str] = []
    cache = SpeechCache(tmp_path, on_warning=heard.append)
    for key in (KEY, OTHER):
        path = tmp_path / "speech" / key[:2] / f"{key}.wav"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_old_format(SPEECH))
        assert cache.get(key) is None and not path.exists()
    assert heard == [f"the cache {tmp_path} holds speech from an older audiotour, without checksums; it is "
                     "synthesised again as needed ('audiotour cache verify' removes it all at once)"]


def test_any_single_flipped_bit_is_caught(tmp_path: Path) -> None:
    short = Speech(pcm=SPEECH.pcm[:200], sample_rate=16000)
    data = encode_entry(KEY, short)
    for at in range(len(data)):
        for bit in (0x01, 0x80):
            with pytest.raises(BadEntry):
                decode_entry(KEY, data[:at] + bytes([data[at] ^ bit]) + data[at + 1:])


@pytest.mark.slow
def test_a_build_on_a_damaged_cache_gives_the_same_audio(tour_copy: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = build_offline(tour_copy, tmp_path / "first", cache, jobs=1)
    entries = sorted((cache / "speech").rglob("*.wav"))
    assert len(entries) >= len(DAMAGE) + 1
    spoilers = [spoil for spoil, _ in DAMAGE.values()] + [lambda d: _old_format(SPEECH)]
    for index, path in enumerate(entries):
        spoil = spoilers[index % len(spoilers)]
        path.write_bytes(spoil(path.read_bytes()))
    again = build_offline(tour_copy, tmp_path / "again", cache, jobs=1)
    assert again.sentences_synthesized == first.sentences_synthesized == len(entries)
    # eSpeak NG in one process is not byte-for-byte repeatable (issue 13), but a sentence is the same length:
    # a clipped or noisy entry would change the segment's length or its loudness.
    for before, after in zip(first.manifest.segments, again.manifest.segments, strict=True):
        assert after.duration_s == pytest.approx(before.duration_s, abs=0.05)
    assert verify(cache).removed == ()


def _hammer(root: str, rounds: int) -> None:
    cache = SpeechCache(Path(root))
    for index in range(rounds):
        cache.put(KEY, SPEECH if index % 2 else Speech(SPEECH.pcm[::-1], 22050))


def test_many_writers_and_readers_share_one_cache(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    writers = [context.Process(target=_hammer, args=(str(tmp_path), 150)) for _ in range(3)]
    for writer in writers:
        writer.start()
    heard: list[str] = []
    reader = SpeechCache(tmp_path, on_warning=heard.append)
    seen = 0
    deadline = time.monotonic() + 30
    while any(w.is_alive() for w in writers) and time.monotonic() < deadline:
        speech = reader.get(KEY)
        if speech is not None:
            assert speech.pcm in (SPEECH.pcm, SPEECH.pcm[::-1])
            seen += 1
    for writer in writers:
        writer.join(10)
        assert writer.exitcode == 0
    assert heard == [] and seen > 0
    assert not [p for p in tmp_path.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def _entry(root: Path, name: str, size: int, age_days: float, now: float, folder: str = "speech") -> Path:
    path = root / folder / name[:2] / name if folder == "speech" else root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(size))
    os.utime(path, (now - age_days * 86400, now - age_days * 86400))
    return path


def test_info_counts_size_and_ages(tmp_path: Path) -> None:
    now = time.time()
    empty = cache_info(tmp_path / "none", now=now)
    assert (empty.entries, empty.size_bytes, empty.oldest_age_s, empty.newest_age_s) == (0, 0, None, None)
    _entry(tmp_path, "a" * 64 + ".wav", 1000, 40, now)
    _entry(tmp_path, "b" * 64 + ".wav", 3000, 2, now)
    _entry(tmp_path, "22050-64-100.mp3", 500, 10, now, folder="pauses")
    (tmp_path / "speech" / "aa" / f"{TEMP_PREFIX}x.wav").write_bytes(bytes(99))
    info = cache_info(tmp_path, now=now)
    assert (info.entries, info.size_bytes) == (3, 4500)
    assert info.oldest_age_s == pytest.approx(40 * 86400) and info.newest_age_s == pytest.approx(2 * 86400)


def test_prune_by_age_then_by_size_least_recently_used_first(tmp_path: Path) -> None:
    now = time.time()
    old = _entry(tmp_path, "a" * 64 + ".wav", 1000, 40, now)
    mid = _entry(tmp_path, "b" * 64 + ".wav", 1000, 20, now)
    new = _entry(tmp_path, "c" * 64 + ".wav", 1000, 1, now)
    pause = _entry(tmp_path, "22050-64-100.mp3", 500, 10, now, folder="pauses")
    stale = _entry(tmp_path, f"cc/{TEMP_PREFIX}1.wav", 10, 1, now, folder="speech/")
    fresh = tmp_path / "speech" / "cc" / f"{TEMP_PREFIX}2.wav"
    fresh.write_bytes(b"another build, writing now")
    result = prune(tmp_path, older_than_s=30 * 86400, now=now)
    assert (result.removed, result.freed_bytes) == (1, 1000)
    assert not old.exists() and not old.parent.exists() and mid.exists()
    assert not stale.exists() and fresh.exists()
    result = prune(tmp_path, max_bytes=1000, now=now)
    assert (result.removed, result.freed_bytes) == (2, 1500)
    assert [p.exists() for p in (mid, pause, new)] == [False, False, True]
    assert (result.left.entries, result.left.size_bytes) == (1, 1000)


def test_a_used_entry_counts_as_new(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    cache.put(KEY, SPEECH)
    path = tmp_path / "speech" / KEY[:2] / f"{KEY}.wav"
    os.utime(path, (time.time() - 90 * 86400,) * 2)
    assert cache.get(KEY) == SPEECH
    assert prune(tmp_path, older_than_s=30 * 86400).removed == 0


def test_verify_removes_what_cannot_be_trusted(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path)
    cache.put(KEY, SPEECH)
    cache.put(OTHER, SPEECH)
    good = tmp_path / "speech" / KEY[:2] / f"{KEY}.wav"
    bad = tmp_path / "speech" / OTHER[:2] / f"{OTHER}.wav"
    bad.write_bytes(bad.read_bytes()[:-2])
    stray = tmp_path / "speech" / "zz" / "notes.txt"
    stray.parent.mkdir()
    stray.write_text("x")
    moved = tmp_path / "speech" / "00" / f"{'0' * 64}.wav"
    moved.parent.mkdir()
    shutil.copy(good, moved)
    old = tmp_path / "speech" / "11" / f"{'1' * 64}.wav"
    old.parent.mkdir()
    old.write_bytes(_old_format(SPEECH))
    result = verify(tmp_path)
    assert (result.checked, result.unchecked) == (5, 1) and not old.exists()
    reasons = dict(result.removed)
    assert set(reasons) == {bad, stray, moved}
    assert "bytes where the header says" in reasons[bad]
    assert reasons[stray] == "not a cache entry" and reasons[moved] == "the entry of another sentence"
    assert good.exists() and not stray.parent.exists()
    assert cache.get(KEY) == SPEECH


def test_a_killed_writer_s_temporaries_are_removed_but_not_a_live_writer_s(tmp_path: Path) -> None:
    now = time.time()
    stale = _entry(tmp_path, f"ab/{TEMP_PREFIX}1.wav", 10, 1, now, folder="speech/")
    young = tmp_path / "speech" / "ab" / f"{TEMP_PREFIX}2.wav"
    young.write_bytes(b"created a moment ago, maybe not claimed yet")
    # A writer killed with SIGKILL while it held its temporary file: no code of its own ran to clean up.
    killed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(f"""
            import os, signal
            from pathlib import Path
            from audiotour.fsutil import atomic_path
            with atomic_path(Path({str(tmp_path / "pauses" / "silence.mp3")!r})) as temporary:
                temporary.write_bytes(bytes(100))
                os.utime(temporary, (0, 0))
                os.kill(os.getpid(), signal.SIGKILL)
            """)], check=False)
    assert killed.returncode == -signal.SIGKILL
    [left] = (tmp_path / "pauses").iterdir()
    with atomic_path(tmp_path / "pauses" / "other.mp3") as writing:  # a build writing now, in this process
        os.utime(writing, (0, 0))
        remove_abandoned_temporaries(tmp_path)
        assert writing.exists()
    assert not stale.exists() and young.exists() and not left.exists()


def _cli(*args: str) -> tuple[int, str, str]:
    from click.testing import CliRunner

    from audiotour.cli import cli

    result = CliRunner(mix_stderr=False).invoke(cli, list(args), prog_name="audiotour")
    return result.exit_code, result.stdout, result.stderr


def test_the_cache_command_shows_prunes_and_verifies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIOTOUR_CACHE", str(tmp_path))
    now = time.time()
    cache = SpeechCache(tmp_path)
    cache.put(KEY, SPEECH)
    cache.put(OTHER, SPEECH)
    size = (tmp_path / "speech" / KEY[:2] / f"{KEY}.wav").stat().st_size
    os.utime(tmp_path / "speech" / OTHER[:2] / f"{OTHER}.wav", (now - 40 * 86400,) * 2)
    code, out, err = _cli("cache", "info")
    assert (code, err) == (0, "")
    assert out == (f"Cache: {tmp_path}\nSize: 2 entries, {size * 2 / 1024:.1f} kB\n"
                   "Last used: just now (the least recently used: 40 days ago)\n")

    bad = tmp_path / "speech" / KEY[:2] / f"{KEY}.wav"
    bad.write_bytes(bad.read_bytes()[:-1])
    for digit in "12":
        old = tmp_path / "speech" / (digit * 2) / f"{digit * 64}.wav"
        old.parent.mkdir()
        old.write_bytes(_old_format(SPEECH))
    code, out, err = _cli("cache", "verify")
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"Removed {bad}: {size - 1} bytes where the header says {size}",
                                "Removed 2 entries written by an older audiotour, without checksums.",
                                "Checked 4 entries; removed 3 that could not be trusted; a build synthesises "
                                "them again."]
    assert _cli("cache", "verify")[1] == "Checked 1 entry; all sound.\n"

    code, out, err = _cli("cache", "prune", "--older-than", "30d", "--max-size", "500M")
    assert (code, out, err) == (0, f"Removed 1 entry ({size / 1024:.1f} kB); 0 entries left (0 bytes).\n", "")
    assert _cli("cache", "info")[1] == f"Cache: {tmp_path}\nSize: 0 entries, 0 bytes\n"


@pytest.mark.parametrize(("args", "message"), [
    ((), "Error: say what to remove: --older-than 30d, --max-size 500M, or both\n"),
    (("--older-than", "30"), "Error: --older-than: '30' is not a duration; write e.g. 30d, 12h or 2w\n"),
    (("--older-than", "1" * 500 + "d"), f"Error: --older-than: '{'1' * 500}d' is not a duration; write e.g. 30d, "
                                         "12h or 2w\n"),
    (("--max-size", "lots"), "Error: --max-size: 'lots' is not a size; write e.g. 500M or 2G\n"),
])
def test_prune_refuses_what_it_cannot_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...],
                                           message: str) -> None:
    monkeypatch.setenv("AUDIOTOUR_CACHE", str(tmp_path))
    assert _cli("cache", "prune", *args) == (2, "", message)
