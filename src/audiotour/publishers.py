"""What a build publishes beside the MP3s, once the audio exists.

Each publisher takes the `PublishContext` (the tour, the build's manifest, its
segments joined with their audio, the output folder) and writes its files
through `context.folder`, so an unchanged rebuild writes nothing and the build
knows every file it published. Stop images come first: the feed, the chapters
and the guide all show them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from .context import BuiltSegment, PublishContext
from .errors import Remedy, WorldError
from .guide import guide_names, write_guide
from .manifest import Manifest
from .outputs import OutputFolder
from .publish import podcast_names, prepare_images, publish_podcast, publish_stop_images
from .segments import make_segments
from .tour import LoadedTour

Publisher = Callable[[PublishContext], list[str]]

PUBLISHERS: list[Publisher] = [publish_podcast, write_guide]
PLANNERS: list[Callable[[list[str], str], list[str]]] = [podcast_names, guide_names]
"""For each publisher, the names it may write, given the segments' stems and the episode's."""


def planned_names(stems: list[str], episode_stem: str) -> list[str]:
    return [name for planner in PLANNERS for name in planner(stems, episode_stem)]


def publish(context: PublishContext) -> list[str]:
    """Run every publisher; the names written."""
    folder = context.folder
    already = len(folder.written)
    images = publish_stop_images(context.loaded, (s.segment for s in context.segments), folder)
    context = replace(context, stop_images=images)
    for publisher in PUBLISHERS:
        publisher(context)
    return folder.written[already:]


def context_for(loaded: LoadedTour, manifest: Manifest, output: Path, base_url: str | None,
                say: Callable[[str], None]) -> PublishContext:
    """The context for publishing an existing build again (its manifest read back) without rebuilding it."""
    records = {r.file: r for r in manifest.segments}
    segments = make_segments(loaded.tour)
    missing = [s.filename for s in segments if s.filename not in records]
    if missing or len(records) != len(segments):
        raise WorldError(f"{output} was built from another version of the tour ({', '.join(missing) or 'extra segments'})",
                         remedy=Remedy.FORCE)
    return PublishContext(loaded=loaded, manifest=manifest,
                          segments=tuple(BuiltSegment(s, records[s.filename]) for s in segments),
                          output=output, base_url=base_url, say=say,
                          folder=OutputFolder(output, owned=manifest.files or None), cover=prepare_images(loaded),
                          stop_images=publish_stop_images(loaded, segments, None))
