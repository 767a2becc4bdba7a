"""Every call to ffmpeg goes through here: one place to find the binary.

A system ffmpeg is preferred when present; otherwise the one imageio-ffmpeg
ships in its wheel, so `pip install` alone gives a working tool. ffprobe is
never needed: we decode to raw PCM and count samples ourselves.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from functools import lru_cache
from pathlib import Path

from .errors import WorldError


@lru_cache(maxsize=1)
def ffmpeg_path() -> str:
    explicit = os.environ.get("AUDIOTOUR_FFMPEG")
    if explicit:
        return explicit
    system = shutil.which("ffmpeg")
    if system:
        return system
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise WorldError(
            f"ffmpeg is not installed and the bundled one is missing ({exc}); "
            "reinstall audiotour with pip, or install ffmpeg"
        ) from None


def _command(args: list[str], reads_stdin: bool) -> list[str]:
    return [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y", *([] if reads_stdin else ["-nostdin"]), *args]


def _failure(stderr: bytes, code: int) -> WorldError:
    detail = stderr.decode("utf-8", "replace").strip().splitlines()
    return WorldError(f"ffmpeg failed: {detail[-1] if detail else f'exit code {code}'}")


def run(args: list[str], *, input_chunks: Iterable[bytes] | None = None, stdin_bytes: bytes | None = None) -> bytes:
    """Run ffmpeg with ``args``; return its stdout, raise WorldError on failure.

    Its output and messages go to temporary files, read back whole once it is done: a pipe would be read in
    pieces joined at the end (the output held twice), and one nobody reads while feeding ffmpeg could fill.
    """
    command = _command(args, reads_stdin=input_chunks is not None or stdin_bytes is not None)
    with tempfile.TemporaryFile() as output, tempfile.TemporaryFile() as messages:
        try:
            if input_chunks is None:
                code = subprocess.run(command, input=stdin_bytes, stdout=output, stderr=messages,
                                      check=False).returncode
            else:
                with subprocess.Popen(command, stdin=subprocess.PIPE, stdout=output, stderr=messages) as process:
                    assert process.stdin is not None
                    try:
                        for chunk in input_chunks:
                            process.stdin.write(chunk)
                        process.stdin.close()
                    except BrokenPipeError:
                        pass
                    code = process.wait()
        except OSError as exc:
            raise WorldError(f"cannot run ffmpeg ({command[0]}): {exc.strerror}") from None
        if code != 0:
            messages.seek(0)
            raise _failure(messages.read(), code)
        output.seek(0)
        return output.read()


def run_chunks(args: list[str], *, chunk_bytes: int) -> Iterator[bytes]:
    """Run ffmpeg with ``args``, its stdout handed over as it comes, ``chunk_bytes`` at a time (fewer at the end):
    never all of it at once. Raises WorldError on failure, once the output is read."""
    command = _command(args, reads_stdin=False)
    # Its messages go to a file: a pipe nobody reads until the end could fill and stop it.
    with tempfile.TemporaryFile() as messages:
        try:
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=messages)
        except OSError as exc:
            raise WorldError(f"cannot run ffmpeg ({command[0]}): {exc.strerror}") from None
        with process:
            assert process.stdout is not None
            try:
                while chunk := process.stdout.read(chunk_bytes):
                    yield chunk
            except BaseException:
                process.kill()  # abandoned (an error, a signal, the generator closed): no ffmpeg left behind
                raise
            code = process.wait()
        if code != 0:
            messages.seek(0)
            raise _failure(messages.read(), code)


def encode_mp3(pcm_chunks: Iterable[bytes], target: Path, *, sample_rate: int, output_rate: int,
               bitrate_kbps: int) -> None:
    """Encode mono s16le PCM to a constant-bitrate MP3 with a gapless (LAME) header."""
    run(
        [
            "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
            "-ar", str(output_rate), "-c:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
            # Tags are mutagen's job; ffmpeg's own would be replaced anyway.
            "-id3v2_version", "0", "-write_id3v1", "0", "-map_metadata", "-1",
            "-f", "mp3", str(target),
        ],
        input_chunks=pcm_chunks,
    )


def decode_to_pcm(data: bytes, *, sample_rate: int) -> bytes:
    """Decode any audio ffmpeg reads to mono s16le PCM at ``sample_rate``."""
    return run(["-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), "pipe:1"], stdin_bytes=data)


def decode_file_chunks(path: Path, *, sample_rate: int, chunk_bytes: int) -> Iterator[bytes]:
    """Any audio file ffmpeg reads as mono s16le PCM at ``sample_rate``, ``chunk_bytes`` at a time."""
    return run_chunks(["-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), "pipe:1"],
                      chunk_bytes=chunk_bytes)


@lru_cache(maxsize=1)
def has_rubberband() -> bool:
    """Whether this ffmpeg was built with librubberband (a better time-stretch than atempo)."""
    try:
        return b" rubberband " in run(["-filters"])
    except WorldError:
        return False


def stretch_pcm(pcm: bytes, *, sample_rate: int, tempo: float) -> bytes:
    """Mono s16le PCM played ``tempo`` times as fast, same pitch: rubberband where ffmpeg has it, else atempo
    (which keeps the pitch too; within 0.5-2 it needs one stage)."""
    tempo = max(0.5, min(2.0, tempo))
    audio_filter = f"rubberband=tempo={tempo:.4f}" if has_rubberband() else f"atempo={tempo:.4f}"
    return run(["-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0", "-af", audio_filter,
                "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), "pipe:1"], stdin_bytes=pcm)
