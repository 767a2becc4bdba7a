"""What a build publishes beside the MP3s, once the audio exists.

Each publisher takes the tour, the build's manifest and the output folder and
writes its files through `context.folder` (so an unchanged rebuild writes
nothing, and the build knows every file it published); it returns the names
it wrote.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import Manifest
from .outputs import OutputFolder
from .publish.cover import Cover
from .tour import LoadedTour


@dataclass
class PublishContext:
    loaded: LoadedTour
    manifest: Manifest
    output: Path
    base_url: str | None
    """Absolute URL where `output` will be served, ending with '/'; None when unknown."""
    say: Callable[[str], None]
    folder: OutputFolder = None  # type: ignore[assignment]
    """Created for `output` when not given."""
    cover: Cover | None = None
    """The cover, prepared once per build (it is also in every MP3's tags); prepared here when absent."""
    stop_images: dict[str, str] = field(default_factory=dict)
    """Segment id → published image name, filled by the podcast publisher for the guide."""

    def __post_init__(self) -> None:
        if self.folder is None:
            self.folder = OutputFolder(self.output)


Publisher = Callable[[PublishContext], list[str]]

# Publishers need PublishContext defined above. The guide comes last: it shows
# the cover and stop images the podcast publisher writes.
from .guide import guide_names, write_guide  # noqa: E402
from .publish import podcast_names, publish_podcast  # noqa: E402

PUBLISHERS: list[Publisher] = [publish_podcast, write_guide]
PLANNERS: list[Callable[[list[str], str], list[str]]] = [podcast_names, guide_names]
"""For each publisher, the names it may write, given the segments' stems and the episode's."""


def planned_names(stems: list[str], episode_stem: str) -> list[str]:
    return [name for planner in PLANNERS for name in planner(stems, episode_stem)]


def publish(context: PublishContext) -> list[str]:
    written: list[str] = []
    for publisher in PUBLISHERS:
        written += publisher(context)
    return written
