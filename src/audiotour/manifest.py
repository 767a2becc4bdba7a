"""manifest.json: the record of a build, and what the next build compares against."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .fsutil import atomic_write_text

MANIFEST_NAME = "manifest.json"


@dataclass(frozen=True)
class SentenceRecord:
    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class SegmentRecord:
    id: str
    title: str
    file: str
    start_s: float
    duration_s: float
    engine: str
    voice: str
    text_sha256: str
    synthesized: bool
    kind: str = "stop"
    samples: int = 0
    mtime_ns: int = 0
    start_sample: int = 0
    """Where the segment starts in the episode, in samples at the output rate."""
    size_bytes: int = 0
    loudness_lufs: float | None = None
    """Integrated loudness of the file as decoded, two-speaker reading (BS.1770)."""
    true_peak_dbtp: float | None = None
    audio_fingerprint: str = ""
    tags_fingerprint: str = ""
    sentences: tuple[SentenceRecord, ...] = ()
    words_per_minute: float | None = None
    """Words heard a minute, measured on the audio from the first word to the last, pauses included."""
    lead_s: float = 0.0
    """Silence at the start of the file: the episode's pause between segments counts it."""
    trail_s: float = 0.0
    """Silence at the end of the file."""


@dataclass(frozen=True)
class EpisodeRecord:
    file: str
    duration_s: float
    samples: int = 0
    size_bytes: int = 0
    audio_fingerprint: str = ""
    tags_fingerprint: str = ""
    mtime_ns: int = 0


@dataclass(frozen=True)
class Manifest:
    tour: str
    language: str
    built_at: str
    episode: EpisodeRecord
    segments: tuple[SegmentRecord, ...]
    generator: str = ""
    sample_rate: int = 0
    bitrate_kbps: int = 0
    year: int = 0
    """The year of the first build, in every MP3's tags."""
    files: tuple[str, ...] = ()
    """Every file this build wrote or kept in the folder: the next build removes only from these."""
    languages: dict[str, str] = field(default_factory=dict)
    """A tour in several languages: each language's folder, relative to this one ("" for this one)."""
    published: str = ""
    """The day of the first build (ISO 8601): the feed's dates derive from it when the tour gives none."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"

    def same_build_as(self, other: Manifest | None) -> bool:
        """True when the files are the same: nothing differs but what describes the run (its time, and
        whether speech was synthesised in it)."""
        if other is None:
            return False
        return _build_facts(self) == _build_facts(other)


def _build_facts(manifest: Manifest) -> dict[str, Any]:
    facts = asdict(manifest)
    facts.pop("built_at")
    for segment in facts["segments"]:
        segment.pop("synthesized")
    return facts


def write_manifest(folder: Path, manifest: Manifest) -> None:
    atomic_write_text(folder / MANIFEST_NAME, manifest.to_json())


def read_manifest(folder: Path) -> Manifest | None:
    """The previous build's record, or None when absent or unreadable (then everything is rebuilt)."""
    try:
        data: dict[str, Any] = json.loads((folder / MANIFEST_NAME).read_text("utf-8"))
        segments = tuple(_segment_record(s) for s in data["segments"])
        return Manifest(**{**data, "episode": EpisodeRecord(**data["episode"]), "segments": segments,
                           "files": tuple(data.get("files", ()))})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _segment_record(data: dict[str, Any]) -> SegmentRecord:
    return SegmentRecord(**{**data, "sentences": tuple(SentenceRecord(**x) for x in data.get("sentences", []))})


def segment_record_from_json(data: dict[str, Any]) -> SegmentRecord | None:
    """A segment's record as `dataclasses.asdict` gave it (in a journal); None when it is not one."""
    try:
        return _segment_record(data)
    except (TypeError, ValueError, AttributeError):
        return None


def digest(value: object) -> str:
    """A short, stable fingerprint of JSON-able data: what a build compares to know nothing changed."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def unchanged_file(path: Path, size: int, mtime_ns: int) -> bool:
    """The file is the one a build recorded (a rewrite by an interrupted build changes its time)."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return False
    return stat.st_size == size and stat.st_mtime_ns == mtime_ns
