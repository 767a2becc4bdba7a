"""manifest.json: the record of a build, and what the next build compares against."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .fsutil import atomic_write_text

MANIFEST_NAME = "manifest.json"


@dataclass
class SentenceRecord:
    start_s: float
    end_s: float
    text: str


@dataclass
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
    sentences: list[SentenceRecord] = field(default_factory=list)


@dataclass
class EpisodeRecord:
    file: str
    duration_s: float
    samples: int = 0
    size_bytes: int = 0
    audio_fingerprint: str = ""
    tags_fingerprint: str = ""
    mtime_ns: int = 0


@dataclass
class Manifest:
    tour: str
    language: str
    built_at: str
    episode: EpisodeRecord
    segments: list[SegmentRecord]
    generator: str = ""
    sample_rate: int = 0
    bitrate_kbps: int = 0
    year: int = 0
    """The year of the first build, in every MP3's tags."""
    files: list[str] = field(default_factory=list)
    """Every file this build wrote or kept in the folder: the next build removes only from these."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"

    def same_build_as(self, other: Manifest | None) -> bool:
        """True when nothing but the build time differs."""
        if other is None:
            return False
        mine, theirs = asdict(self), asdict(other)
        mine.pop("built_at")
        theirs.pop("built_at")
        return mine == theirs


def write_manifest(folder: Path, manifest: Manifest) -> None:
    atomic_write_text(folder / MANIFEST_NAME, manifest.to_json())


def read_manifest(folder: Path) -> Manifest | None:
    """The previous build's record, or None when absent or unreadable (then everything is rebuilt)."""
    try:
        data: dict[str, Any] = json.loads((folder / MANIFEST_NAME).read_text("utf-8"))
        segments = [
            SegmentRecord(**{**s, "sentences": [SentenceRecord(**x) for x in s.get("sentences", [])]})
            for s in data["segments"]
        ]
        return Manifest(**{**data, "episode": EpisodeRecord(**data["episode"]), "segments": segments})
    except (OSError, ValueError, KeyError, TypeError):
        return None
