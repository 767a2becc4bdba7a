"""The podcast publisher: cover, transcripts, chapters and, with a base URL, `feed.xml`.

Runs after the audio; everything it writes goes through the build's
`OutputFolder`, so an unchanged rebuild writes nothing and what it stops
publishing is removed by the build.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import PurePath
from urllib.parse import quote

from .._version import __version__
from ..context import BuiltSegment, PublishContext
from ..errors import Remedy, WorldError
from ..lang import pack_for
from ..outputs import OutputFolder, check_name
from ..tour import Tour
from . import transcripts
from .chapters import CHAPTERS_TYPE, chapters_json
from .cover import COVER_NAME
from .feed import FEED_NAME, Channel, Item, Link, Place, feed_xml
from .identity import FeedIdentity, read_previous, settle_identity
from .places import geo_uri

CATEGORY = ("Society & Culture", "Places & Travel")
"""Apple's category for guided visits; the tour file has no say yet."""

LOCKED = False
"""`podcast:locked`: 'yes' would stop the tourist office itself from moving to a podcast host later."""

MAX_DESCRIPTION = 4000
"""Apple Podcasts cuts an episode's description there."""


def publish_podcast(context: PublishContext, clock: Callable[[], datetime] | None = None) -> list[str]:
    manifest = context.manifest
    tour = context.loaded.tour
    folder = context.folder
    already = len(folder.written)
    segments = context.segments
    episode_stem = PurePath(check_name(manifest.episode.file)).stem

    for note in context.cover.notes:
        context.say(note)
    folder.write(COVER_NAME, context.cover.jpeg)
    images = context.stop_images

    for entry in segments:
        cues = transcripts.segment_cues(entry)
        folder.write(f"{entry.stem}.vtt", transcripts.to_vtt(cues))
        folder.write(f"{entry.stem}.srt", transcripts.to_srt(cues))
    cues = transcripts.episode_cues(segments)
    folder.write(f"{episode_stem}.vtt", transcripts.to_vtt(cues))
    folder.write(f"{episode_stem}.srt", transcripts.to_srt(cues))

    # Without a base URL the chapters' pictures are named relative to the chapters file itself.
    base = context.base_url or ""
    chapters_name = f"{episode_stem}.chapters.json"
    folder.write(chapters_name, chapters_json(
        tour, segments, manifest.episode.file, {key: base + quote(name) for key, name in images.items()}))

    if context.base_url is None:
        context.say(f"No podcast feed: set base_url in the tour (or give the build a base URL) to the address where "
                    f"{context.output.name}/ will be served, and {FEED_NAME} will be written.")
        return folder.written[already:]

    feed_url = context.base_url + FEED_NAME
    now = (clock or _utc_now)()
    identity = settle_identity(read_previous(folder.path(FEED_NAME)), feed_url, tour.title, now)
    channel = _channel(tour, context.base_url, feed_url, identity)
    count = len(segments) + 1
    for position, entry in enumerate(segments):
        channel.items.append(_segment_item(tour, entry, folder, context.base_url, identity, position, count))
    channel.items.append(_episode_item(tour, segments, folder, context.base_url, identity, count,
                                       manifest.episode.file, manifest.episode.duration_s, episode_stem,
                                       chapters_name))
    folder.write(FEED_NAME, feed_xml(channel))
    return folder.written[already:]


def _channel(tour: Tour, base_url: str, feed_url: str, identity: FeedIdentity) -> Channel:
    return Channel(
        title=tour.title, language=tour.language, author=tour.author,
        # The credits of the music and sounds, where every podcast app shows them.
        description="\n\n".join([tour.description, *tour.credits]),
        link=base_url, feed_url=feed_url, image_url=base_url + COVER_NAME, guid=identity.guid,
        published=identity.published, generator=f"audiotour {__version__}", category=CATEGORY, locked=LOCKED,
    )


def _segment_item(tour: Tour, entry: BuiltSegment, folder: OutputFolder, base_url: str, identity: FeedIdentity,
                  position: int, count: int) -> Item:
    links = "".join(f'<p><a href="{html.escape(link.url)}">{html.escape(link.title)}</a></p>'
                    for link in entry.segment.links)
    return Item(
        title=entry.title,
        description_html=_paragraphs_html(entry.segment.narration, MAX_DESCRIPTION),
        content_html=_paragraphs_html(entry.segment.narration) + links,
        guid=identity.item_guid(entry.id),
        published=identity.item_date(position, count),
        enclosure_url=base_url + quote(entry.file),
        enclosure_length=_size(folder, entry.file),
        duration_s=entry.audio.duration_s,
        episode_type="full",
        number=entry.segment.number,
        transcripts=_transcript_links(base_url, entry.stem, tour.language),
        place=Place(entry.title[:128], geo_uri(entry.segment.location)) if entry.segment.location else None,
    )


def _episode_item(tour: Tour, segments: Sequence[BuiltSegment], folder: OutputFolder, base_url: str,
                  identity: FeedIdentity, count: int, file: str, duration_s: float, stem: str,
                  chapters_name: str) -> Item:
    # Timestamps in the notes become chapter links in apps that ignore chapter files.
    contents = [f"{_clock(e.audio.start_s)} {e.title}" for e in segments]
    notes = _paragraphs_html([tour.description]) + "<p>" + "<br/>".join(html.escape(c) for c in contents) + "</p>"
    title = pack_for(tour.language).whole_tour_title.format(title=tour.title)
    return Item(
        title=title, description_html=notes, content_html=notes,
        guid=identity.item_guid(file), published=identity.item_date(count - 1, count),
        enclosure_url=base_url + quote(file), enclosure_length=_size(folder, file), duration_s=duration_s,
        episode_type="bonus", transcripts=_transcript_links(base_url, stem, tour.language),
        chapters=Link(base_url + quote(chapters_name), CHAPTERS_TYPE),
    )


def _transcript_links(base_url: str, stem: str, language: str) -> tuple[Link, ...]:
    return (Link(base_url + quote(f"{stem}.vtt"), transcripts.VTT_TYPE, language, "captions"),
            Link(base_url + quote(f"{stem}.srt"), transcripts.SRT_TYPE, language, "captions"))


def _paragraphs_html(paragraphs: Sequence[str], limit: int | None = None) -> str:
    out = ""
    for paragraph in paragraphs:
        piece = f"<p>{html.escape(paragraph, quote=False)}</p>"
        if limit is not None and len(out) + len(piece) > limit:
            room = limit - len(out) - len("<p>…</p>")
            if room > 40:
                cut = paragraph[:room].rsplit(" ", 1)[0]
                out += f"<p>{html.escape(cut, quote=False)}…</p>"
            break
        out += piece
    return out


def _size(folder: OutputFolder, name: str) -> int:
    """The file's real length: apps check the enclosure's bytes against it."""
    try:
        return folder.path(name).stat().st_size
    except FileNotFoundError:
        raise WorldError(f"{folder.root / name} is missing", remedy=Remedy.FORCE) from None


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)
