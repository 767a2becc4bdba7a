"""From a tour to a script: the parts to record, each as paragraphs of sentences.

Each sentence keeps the text as written (for transcripts) and the text an
engine is given (normalised, then the tour's lexicon). Synthesising sentence
by sentence is what lets the assembly control pauses and know where each
sentence starts.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from .normalize import apply_lexicon, normalize
from .tour import Stop, Tour

PartKind = Literal["intro", "stop", "outro"]


@dataclass(frozen=True)
class Sentence:
    written: str
    spoken: str


@dataclass(frozen=True)
class Part:
    """One segment of the tour: the intro, a stop or the outro."""

    index: int
    id: str
    kind: PartKind
    title: str
    paragraphs: tuple[tuple[Sentence, ...], ...]
    stop: Stop | None = None

    @property
    def filename(self) -> str:
        return f"{self.index:02d}-{self.id}.mp3"

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return tuple(s for paragraph in self.paragraphs for s in paragraph)

    @property
    def spoken_text(self) -> str:
        return "\n\n".join(" ".join(s.spoken for s in p) for p in self.paragraphs)

    @property
    def written_text(self) -> str:
        return "\n\n".join(" ".join(s.written for s in p) for p in self.paragraphs)

    @property
    def text_sha256(self) -> str:
        return hashlib.sha256(self.spoken_text.encode("utf-8")).hexdigest()


def make_script(tour: Tour) -> list[Part]:
    sections: list[tuple[str, PartKind, str, str, Stop | None]] = []
    if tour.intro:
        sections.append(("intro", "intro", tour.intro.title, tour.intro.narration, None))
    sections += [(stop.slug, "stop", stop.title, stop.narration, stop) for stop in tour.stops]
    if tour.outro:
        sections.append(("outro", "outro", tour.outro.title, tour.outro.narration, None))

    def sentence(text: str) -> Sentence:
        return Sentence(written=text, spoken=speakable(text, tour.language, tour.lexicon))

    parts = []
    for index, (part_id, kind, title, narration, stop) in enumerate(sections):
        # The title is spoken first, as a guide announces where we are.
        paragraphs = [(sentence(title),)]
        paragraphs += [tuple(sentence(s) for s in split_sentences(p, tour.language))
                       for p in split_paragraphs(narration)]
        parts.append(Part(index, part_id, kind, title, tuple(p for p in paragraphs if p), stop))
    return parts


def speakable(text: str, language: str, lexicon: dict[str, str]) -> str:
    return apply_lexicon(normalize(text, language), lexicon).strip()


def split_paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


# Words after which a period does not end a sentence (French and English).
_ABBREVIATIONS = {
    "m", "mm", "mme", "mmes", "mlle", "mlles", "dr", "pr", "me", "st", "ste", "sts", "av", "apr",
    "bd", "cf", "env", "gal", "gén", "cdt", "lt", "cne", "col", "sgt", "p", "pp", "n", "no", "vol",
    "mr", "mrs", "ms", "prof", "gen", "capt", "vs", "etc", "e.g", "i.e", "j.-c", "jr", "sr",
    "mt", "ft", "fig", "ch", "art", "réf", "tél", "ex",
}
_BOUNDARY = re.compile(
    r"""(?<=[.!?…])        # a sentence-ending mark
        [»"”’)\]]*          # closing quotes or brackets stay with the sentence
        \s+                 # the space after it
        (?=[«"“‘(\[]?\s?[A-ZÀ-ÖØ-Þ0-9¿¡—–-])  # the next sentence starts with a capital, digit or dash
    """,
    re.VERBOSE,
)


# Languages that write ordinals with a period ("am 15. August"): there, a
# short number and a period do not end a sentence.
_ORDINAL_PERIOD = {"de", "da", "nb", "nn", "no", "fi", "cs", "sk", "sl", "hr", "sr", "bs", "hu", "pl", "tr",
                   "et", "lv", "is"}


def split_sentences(paragraph: str, language: str = "fr") -> list[str]:
    ordinal_period = language.split("-")[0].lower() in _ORDINAL_PERIOD
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        candidate = paragraph[start : match.start()].rstrip()
        if candidate.endswith(".") and _ends_with_abbreviation(candidate):
            continue
        if ordinal_period and re.search(r"(?<!\d)\d{1,2}\.$", candidate):
            continue
        pieces.append(paragraph[start : match.end()].strip())
        start = match.end()
    pieces.append(paragraph[start:].strip())
    return [p for p in pieces if p]


def _ends_with_abbreviation(text: str) -> bool:
    word = re.split(r"[\s(«“\"']", text)[-1].rstrip(".").lower()
    # A single letter with a period is an initial ("J. Martin"), not a sentence end.
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())
