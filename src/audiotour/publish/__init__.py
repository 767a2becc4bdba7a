"""Publishing the built tour as a podcast: feed, cover, chapters, transcripts.

`publish_podcast` is a publisher (see `audiotour.publishers`); `prepare_images`
checks every image and gives the cover (for `cover.jpg` and the MP3s' APIC
frame) before anything is written.
"""
from __future__ import annotations

from ..context import Cover
from ..tour import LoadedTour
from .cover import COVER_NAME, prepare_cover
from .feed import FEED_NAME
from .images import art_name, chapter_picture, check_stop_images, publish_stop_images
from .podcast import publish_podcast


def podcast_names(stems: list[str], episode_stem: str) -> list[str]:
    """Every name `publish_podcast` may write, to be checked before the build writes anything."""
    per_segment = [f"{stem}{ext}" for stem in stems for ext in (".vtt", ".srt")]
    images = [f"images/{stem}{ext}" for stem in stems for ext in (".jpg", ".png")] + [art_name(s) for s in stems]
    episode = [f"{episode_stem}{ext}" for ext in (".vtt", ".srt", ".chapters.json")]
    return [COVER_NAME, FEED_NAME, *per_segment, *images, *episode]


def prepare_images(loaded: LoadedTour) -> Cover:
    """The cover, once every image was found readable; a TourError naming the field otherwise."""
    check_stop_images(loaded)
    return prepare_cover(loaded)


__all__ = ["COVER_NAME", "Cover", "chapter_picture", "podcast_names", "prepare_images", "publish_podcast", "publish_stop_images"]
