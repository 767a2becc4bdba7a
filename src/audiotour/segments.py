"""From a tour to its segments: the one record of each part of the tour that every later stage reads.

A `Segment` is made once from the tour (`make_segments`) and never changes:
what it is (intro, stop, outro), what it says as written (for transcripts and
notes) and as spoken (normalised by its language pack, then the tour's
lexicon), sentence by sentence, and where it is. Rendering, the episode, the
manifest and every publisher read these records rather than the tour.
Synthesising sentence by sentence is what lets the assembly control pauses
and know where each sentence starts.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from .lang import pack_for, speakable, split_paragraphs, unmarked
from .tour import Link, Location, Stop, Tour, Way

SegmentKind = Literal["intro", "stop", "outro"]


@dataclass(frozen=True)
class Sentence:
    written: str
    spoken: str


@dataclass(frozen=True)
class Segment:
    """One part of the tour, rendered as one MP3: the intro, a stop or the outro."""

    index: int
    """Position in the tour, from 0."""
    id: str
    kind: SegmentKind
    title: str
    paragraphs: tuple[tuple[Sentence, ...], ...]
    """What is spoken, paragraph by paragraph: the title first (a guide announces where we are), then the narration."""
    narration: tuple[str, ...]
    """The narration as written, one string per paragraph (without the title)."""
    digits: int = 2
    """Width of the number in file names: every name sorts in tour order."""
    stop: Stop | None = None
    stop_index: int | None = None
    """Where the stop is in the tour's `stops` (for errors naming its fields)."""

    @property
    def number(self) -> int:
        """Position from 1: the listener's order, the track number and `itunes:episode`."""
        return self.index + 1

    @property
    def stem(self) -> str:
        """``03-cavalaire``: every file published for this segment shares the MP3's name."""
        return f"{self.index:0{self.digits}d}-{self.id}"

    @property
    def filename(self) -> str:
        return f"{self.stem}.mp3"

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(s for paragraph in self.paragraphs for s in paragraph)

    @property
    def spoken_text(self) -> str:
        return "\n\n".join(" ".join(s.spoken for s in p) for p in self.paragraphs)

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.spoken_text.encode("utf-8")).hexdigest()

    @property
    def way(self) -> Way | None:
        """How to reach the next stop, spoken at the end of this one."""
        return self.stop.way if self.stop else None

    @property
    def location(self) -> Location | None:
        return self.stop.location if self.stop else None

    @property
    def links(self) -> tuple[Link, ...]:
        return tuple(self.stop.links) if self.stop else ()

    @property
    def link(self) -> str | None:
        """The first link: where a chapter or an episode points."""
        return self.links[0].url if self.links else None


def make_segments(tour: Tour, engine: str | None = None) -> tuple[Segment, ...]:
    """``engine``: whose lexicon entries to use (its own respellings and phonemes); None: the shared ones."""
    sections: list[tuple[str, SegmentKind, str, str, Stop | None, int | None]] = []
    if tour.intro:
        sections.append(("intro", "intro", tour.intro.title, tour.intro.narration, None, None))
    sections += [(stop.slug, "stop", stop.title, stop.narration, stop, i) for i, stop in enumerate(tour.stops)]
    if tour.outro:
        sections.append(("outro", "outro", tour.outro.title, tour.outro.narration, None, None))
    pack = pack_for(tour.language)
    lexicon = tour.lexicon_for(engine)
    digits = max(2, len(str(len(sections) - 1)))

    def sentence(text: str) -> Sentence:
        # A span in another language is published as written, without its marks.
        return Sentence(written=unmarked(text), spoken=speakable(text, tour.language, lexicon))

    segments = []
    for index, (segment_id, kind, title, text, stop, stop_index) in enumerate(sections):
        narration = tuple(split_paragraphs(text))
        paragraphs: list[tuple[Sentence, ...]] = [(sentence(title),)]
        paragraphs += [tuple(sentence(s) for s in pack.split_sentences(p)) for p in narration]
        if stop is not None and stop.way is not None:
            # The way to the next stop ends the stop, as its own paragraph: what the visitor hears last.
            told = " ".join(x for x in (stop.way.directions, stop.way.parking) if x)
            paragraphs.append(tuple(sentence(s) for p in split_paragraphs(told) for s in pack.split_sentences(p)))
        segments.append(Segment(index, segment_id, kind, title, tuple(p for p in paragraphs if p), narration,
                                digits, stop, stop_index))
    return tuple(segments)
