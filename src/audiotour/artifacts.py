"""What a build publishes beside the MP3s, once the audio and manifest exist.

Each publisher takes the tour, the build's manifest and the output folder,
writes its files with `fsutil.write_if_changed` (so an unchanged rebuild
writes nothing) and returns the names it wrote.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .manifest import Manifest
from .tour import LoadedTour


@dataclass(frozen=True)
class PublishContext:
    loaded: LoadedTour
    manifest: Manifest
    output: Path
    base_url: str | None
    """Absolute URL where `output` will be served, ending with '/'; None when unknown."""
    say: Callable[[str], None]


Publisher = Callable[[PublishContext], list[str]]

# Publishers need PublishContext defined above. The guide comes last: it shows
# the cover the podcast publisher writes, and must see it on the first build.
from .guide import write_guide  # noqa: E402
from .publish import publish_podcast  # noqa: E402

PUBLISHERS: list[Publisher] = [publish_podcast, write_guide]


def publish(context: PublishContext) -> list[str]:
    written: list[str] = []
    for publisher in PUBLISHERS:
        written += publisher(context)
    return written
