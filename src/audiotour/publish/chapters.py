"""Podcasting 2.0 JSON chapters for the episode: one per segment, with place, image and link.

They mirror the ID3 chapters of `tour.mp3` (same starts, same titles) and add
what ID3 cannot carry to podcast apps: where each stop is, and its picture.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..context import BuiltSegment
from ..tour import Tour
from .places import geo_uri

CHAPTERS_TYPE = "application/json+chapters"
VERSION = "1.2.0"


def chapters_json(tour: Tour, entries: Sequence[BuiltSegment], episode_file: str, images: Mapping[str, str]) -> bytes:
    """``images``: segment id → URL of its picture (absolute when the feed's base is known)."""
    chapters: list[dict[str, Any]] = []
    for entry in entries:
        chapter: dict[str, Any] = {"startTime": round(entry.audio.start_s, 3), "title": entry.title}
        if entry.id in images:
            chapter["img"] = images[entry.id]
        if entry.segment.link:
            chapter["url"] = entry.segment.link
        if entry.segment.location:
            chapter["location"] = {"name": entry.title[:128], "geo": geo_uri(entry.segment.location)}
            if entry.segment.location.osm:
                chapter["location"]["osm"] = entry.segment.location.osm
        chapters.append(chapter)
    document: dict[str, Any] = {
        "version": VERSION,
        "title": tour.title,
        "author": tour.author,
        "podcastName": tour.title,
        "description": tour.description,
        "fileName": episode_file,
    }
    if sum(1 for e in entries if e.segment.location) >= 2:
        # Apps that draw a map join the chapters' places as a route: this is a walk.
        document["waypoints"] = True
    document["chapters"] = chapters
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
