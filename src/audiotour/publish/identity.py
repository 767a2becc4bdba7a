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
- Dates: the feed's first build fixes one moment (kept in the channel's
  `pubDate`); item ``i`` of ``n`` is dated ``n - 1 - i`` minutes before it, so
  every app, whether it sorts by date or by episode number, lists the tour in
  order, and nothing is dated in the future.
"""
from __future__ import annotations

import contextlib
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
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


def read_previous(path: Path) -> PreviousFeed:
    try:
        channel = ET.parse(path).getroot().find("channel")
    except (OSError, ET.ParseError):
        return PreviousFeed()
    if channel is None:
        return PreviousFeed()
    published = None
    with contextlib.suppress(TypeError, ValueError):
        published = parsedate_to_datetime(channel.findtext("pubDate") or "")
    if published is not None:
        # RFC 2822 "-0000" reads as naive; any other offset is brought to GMT, as the feed writes it.
        published = published.replace(tzinfo=timezone.utc) if published.tzinfo is None \
            else published.astimezone(timezone.utc)
    return PreviousFeed(channel.findtext(f"{{{PODCAST_NAMESPACE}}}guid"), channel.findtext("title"), published)


@dataclass(frozen=True)
class FeedIdentity:
    guid: str
    published: datetime
    """When the podcast was first published: the newest item's date."""

    def item_guid(self, key: str) -> str:
        return f"{self.guid}/{key}"

    def item_date(self, position: int, count: int) -> datetime:
        return self.published - timedelta(minutes=count - 1 - position)


def settle_identity(previous: PreviousFeed, feed_url: str, title: str, now: datetime) -> FeedIdentity:
    guid = podcast_guid_for(feed_url)
    if previous.guid and previous.guid != guid and previous.title == title:
        guid = previous.guid  # the feed moved; the podcast did not
    published = previous.published if previous.guid == guid and previous.published else None
    return FeedIdentity(guid, published or now.astimezone(timezone.utc).replace(second=0, microsecond=0))
