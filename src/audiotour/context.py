"""What every publisher is given: the build's segments joined with their audio, once.

A leaf module: the publishers (`publish/`, `guide/`) and the build import it;
it imports neither, so no import runs in a circle.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import Manifest, SegmentRecord
from .outputs import OutputFolder
from .segments import Segment
from .tour import LoadedTour


@dataclass(frozen=True)
class Cover:
    """The tour's cover, podcast-ready: in `cover.jpg` and in every MP3's tags."""

    jpeg: bytes
    notes: tuple[str, ...] = ()
    """What had to be done to the user's image, to tell them once per build."""


@dataclass(frozen=True)
class Alternate:
    """The same tour in another language, published beside this one."""

    language: str
    """Its language tag, e.g. ``en``."""
    name: str
    """The language's own name, e.g. ``English``."""
    href: str
    """Its folder relative to this one, ending with '/' (``en/``, ``../``); ``""`` for this very edition."""


@dataclass(frozen=True)
class BuiltSegment:
    """One segment as built: what it says (the tour's record) and where its audio is (the build's)."""

    segment: Segment
    audio: SegmentRecord

    @property
    def id(self) -> str:
        return self.segment.id

    @property
    def title(self) -> str:
        return self.segment.title

    @property
    def file(self) -> str:
        return self.audio.file

    @property
    def stem(self) -> str:
        return self.segment.stem


@dataclass(frozen=True)
class PublishContext:
    loaded: LoadedTour
    manifest: Manifest
    segments: tuple[BuiltSegment, ...]
    output: Path
    base_url: str | None
    """Absolute URL where `output` will be served, ending with '/'; None when unknown."""
    say: Callable[[str], None]
    folder: OutputFolder
    cover: Cover
    """Prepared once per build (it is also in every MP3's tags)."""

    alternates: tuple[Alternate, ...] = ()
    """Every language of the tour, this one included (empty for a tour in one language)."""
    stop_images: Mapping[str, str] = field(default_factory=dict)
    """Segment id → published image name, once the images are published (see `publishers.publish`)."""
