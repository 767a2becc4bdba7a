"""The podcast publisher: cover, transcripts, chapters and, with a base URL, `feed.xml`.

Runs after the audio; everything it writes goes through the build's
`OutputFolder`, so an unchanged rebuild writes nothing and what it stops
publishing is removed by the build.
"""
from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import PurePath
from urllib.parse import urljoin

from .._version import __version__
from ..categories import DEFAULT_CATEGORY
from ..context import BuiltSegment, PublishContext
from ..errors import Remedy, WorldError
from ..lang import pack_for
from ..outputs import OutputFolder, check_name
from ..tour import Tour
from ..urls import url_for
from . import transcripts
from .chapters import CHAPTERS_TYPE, chapters_json
from .cover import COVER_NAME
from .feed import FEED_NAME, Channel, Item, Link, Person, Place, feed_xml
from .identity import first_moment, item_date, read_previous, settle_guid
from .images import art_name, episode_art
from .places import geo_uri, tour_area

LOCKED = False
"""`podcast:locked`: 'yes' would stop the tourist office itself from moving to a podcast host later."""

MAX_DESCRIPTION = 4000
"""Apple Podcasts takes a show's or an episode's description up to 4000 bytes."""


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
    base = context.base_url
    chapters_name = f"{episode_stem}.chapters.json"
    folder.write(chapters_name, chapters_json(
        tour, segments, manifest.episode.file, {key: url_for(base, name) for key, name in images.items()}))

    if base is None:
        context.say(f"No podcast feed: set base_url in the tour (or give the build a base URL) to the address where "
                    f"{context.output.name}/ will be served, and {FEED_NAME} will be written.")
        return folder.written[already:]

    art: dict[str, str] = {}
    if tour.podcast.items == "segments":
        for entry in segments:
            data = episode_art(context.loaded, entry.segment)
            if data is not None:
                folder.write(art_name(entry.stem), data)
                art[entry.id] = url_for(base, art_name(entry.stem))

    feed_url = url_for(base, FEED_NAME)
    previous = read_previous(folder.path(FEED_NAME))
    guid = settle_guid(previous, feed_url, tour.title)
    first = first_moment(tour.podcast.published or manifest.published or _utc_now().date())
    if tour.podcast.items == "whole":
        items = [_episode_item(tour, segments, folder, base, guid, first, manifest.episode.file,
                               manifest.episode.duration_s, episode_stem, chapters_name)]
    else:
        items = [_segment_item(tour, entry, folder, base, guid, first, position, art)
                 for position, entry in enumerate(segments)]
    newest = max(item.published for item in items)
    channel = _channel(tour, base, feed_url, guid, newest)
    # The same tour in other languages: a feed each, linked from here and named in the description.
    others = tuple((a.language, a.name, urljoin(base, a.href + FEED_NAME)) for a in context.alternates if a.href)
    if others:
        also = pack_for(tour.language).also_in
        lines = "\n".join(also.format(name=name, url=url) for _, name, url in others)
        channel = replace(channel, alternates=others,
                          description=_shortened(f"{tour.description}\n\n{lines}", MAX_DESCRIPTION))
    channel.items.extend(items)

    # lastBuildDate: kept while the content stays the same; the newest episode's date on a clean build;
    # this build's time when the content changed since the last one.
    try:
        before: bytes | None = folder.path(FEED_NAME).read_bytes()
    except OSError:
        before = None
    kept = previous.last_build if previous.guid == guid and previous.last_build else newest
    body = feed_xml(_with_last_build(channel, kept))
    if before is not None and body != before and previous.guid is not None:
        now = (clock or _utc_now)().astimezone(timezone.utc).replace(microsecond=0)
        body = feed_xml(_with_last_build(channel, max(now, newest)))
    folder.write(FEED_NAME, body)
    return folder.written[already:]


def _with_last_build(channel: Channel, moment: datetime) -> Channel:
    return replace(channel, last_build=moment)


def _channel(tour: Tour, base_url: str, feed_url: str, guid: str, newest: datetime) -> Channel:
    podcast = tour.podcast
    owner = podcast.owner
    license_ = podcast.license
    return Channel(
        title=tour.title, description=_shortened("\n\n".join([tour.description, *tour.credits]), MAX_DESCRIPTION), language=tour.language,
        author=tour.author, link=podcast.link or base_url, feed_url=feed_url, image_url=url_for(base_url, COVER_NAME), guid=guid,
        published=newest, last_build=newest, generator=f"audiotour {__version__}",
        categories=tuple(tuple(c.split("/")) for c in (podcast.categories or [DEFAULT_CATEGORY])), locked=LOCKED,
        owner_name=(owner.name if owner and owner.name else tour.author), owner_email=owner.email if owner else None,
        explicit=podcast.explicit, show_type=podcast.type, copyright=podcast.copyright, complete=podcast.complete,
        license=None if license_ is None else (license_, None) if isinstance(license_, str)
        else (license_.name, license_.url),
        persons=tuple(Person(p.name, p.role, p.link) for p in podcast.persons),
        place=tour_area(tour),
    )


def _segment_item(tour: Tour, entry: BuiltSegment, folder: OutputFolder, base_url: str, guid: str,
                  first: datetime, position: int, art: Mapping[str, str]) -> Item:
    links = "".join(f'<p><a href="{_attribute(link.url)}">{_html(link.title)}</a></p>'
                    for link in entry.segment.links)
    location = entry.segment.location
    return Item(
        title=entry.title,
        description_html=_paragraphs_html(entry.segment.narration, MAX_DESCRIPTION),
        content_html=_paragraphs_html(entry.segment.narration) + links,
        guid=f"{guid}/{entry.id}",
        published=item_date(first, position),
        enclosure_url=url_for(base_url, entry.file),
        enclosure_length=_size(folder, entry.file),
        duration_s=entry.audio.duration_s,
        episode_type="full",
        number=entry.segment.number,
        transcripts=_transcript_links(base_url, entry.stem, tour.language),
        place=Place(entry.title[:128], geo_uri(location), location.osm) if location else None,
        link=_page(tour, base_url, entry.id),
        image_url=art.get(entry.id),
        explicit=tour.podcast.explicit,
    )


def _episode_item(tour: Tour, segments: Sequence[BuiltSegment], folder: OutputFolder, base_url: str,
                  guid: str, first: datetime, file: str, duration_s: float, stem: str,
                  chapters_name: str) -> Item:
    # Timestamps in the notes become chapter links in apps that ignore chapter files.
    contents = [f"{_clock(e.audio.start_s)} {e.title}" for e in segments]
    notes = _paragraphs_html([tour.description]) + "<p>" + "<br/>".join(_html(c) for c in contents) + "</p>"
    title = pack_for(tour.language).whole_tour_title.format(title=tour.title)
    return Item(
        title=title, description_html=notes, content_html=notes,
        guid=f"{guid}/{file}", published=first,
        enclosure_url=url_for(base_url, file), enclosure_length=_size(folder, file), duration_s=duration_s,
        episode_type="full", number=1, transcripts=_transcript_links(base_url, stem, tour.language),
        chapters=Link(url_for(base_url, chapters_name), CHAPTERS_TYPE),
        link=tour.podcast.link or base_url, explicit=tour.podcast.explicit,
    )


def _page(tour: Tour, base_url: str, segment_id: str) -> str:
    """The web page of an episode: the guide, at that segment (or the podcast's own page when given)."""
    return tour.podcast.link or f"{base_url}#{segment_id}"


def _shortened(text: str, limit: int) -> str:
    """``text`` within ``limit`` bytes of UTF-8, cut after a word, with an ellipsis."""
    if len(text.encode("utf-8")) <= limit:
        return text
    cut = text.encode("utf-8")[: limit - len("…".encode("utf-8"))].decode("utf-8", "ignore")
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "…"


def _transcript_links(base_url: str, stem: str, language: str) -> tuple[Link, ...]:
    return (Link(url_for(base_url, f"{stem}.vtt"), transcripts.VTT_TYPE, language, "captions"),
            Link(url_for(base_url, f"{stem}.srt"), transcripts.SRT_TYPE, language, "captions"))


def _html(text: str) -> str:
    """Text in HTML, escaped once: '&', '<' and '>' only (an apostrophe stays one, not '&#x27;')."""
    return html.escape(text, quote=False)


def _attribute(text: str) -> str:
    """Text in a double-quoted HTML attribute."""
    return html.escape(text, quote=False).replace('"', "&quot;")


def _paragraphs_html(paragraphs: Sequence[str], limit: int | None = None) -> str:
    out = ""
    for paragraph in paragraphs:
        piece = f"<p>{_html(paragraph)}</p>"
        if limit is not None and len((out + piece).encode("utf-8")) > limit:
            room = limit - len(out.encode("utf-8")) - len("<p>…</p>".encode("utf-8"))
            if room > 40:
                cut = paragraph.encode("utf-8")[:room].decode("utf-8", "ignore")
                while len(f"<p>{_html(cut)}…</p>".encode("utf-8")) > limit - len(out.encode("utf-8")):
                    cut = cut[:-1]
                cut = cut.rsplit(" ", 1)[0] if " " in cut else cut
                out += f"<p>{_html(cut)}…</p>"
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
