"""What the publishers know about each segment: the build's record joined with the tour's text.

The manifest says where each segment is and how long it lasts; the tour says
what it is about (narration, place, image, links). Publishers need both.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath

from ..errors import TourError, WorldError
from ..manifest import Manifest, SegmentRecord
from ..outputs import check_name
from ..script import split_paragraphs
from ..tour import LoadedTour, Location, Stop
from ..yamlsource import PathKey


@dataclass(frozen=True)
class Entry:
    number: int
    """Position in the tour, from 1: the listener's order and `itunes:episode`."""
    record: SegmentRecord
    paragraphs: tuple[str, ...]
    """The narration as written (not as spoken), one string per paragraph."""
    stop: Stop | None = None
    stop_index: int | None = None

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def title(self) -> str:
        return self.record.title

    @property
    def file(self) -> str:
        return self.record.file

    @property
    def stem(self) -> str:
        """``03-cavalaire``: every file published for this segment shares the MP3's name."""
        return PurePath(self.record.file).stem

    @property
    def location(self) -> Location | None:
        return self.stop.location if self.stop else None

    @property
    def link(self) -> str | None:
        return self.stop.links[0].url if self.stop and self.stop.links else None


def entries(loaded: LoadedTour, manifest: Manifest) -> list[Entry]:
    tour = loaded.tour
    texts: dict[str, tuple[str, Stop | None, int | None]] = {}
    if tour.intro:
        texts["intro"] = (tour.intro.narration, None, None)
    for position, place in enumerate(tour.stops):
        texts[place.slug] = (place.narration, place, position)
    if tour.outro:
        texts["outro"] = (tour.outro.narration, None, None)

    result = []
    for number, record in enumerate(manifest.segments, start=1):
        check_name(record.file)
        if record.id not in texts:
            # The manifest is this build's own: a mismatch is a bug, not the user's mistake.
            raise WorldError(f"manifest.json lists segment {record.id!r}, which the tour does not have; "
                             "rebuild with --force")
        narration, stop, index = texts[record.id]
        result.append(Entry(number, record, tuple(split_paragraphs(narration)), stop, index))
    return result


def geo_uri(location: Location) -> str:
    """RFC 5870 ``geo:lat,lon``; six decimals is ten centimetres, and never an exponent."""
    return f"geo:{_coordinate(location.lat)},{_coordinate(location.lon)}"


def _coordinate(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def tour_error(loaded: LoadedTour, key: PathKey, reason: str) -> TourError:
    """A TourError naming the line of ``key`` in the tour file."""
    return loaded.error(key, reason)
