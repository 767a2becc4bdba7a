"""Timed transcripts, WebVTT and SRT: one cue per sentence, as the build timed it.

Times come from the manifest (what was actually produced), so a cue shows
exactly while its sentence is spoken; the episode's cues are each segment's,
moved by where that segment starts in `tour.mp3`.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..context import BuiltSegment

VTT_TYPE = "text/vtt"
SRT_TYPE = "application/x-subrip"


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


def segment_cues(entry: BuiltSegment, offset_s: float = 0.0) -> list[Cue]:
    cues = []
    for sentence in entry.audio.sentences:
        start = _ms(offset_s + sentence.start_s)
        # A cue must end after it starts, even for a sentence rounded to nothing.
        cues.append(Cue(start, max(_ms(offset_s + sentence.end_s), start + 1), " ".join(sentence.text.split())))
    return cues


def episode_cues(entries: Sequence[BuiltSegment]) -> list[Cue]:
    return [cue for entry in entries for cue in segment_cues(entry, entry.audio.start_s)]


def to_vtt(cues: list[Cue]) -> bytes:
    blocks = ["WEBVTT"]
    for cue in cues:
        blocks.append(f"{_time(cue.start_ms, '.')} --> {_time(cue.end_ms, '.')}\n{_vtt_escape(cue.text)}")
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def to_srt(cues: list[Cue]) -> bytes:
    blocks = []
    for number, cue in enumerate(cues, start=1):
        blocks.append(f"{number}\n{_time(cue.start_ms, ',')} --> {_time(cue.end_ms, ',')}\n{_srt_plain(cue.text)}")
    return ("\n\n".join(blocks) + "\n").encode("utf-8")


def _srt_plain(text: str) -> str:
    """SRT has no escapes, yet players read `<b>`, `<i>`, `<font …>` and `{\\an8}` in it as formatting: the text
    stays plain by writing angle brackets as their look-alikes (‹ ›) and keeping `{` from meeting a backslash."""
    return text.replace("<", "\u2039").replace(">", "\u203a").replace("{\\", "{ \\")


def _vtt_escape(text: str) -> str:
    # '<' opens a tag and '&' an entity in a cue; '>' also keeps "-->" from reading as a timing.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


def _time(ms: int, decimal: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal}{millis:03d}"
