"""Translations: the same tour in other languages, each in a file that holds only text.

A tour names its translations (``translations: [tour.en.yml]``); each file
gives its ``language``, optionally its ``voice`` and ``lexicon``, and the
translated texts: the tour's ``title`` and ``description``, the intro's and
outro's ``title`` and ``narration``, and for every stop, named by its ``id``,
its ``title``, ``narration`` and ``way`` (``directions``, ``parking``).
Optionally, what is shown but not spoken: the tour's ``credits``, line for
line, and each stop's ``links``' titles, link for link (absent: the tour's
own). Everything else (places, radii, dates, images, link addresses, order,
audio settings) comes from the tour itself, so the languages cannot drift apart.

`load_translations` reads them into one full `Tour` per language: the main
tour with the texts substituted, ready for the same pipeline. Every mistake is
a `TourError` naming the translation's file and line.
"""
from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import Field, ValidationError

from .errors import TourError
from .tour import (
    _KNOWN_KEYS,
    LANGUAGE_TAG,
    Lexicon,
    Line,
    LoadedTour,
    Model,
    Narration,
    Section,
    Slug,
    Stop,
    Text,
    Tour,
    Voice,
    Way,
    _first_error,
)
from .yamlsource import PathKey, Position, YamlDocument, format_key, load_yaml

__all__ = ["TranslatedDocument", "Translation", "load_translation", "load_translations", "with_translations"]


class TranslatedWay(Model):
    """The way to the next stop, in words; its mode and length come from the tour."""

    directions: Text | None = None
    """The tour's directions, translated."""
    parking: Line | None = None
    """The tour's parking line, translated."""


class TranslatedSection(Model):
    """The intro or the outro in another language: its words; its sounds come from the tour."""

    title: Line
    """The title, translated."""
    narration: Narration
    """The narration, translated; blank lines separate paragraphs."""


class TranslatedLink(Model):
    """A link of the stop, in the tour's order: its title; its address comes from the tour."""

    title: Line
    """The link's title, translated."""


class TranslatedStop(Model):
    """A stop of the tour, named by its id, in another language."""

    id: Slug
    """The id of the stop in the tour file."""
    title: Line
    """The stop's title, translated."""
    narration: Narration
    """The stop's narration, translated; blank lines separate paragraphs."""
    way: TranslatedWay | None = None
    """The way to the next stop, translated (when the tour gives one)."""
    links: list[TranslatedLink] | None = None
    """The titles of the stop's links, translated, one for each of the tour's links in its order; when
    absent, the tour's own titles."""


class Translation(Model):
    """A translation file (tour.en.yml): the texts of a tour in another language, nothing else."""

    language: Annotated[str, Field(pattern=LANGUAGE_TAG.pattern)]
    """BCP 47 language tag of this translation: en, de, it, en-GB…"""
    voice: Voice | None = None
    """Who speaks this language; default: the tour's voice without its accent (tld)."""
    lexicon: Lexicon = {}
    """How this language's voice should say names; the tour's own lexicon is not used."""
    title: Line
    """The tour's title, translated."""
    description: Text
    """The tour's description, translated."""
    credits: list[Line] | None = None
    """The tour's credits, translated line for line (as many lines, in the same order); when absent, the
    tour's own."""
    intro: TranslatedSection | None = None
    """The intro's title and narration, translated (when the tour has an intro)."""
    outro: TranslatedSection | None = None
    """The outro's title and narration, translated (when the tour has an outro)."""
    stops: Annotated[list[TranslatedStop], Field(min_length=1, max_length=500)]
    """Every stop of the tour, by id, translated (in any order)."""


_TRANSLATION_KEYS: dict[str, set[str]] = {
    "": set(Translation.model_fields),
    "voice": set(Voice.model_fields),
    "intro": set(TranslatedSection.model_fields),
    "outro": set(TranslatedSection.model_fields),
    "stops": set(TranslatedStop.model_fields),
    "way": set(TranslatedWay.model_fields),
    "links": set(TranslatedLink.model_fields),
}

_TOP_TEXTS = {"title", "description", "language", "voice", "lexicon"}
"""Top-level keys of a translated tour whose values come from the translation file."""


@dataclass
class TranslatedDocument(YamlDocument):
    """Where each value of a translated tour was written: its texts in the translation, the rest in the tour.

    ``stop_rows`` maps a stop's index in the tour to its index in the translation file.
    """

    main: YamlDocument | None = None
    translation: YamlDocument | None = None
    stop_rows: dict[int, int] = field(default_factory=dict)

    def _route(self, key: PathKey) -> tuple[YamlDocument | None, PathKey]:
        if not key:
            return self.main, key
        head = key[0]
        if head in _TOP_TEXTS or head in ("intro", "outro") or (head == "credits" and self._gives(("credits",))):
            return self.translation, key
        if head == "stops" and len(key) >= 3 and isinstance(key[1], int) and key[1] in self.stop_rows:
            row: PathKey = ("stops", self.stop_rows[key[1]])
            if key[2] in ("title", "narration"):
                return self.translation, row + key[2:]
            if key[2] == "way" and len(key) >= 4 and key[3] in ("directions", "parking"):
                return self.translation, row + key[2:]
            if key[2] == "links" and (len(key) == 3 or key[4:5] == ("title",)) and self._gives(row + ("links",)):
                return self.translation, row + key[2:]
        return self.main, key

    def _gives(self, key: PathKey) -> bool:
        """Whether the translation file itself writes ``key`` (an optional text: else the tour's own)."""
        value: object = self.translation.data if self.translation else None
        for part in key:
            if isinstance(part, str) and isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(part, int) and isinstance(value, list) and 0 <= part < len(value):
                value = value[part]
            else:
                return False
        return value is not None

    def position_of(self, key: PathKey) -> Position | None:
        document, routed = self._route(key)
        return document.position_of(routed) if document else super().position_of(key)

    def error(self, key: PathKey, reason: str) -> TourError:
        document, routed = self._route(key)
        return document.error(routed, reason) if document else super().error(key, reason)


def with_translations(loaded: LoadedTour) -> LoadedTour:
    """``loaded`` with its `LoadedTour.translations` filled (unchanged when the tour names none)."""
    if not loaded.tour.translations:
        return loaded
    return loaded.model_copy(update={"translations": load_translations(loaded)})


def load_translations(loaded: LoadedTour) -> dict[str, LoadedTour]:
    """Every translation the tour names, by language tag, each a full tour ready to build.

    A `TourError` names the translation's file and line: a stop missing or
    unknown, a key a translator may not set, a language given twice or the
    tour's own.
    """
    tour = loaded.tour
    if not tour.translations:
        return {}
    _require_ids(loaded)
    result: dict[str, LoadedTour] = {}
    files: dict[str, Path] = {}
    for index, relative in enumerate(tour.translations):
        path = _translation_path(loaded, index, relative)
        translated = load_translation(loaded, path)
        language = translated.tour.language
        earlier = next((lang for lang in result if lang.lower() == language.lower()), None)
        if earlier is not None:
            raise translated.error(("language",), f"{language!r} is already the language of "
                                                  f"{files[earlier].name}; give each language one file")
        result[language] = translated
        files[language] = path
    return result


def load_translation(loaded: LoadedTour, path: Path | str) -> LoadedTour:
    """One translation file of ``loaded``'s tour: the tour with its texts, in the translation's language."""
    path = Path(path)
    document = load_yaml(path)
    if not isinstance(document.data, dict):
        raise document.error((), "a translation file must be a mapping of keys (language:, title:, stops:…)")
    try:
        translation = Translation.model_validate(document.data)
    except ValidationError as exc:
        raise _translation_error(exc, document, loaded.path.name) from None
    main = loaded.tour
    if translation.language.lower() == main.language.lower():
        raise document.error(("language",), f"{translation.language!r} is the language of {loaded.path.name} "
                                            "itself; a translation is in another language")
    rows = _match_stops(loaded, translation, document)
    for part in ("intro", "outro"):
        _check_same_parts(loaded.path.name, document, (part,), getattr(main, part), getattr(translation, part))
    _check_lines(loaded.path.name, document, ("credits",), "credit line", main.credits, translation.credits)
    for index, stop in enumerate(main.stops):
        _check_way(loaded.path.name, document, rows[index], stop, translation.stops[rows[index]])
        _check_lines(f"stop {stop.slug!r} of {loaded.path.name}", document, ("stops", rows[index], "links"), "link",
                     stop.links, translation.stops[rows[index]].links)
    merged = _merge(main, translation, rows)
    located = TranslatedDocument(path=path, data=document.data, positions=document.positions,
                                 main=loaded.document, translation=document, stop_rows=rows)
    return LoadedTour(tour=merged, path=loaded.path, document=located)


def _translation_path(loaded: LoadedTour, index: int, relative: str) -> Path:
    key: PathKey = ("translations", index)
    target = loaded.resolve(relative)
    if not target.is_relative_to(loaded.folder.resolve()):
        raise loaded.error(key, f"{relative!r} is outside the tour's folder; put translations beside the tour file")
    if target == loaded.path.resolve():
        raise loaded.error(key, f"{relative!r} is the tour file itself; name a translation file such as tour.en.yml")
    if not target.is_file():
        raise loaded.error(key, f"{relative!r} does not exist (looked for {target})")
    return loaded.folder / relative


def _require_ids(loaded: LoadedTour) -> None:
    for index, stop in enumerate(loaded.tour.stops):
        if stop.id is None:
            raise loaded.error(("stops", index), f"a tour with translations gives every stop an id, which "
                                                 f"translations name it by; add id: {stop.slug}")


def _translation_error(exc: ValidationError, document: YamlDocument, tour_name: str) -> TourError:
    for error in exc.errors(include_url=False):
        if error["type"] != "extra_forbidden":
            continue
        key = tuple(error["loc"])
        parent = next((str(p) for p in reversed(key[:-1]) if isinstance(p, str)), "")
        name = str(key[-1])
        if name in _KNOWN_KEYS.get(parent, set()) and name not in _TRANSLATION_KEYS.get(parent, set()):
            allowed = ", ".join(sorted(_TRANSLATION_KEYS.get(parent, set())))
            return document.error(key, f"is set in {tour_name} for every language; a translation gives only "
                                       f"text (here: {allowed})")
        break
    return _first_error(exc, document, _TRANSLATION_KEYS)


def _match_stops(loaded: LoadedTour, translation: Translation, document: YamlDocument) -> dict[int, int]:
    """The row of each of the tour's stops in the translation; every stop once, and no other."""
    name = loaded.path.name
    ids = [stop.slug for stop in loaded.tour.stops]
    rows: dict[str, int] = {}
    for row, stop in enumerate(translation.stops):
        if stop.id in rows:
            raise document.error(("stops", row, "id"), f"{stop.id!r} is already translated in stops[{rows[stop.id]}]; "
                                                       "translate each stop once")
        if stop.id not in ids:
            close = difflib.get_close_matches(stop.id, ids, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"its stops are: {', '.join(ids)}"
            raise document.error(("stops", row, "id"), f"{stop.id!r} is not a stop of {name}; {hint}")
        rows[stop.id] = row
    for stop_id in ids:
        if stop_id not in rows:
            raise document.error(("stops",), f"stop {stop_id!r} of {name} is not translated; "
                                             f"add - id: {stop_id} with its title: and narration:")
    return {index: rows[stop_id] for index, stop_id in enumerate(ids)}


def _check_same_parts(tour_name: str, document: YamlDocument, key: PathKey, original: object,
                      translated: object) -> None:
    what = format_key(key)
    if original is not None and translated is None:
        raise document.error(key, f"{tour_name} has {'an' if what[0] in 'aeiou' else 'a'} {what}; translate it")
    if original is None and translated is not None:
        raise document.error(key, f"{tour_name} has no {what}; remove it")


def _check_way(tour_name: str, document: YamlDocument, row: int, stop: Stop, translated: TranslatedStop) -> None:
    key: PathKey = ("stops", row, "way")
    if stop.way is None:
        if translated.way is not None:
            raise document.error(key, f"stop {stop.slug!r} of {tour_name} has no way to a next stop; remove it")
        return
    way = translated.way or TranslatedWay()
    for text in ("directions", "parking"):
        original, given = getattr(stop.way, text), getattr(way, text)
        if original is not None and given is None:
            raise document.error(key if translated.way is None else key + (text,),
                                 f"stop {stop.slug!r} of {tour_name} gives {text}; translate them"
                                 if text == "directions" else
                                 f"stop {stop.slug!r} of {tour_name} gives parking; translate it")
        if original is None and given is not None:
            raise document.error(key + (text,), f"stop {stop.slug!r} of {tour_name} gives no {text}; remove it")


def _check_lines(owner: str, document: YamlDocument, key: PathKey, noun: str, original: Sequence[object],
                 translated: Sequence[object] | None) -> None:
    """An optional translated list (credits, a stop's links): absent, or one item for each of the tour's."""
    if translated is None or len(translated) == len(original):
        return
    name = key[-1]
    if not original:
        raise document.error(key, f"{owner} has no {noun}s; remove {name}:")
    count = f"{len(original)} {noun}{'' if len(original) == 1 else 's'}"
    raise document.error(key, f"{owner} has {count} and this file gives {len(translated)}; translate each one, "
                              f"in the same order, or remove {name}: to keep {owner.split()[-1]}'s own")


def _section(main: Section | None, text: TranslatedSection | None) -> Section | None:
    """The tour's intro or outro (its sounds too) with the translation's words; both or neither, checked."""
    if main is None or text is None:
        return None
    return main.model_copy(update={"title": text.title, "narration": text.narration})


def _merge(main: Tour, translation: Translation, rows: dict[int, int]) -> Tour:
    stops = []
    for index, stop in enumerate(main.stops):
        text = translation.stops[rows[index]]
        way: Way | None = None
        if stop.way is not None:
            given = text.way or TranslatedWay()
            way = stop.way.model_copy(update={"directions": given.directions, "parking": given.parking})
        links = stop.links if text.links is None else [
            link.model_copy(update={"title": given.title}) for link, given in zip(stop.links, text.links)]
        stops.append(stop.model_copy(update={"id": stop.slug, "title": text.title, "narration": text.narration,
                                              "way": way, "links": links}))
    voice = translation.voice or main.voice.model_copy(update={"tld": None})
    return main.model_copy(update={
        "title": translation.title,
        "description": translation.description,
        "credits": main.credits if translation.credits is None else translation.credits,
        "language": translation.language,
        "voice": voice,
        "lexicon": translation.lexicon,
        "intro": _section(main.intro, translation.intro),
        "outro": _section(main.outro, translation.outro),
        "stops": stops,
        "translations": [],
    })
