"""Join MP3 streams encoded apart into one gapless MP3, without decoding anything.

Every segment is encoded once, from its PCM; the episode is those very frames
one after another (with an encoded pause between them), under one new Info
header. Nothing is decoded or encoded again, so an edit to one stop costs one
segment's encoding, not the whole tour's.

Why this is exact: a LAME stream begins with an empty bit reservoir, so its
frames decode on their own; each of our streams starts and ends in silence,
so the decoder's overlap across a join adds nothing audible. In the joined
stream, a gapless decoder drops the first stream's encoder delay (from the
Info header) and so stream k's audio starts exactly at
``samples_per_frame × (frames of the streams before it)``.

The Info header (Xing layout with the LAME extension, as ffmpeg writes it):
frame count, byte count, seek table, encoder delay and padding, music length
and the two CRC-16s. `stitch` of a single stream gives back that stream byte
for byte, which the tests check.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

_BITRATES_KBPS = {
    1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],  # MPEG-1 Layer III
    2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],  # MPEG-2/2.5 Layer III
}
_SAMPLE_RATES = {3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000]}
_TOC_SIZE = 100
_SEEK_SAMPLES = 400
_TAG_CRC_SPAN = 190
"""ffmpeg computes the tag CRC over the frame's first 190 bytes, whatever the layout."""


class NotStitchable(ValueError):
    """The bytes are not a CBR Layer III stream with an Info header, as we encode them."""


@dataclass(frozen=True)
class FrameFormat:
    header: bytes
    """The first frame header: every frame of a stream shares its format."""
    frame_length: int
    """Bytes in a frame without the padding slot."""
    samples_per_frame: int
    sample_rate: int
    xing_offset: int
    """Where "Info" starts in the header frame (after the side information)."""


@dataclass(frozen=True)
class Stream:
    format: FrameFormat
    info_frame: bytes
    audio: memoryview
    """The audio frames; may be released (empty) once described, see `stitch_files`."""
    audio_offset: int
    """Where the audio frames start in the bytes parsed."""
    audio_length: int
    frame_ends: tuple[int, ...]
    """End of each audio frame, relative to the first."""
    delay: int
    padding: int
    music_crc: int
    """CRC-16 of the audio frames, as their encoder recorded it."""

    @property
    def frames(self) -> int:
        return len(self.frame_ends)


def _frame_format(header: bytes) -> FrameFormat:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        raise NotStitchable("no MPEG audio frame where one was expected")
    version = (header[1] >> 3) & 3
    layer = (header[1] >> 1) & 3
    if layer != 1 or version == 1:
        raise NotStitchable("not MPEG Layer III")
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if bitrate_index in (0, 15) or rate_index == 3:
        raise NotStitchable("free-format or invalid frame header")
    mpeg1 = version == 3
    bitrate = _BITRATES_KBPS[1 if mpeg1 else 2][bitrate_index] * 1000
    sample_rate = _SAMPLE_RATES[version][rate_index]
    mono = (header[3] >> 6) == 3
    samples = 1152 if mpeg1 else 576
    side_info = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    return FrameFormat(bytes(header[:4]), samples // 8 * bitrate // sample_rate, samples, sample_rate, 4 + side_info)


def _lame_field(info: bytes | bytearray, fmt: FrameFormat) -> int:
    """Offset of the LAME extension inside the header frame."""
    flags = int.from_bytes(info[fmt.xing_offset + 4 : fmt.xing_offset + 8], "big")
    if flags != 0x0F:
        raise NotStitchable("Info header without frames, bytes, seek table and quality")
    return fmt.xing_offset + 8 + 4 + 4 + _TOC_SIZE + 4


def parse(data: bytes | memoryview) -> Stream:
    """Read a stream as our encoder writes it: maybe an ID3v2 tag, an Info frame, CBR audio frames."""
    view = memoryview(data)
    start = 0
    if bytes(view[:3]) == b"ID3":
        size = view[6] << 21 | view[7] << 14 | view[8] << 7 | view[9]
        start = 10 + size + (10 if view[5] & 0x10 else 0)
    fmt = _frame_format(bytes(view[start : start + 4]))
    info_length = fmt.frame_length + ((view[start + 2] >> 1) & 1)
    info = bytes(view[start : start + info_length])
    if info[fmt.xing_offset : fmt.xing_offset + 4] != b"Info":
        raise NotStitchable("no CBR Info header; encode with a constant bitrate and the Xing header on")
    lame = _lame_field(info, fmt)
    delay_padding = int.from_bytes(info[lame + 21 : lame + 24], "big")
    audio = view[start + info_length :]
    ends: list[int] = []
    position = 0
    # Walk the frames: it proves the stream is CBR and whole, and maps it for the seek table.
    while position < len(audio):
        header = audio[position : position + 4]
        if len(header) < 4 or header[0] != 0xFF or header[1] != fmt.header[1] \
                or (header[2] & 0xFC) != (fmt.header[2] & 0xFC):
            raise NotStitchable(f"frame {len(ends) + 1} differs from the first (not CBR, or truncated)")
        position += fmt.frame_length + ((header[2] >> 1) & 1)
        ends.append(position)
    if position != len(audio):
        raise NotStitchable("the last frame is truncated")
    music_crc = int.from_bytes(info[lame + 32 : lame + 34], "big")
    return Stream(fmt, info, audio, start + info_length, len(audio), tuple(ends),
                  delay_padding >> 12, delay_padding & 0xFFF, music_crc)


def crc16(data: bytes | memoryview, crc: int = 0) -> int:
    """CRC-16/ARC (poly 0x8005, reflected), as LAME headers use."""
    table = _crc_table()
    for byte in bytes(data):
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


_TABLE: list[int] = []


def crc16_append(crc_a: int, crc_b: int, length_b: int) -> int:
    """CRC-16 of A followed by B, from the CRCs of A and B: no byte is read again.

    The CRC is linear over GF(2): running A's CRC through B's length of zero
    bytes (a 16x16 bit matrix raised to that power) then adding B's gives the
    CRC of the whole, as zlib's crc32_combine does for CRC-32.
    """
    return _apply(_zero_bytes(length_b), crc_a) ^ crc_b


def _apply(matrix: list[int], vector: int) -> int:
    result = 0
    for bit in range(16):
        if vector >> bit & 1:
            result ^= matrix[bit]
    return result


def _zero_bytes(count: int) -> list[int]:
    """The matrix (one column per input bit) that feeds ``count`` zero bytes through the CRC."""
    table = _crc_table()
    power = [(1 << bit >> 8) ^ table[(1 << bit) & 0xFF] for bit in range(16)]  # one zero byte
    result = [1 << bit for bit in range(16)]
    while count:
        if count & 1:
            result = [_apply(power, column) for column in result]
        power = [_apply(power, column) for column in power]
        count >>= 1
    return result


def _crc_table() -> list[int]:
    if not _TABLE:
        for value in range(256):
            crc = value
            for _ in range(8):
                crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
            _TABLE.append(crc)
    return _TABLE


def decoded_samples(streams: list[Stream]) -> int:
    return sum(s.frames for s in streams) * streams[0].format.samples_per_frame - streams[0].delay - streams[-1].padding


def joined_header(streams: list[Stream]) -> bytes:
    """The Info frame for ``streams`` played one after another (reads no audio)."""
    if not streams:
        raise NotStitchable("nothing to stitch")
    fmt = streams[0].format
    for stream in streams[1:]:
        if stream.format.header[1:3] != fmt.header[1:3] or (stream.format.header[3] >> 6) != (fmt.header[3] >> 6):
            raise NotStitchable("streams differ in format; every segment must share rate, bitrate and channels")
    info = bytearray(streams[0].info_frame)
    frames = sum(s.frames for s in streams)
    total_bytes = len(info) + sum(s.audio_length for s in streams)
    x = fmt.xing_offset
    info[x + 8 : x + 12] = frames.to_bytes(4, "big")
    info[x + 12 : x + 16] = total_bytes.to_bytes(4, "big")
    info[x + 16 : x + 16 + _TOC_SIZE] = _seek_table(streams, len(info), total_bytes)
    lame = _lame_field(info, fmt)
    delay, padding = streams[0].delay, streams[-1].padding
    info[lame + 21 : lame + 24] = ((delay << 12) | padding).to_bytes(3, "big")
    info[lame + 28 : lame + 32] = total_bytes.to_bytes(4, "big")
    music_crc = 0
    for stream in streams:
        music_crc = crc16_append(music_crc, stream.music_crc, stream.audio_length)
    info[lame + 32 : lame + 34] = music_crc.to_bytes(2, "big")
    info[lame + 34 : lame + 36] = b"\0\0"
    info[lame + 34 : lame + 36] = crc16(bytes(info[:_TAG_CRC_SPAN])).to_bytes(2, "big")
    return bytes(info)


def _seek_table(streams: list[Stream], info_length: int, total_bytes: int) -> bytes:
    """Xing TOC: for each percent of the duration, where in the file (in 1/256ths) to seek.

    Sampled as ffmpeg samples it (a list of frame ends that keeps at most 400
    entries, dropping every other one when full), so that one stream
    stitches back to exactly the bytes ffmpeg wrote.
    """
    samples: list[int] = []
    every, seen = 1, 0
    offset = info_length
    for stream in streams:
        for end in stream.frame_ends:
            seen += 1
            if seen == every:
                samples.append(offset + end)
                if len(samples) == _SEEK_SAMPLES:
                    samples, every = samples[1::2], every * 2
                seen = 0
        offset += stream.audio_length
    toc = bytearray(_TOC_SIZE)
    for percent in range(1, _TOC_SIZE):
        toc[percent] = min(255, 256 * samples[percent * len(samples) // _TOC_SIZE] // total_bytes)
    return bytes(toc)


def stitch_files(sources: Iterable[Path | bytes], target: Path) -> tuple[int, list[int]]:
    """Stitch MP3 files (tags skipped) into ``target``, one source in memory at a time.

    Returns the decoded samples and where each source starts in the result.
    """
    sources = list(sources)
    described = []
    for source in sources:
        stream = parse(source if isinstance(source, bytes) else source.read_bytes())
        described.append(replace(stream, audio=memoryview(b"")))
    starts = []
    frames = 0
    for stream in described:
        starts.append(frames * stream.format.samples_per_frame)
        frames += stream.frames
    with target.open("wb") as out:
        out.write(joined_header(described))
        for source, stream in zip(sources, described):
            data = source if isinstance(source, bytes) else source.read_bytes()
            out.write(memoryview(data)[stream.audio_offset : stream.audio_offset + stream.audio_length])
    return decoded_samples(described), starts
