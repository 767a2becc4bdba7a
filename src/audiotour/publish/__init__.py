"""Publishing the built tour as a podcast: feed, cover, chapters, transcripts.

`publish_podcast` is an `artifacts.Publisher`; `cover_jpeg` gives the cover
for the MP3s' APIC frame; `check_images` finds an unreadable cover or stop
image before anything is written.
"""
from __future__ import annotations

from ..tour import LoadedTour
from .cover import COVER_NAME, check_cover, cover_jpeg
from .feed import FEED_NAME
from .images import check_stop_images
from .podcast import publish_podcast


def podcast_names(stems: list[str], episode_stem: str) -> list[str]:
    """Every name `publish_podcast` may write, to be checked before the build writes anything."""
    per_segment = [f"{stem}{ext}" for stem in stems for ext in (".vtt", ".srt")]
    images = [f"images/{stem}{ext}" for stem in stems for ext in (".jpg", ".png")]
    episode = [f"{episode_stem}{ext}" for ext in (".vtt", ".srt", ".chapters.json")]
    return [COVER_NAME, FEED_NAME, *per_segment, *images, *episode]


def check_images(loaded: LoadedTour) -> None:
    """Raise a TourError naming the field of the first image that cannot be published."""
    check_cover(loaded)
    check_stop_images(loaded)


__all__ = ["COVER_NAME", "check_images", "cover_jpeg", "podcast_names", "publish_podcast"]
