"""What must not change from one build to the next: the podcast's guid, items' guids, dates.

Podcast apps know a show by its `podcast:guid` and an episode by its `guid`;
if either changed, subscribers would see the tour twice. Dates order the
episodes in apps that sort by date, and must not move on a rebuild.

- `podcast:guid` is the Podcasting 2.0 recipe: a UUIDv5 of the feed's URL.
  When the feed moves (a new base URL) but an earlier `feed.xml` in the output
  holds the same title, its guid is kept: it is the same podcast.
- An item's guid is ``<podcast guid>/<segment id>`` (the whole tour:
  ``<podcast guid>/tour.mp3``, which no segment id can be): editing a stop's
  text keeps it, renaming a stop without an explicit `id` does not.
- Dates derive from one day, never from the clock of the build: the tour's
  `podcast.published`, else the day of the first build into this folder (the
  manifest keeps it). Item ``i`` is dated ``i`` minutes after it, so every app,
  whether it sorts by date or by episode number, lists the tour in order; two
  clean builds in separate folders give the same dates.
- `lastBuildDate` is the newest item's date on a clean build, and the time of
  the build that changed the feed's content afterwards (an edited stop's new
  enclosure length): apps that watch it see the change, nothing else moves.
"""
from __future__ import annotations

import contextlib
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

PODCAST_NAMESPACE = "https://podcastindex.org/namespace/1.0"
GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
"""Fixed by the Podcasting 2.0 `podcast:guid` specification."""


def podcast_guid_for(feed_url: str) -> str:
    """The spec's recipe: scheme and trailing slashes stripped, then UUIDv5."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(GUID_NAMESPACE, bare))


@dataclass(frozen=True)
class PreviousFeed:
    """What an earlier build's `feed.xml` fixed; all None when there is none (or it is unreadable)."""

    guid: str | None = None
    title: str | None = None
    published: datetime | None = None
    last_build: datetime | None = None


def read_previous(path: Path) -> PreviousFeed:
    try:
        channel = ET.parse(path).getroot().find("channel")
    except (OSError, ET.ParseError):
        return PreviousFeed()
    if channel is None:
        return PreviousFeed()
    return PreviousFeed(channel.findtext(f"{{{PODCAST_NAMESPACE}}}guid"), channel.findtext("title"),
                        _gmt(channel.findtext("pubDate")), _gmt(channel.findtext("lastBuildDate")))


def _gmt(text: str | None) -> datetime | None:
    moment = None
    with contextlib.suppress(TypeError, ValueError):
        moment = parsedate_to_datetime(text or "")
    if moment is None:
        return None
    # RFC 2822 "-0000" reads as naive; any other offset is brought to GMT, as the feed writes it.
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def settle_guid(previous: PreviousFeed, feed_url: str, title: str) -> str:
    """The podcast's guid: from its feed's address, unless an earlier feed of the same title moved here."""
    guid = podcast_guid_for(feed_url)
    if previous.guid and previous.guid != guid and previous.title == title:
        return previous.guid  # the feed moved; the podcast did not
    return guid


def first_moment(published: date | datetime | str) -> datetime:
    """When the first episode is dated: a day means its midnight, GMT; a time without a zone is GMT."""
    if isinstance(published, str):
        published = date.fromisoformat(published)
    if not isinstance(published, datetime):
        published = datetime.combine(published, time(0, 0))
    if published.tzinfo is None:
        published = published.replace(tzinfo=timezone.utc)
    return published.astimezone(timezone.utc).replace(microsecond=0)


def item_date(first: datetime, position: int) -> datetime:
    """Episode ``position`` (from 0, in tour order) is dated that many minutes after the first."""
    return first + timedelta(minutes=position)
