"""The tour file: its typed model and the loader that validates it.

Every mistake becomes one `TourError` naming the file, the line and the field,
raised before anything is written.
"""
from __future__ import annotations

import difflib
import re
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from slugify import slugify

from .categories import MAX_CATEGORIES, parse_category, parse_role
from .engines import engine_classes
from .errors import TourError
from .urls import check_base_url, check_tile_template
from .yamlsource import PathKey, YamlDocument, format_key, load_yaml

MAX_TEXT_CHARS = 30_000
"""About forty minutes of speech: longer narration is almost surely a paste error."""

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
WEB_ADDRESS = re.compile(r"^https?://\S+$")
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")


def _text(value: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise ValueError("is empty; write some text")
    if len(stripped) > MAX_TEXT_CHARS:
        raise ValueError(f"is {len(stripped)} characters long; the limit is {MAX_TEXT_CHARS}, split it")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in stripped):
        raise ValueError("contains control characters; remove them")
    return stripped


def _narration(value: str) -> str:
    value = _text(value)
    if not any(ch.isalnum() for ch in value):
        raise ValueError("has no words, only punctuation or symbols; write the text to be spoken")
    return value


def _one_line(value: str) -> str:
    value = _text(value)
    if "\n" in value:
        raise ValueError("must fit on one line")
    if len(value) > 300:
        raise ValueError("is longer than 300 characters; shorten it")
    return value


def _slug(value: str) -> str:
    if not SLUG.match(value) or len(value) > 60:
        raise ValueError(
            f"{value!r} is not a valid id; use lowercase letters, digits and hyphens, e.g. {slugify(value)[:60] or 'my-stop'!r}"
        )
    return value


def _relative_file(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty; give a path relative to the tour file")
    return value


def _base_url(value: str) -> str:
    return check_base_url(value)


def _tiles(value: str) -> str:
    return "none" if value.strip() == "none" else check_tile_template(value)


def _category(value: str) -> str:
    return "/".join(parse_category(value))


def _role(value: str) -> str:
    return parse_role(value)


def _date_value(value: Any) -> Any:
    """A date or a date and time as YAML gives it (or as text, which YAML leaves "1944-08-15T08:00")."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{value!r} is not a date; write e.g. 1944-08-15 or 1944-08-15T08:00") from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # Pydantic would read 1944 as seconds after 1970.
        raise ValueError(f"{value} is not a date; write e.g. 1944-08-15 or 1944-08-15T08:00")
    return value


Text = Annotated[str, AfterValidator(_text)]
Narration = Annotated[str, AfterValidator(_narration)]
Line = Annotated[str, AfterValidator(_one_line)]
Slug = Annotated[str, AfterValidator(_slug)]
RelativeFile = Annotated[str, AfterValidator(_relative_file)]
BaseURL = Annotated[str, AfterValidator(_base_url)]
WebAddress = Annotated[str, Field(pattern=WEB_ADDRESS.pattern, max_length=2000)]
EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")


class Model(BaseModel):
    # Field docstrings become the descriptions of the published JSON Schema (editors show them).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False, use_attribute_docstrings=True)


def _engine_name(value: str) -> str:
    known = ["auto", *(cls.name for cls in engine_classes())]
    if value not in known:
        choices = [repr(name) for name in known]
        raise ValueError(f"{value!r} is not one of {', '.join(choices[:-1])} or {choices[-1]}")
    return value


class Voice(Model):
    """Who speaks the tour."""

    engine: Annotated[str, AfterValidator(_engine_name)] = "auto"
    """`auto` (Google's voice when reachable, else eSpeak NG offline), or a registered engine: gtts, espeak."""
    tld: Annotated[str, Field(pattern=r"^[a-z]{2,3}(\.[a-z]{2,3})?$")] | None = None
    """Google's domain for the accent (fr, ca, com, co.uk); default from the language."""
    slow: bool = False
    """Speak slowly (a pace of 120 words a minute unless `rate` says otherwise)."""
    rate: Annotated[int, Field(ge=80, le=250)] | None = None
    """Words a minute the listener hears, pauses included: 147 when unset (audio guides sit near 140-150).
    eSpeak NG speaks at that pace itself; Google's voice is time-stretched to it."""


class Location(Model):
    """Where a visitor stands to listen (WGS 84, decimal degrees)."""

    lat: Annotated[float, Field(ge=-90, le=90)]
    """Latitude, e.g. 43.1727."""
    lon: Annotated[float, Field(ge=-180, le=180)]
    """Longitude, e.g. 6.5330."""
    osm: Annotated[str, Field(pattern=r"^[NWR][0-9]{1,12}$")] | None = None
    """The place's OpenStreetMap object: N, W or R (node, way, relation) and its number, e.g. R1234567."""


class Link(Model):
    title: Line
    """What the link is, as shown."""
    url: Annotated[str, Field(pattern=WEB_ADDRESS.pattern, max_length=2000)]
    """A full address starting with https:// (or http://)."""


class Pauses(Model):
    """Silence, in seconds, that the assembly puts between pieces of speech."""

    sentence: Annotated[float, Field(ge=0, le=5)] = 0.45
    """Between two sentences."""
    paragraph: Annotated[float, Field(ge=0, le=10)] = 0.9
    """Between two paragraphs (and after the title)."""
    segment: Annotated[float, Field(ge=0, le=30)] = 2.0
    """Between two segments in the whole-tour episode."""


class Ducking(Model):
    """How music and ambience make way for the voice."""

    depth: Annotated[float, Field(ge=6, le=40)] = 14.0
    """Decibels the sound is lowered while the voice speaks (on top of `level`)."""
    attack: Annotated[float, Field(ge=0.01, le=2)] = 0.25
    """Seconds the sound takes to go down, ending as the voice starts."""
    release: Annotated[float, Field(ge=0.05, le=5)] = 0.8
    """Seconds the sound takes to come back once the voice has stopped."""
    hold: Annotated[float, Field(ge=0, le=5)] = 0.6
    """Seconds the sound stays down after the voice stops: a shorter pause (between sentences) keeps it down,
    a longer one (between paragraphs) lets it breathe."""


class AudioSettings(Model):
    """How the tour sounds."""

    loudness: Annotated[float, Field(ge=-36, le=-10)] = -16.0
    """Integrated loudness target in LUFS, as measured on two speakers."""
    pauses: Pauses = Pauses()
    """Silence between pieces of speech, in seconds."""
    music: RelativeFile | None = None
    """The tour's signature sound, inside the tour's folder (any format ffmpeg reads): it opens the first
    segment and closes the last, under the voice."""
    level: Annotated[float, Field(ge=-30, le=0)] = -6.0
    """Loudness of music and ambience, in dB relative to the voice, where the voice is silent."""
    ambience_level: Annotated[float, Field(ge=-40, le=0)] = -14.0
    """Loudness of a stop's ambience relative to the voice, where the voice is silent."""
    ducking: Ducking = Ducking()
    """How music and ambience make way for the voice."""


class Section(Model):
    """The introduction or the conclusion: spoken before the first stop or after the last."""

    title: Line
    """Spoken first, and the segment's title in players."""
    narration: Narration
    """The text to speak; blank lines separate paragraphs."""
    music: RelativeFile | None = None
    """A sound that opens and closes this segment, under the voice (inside the tour's folder)."""
    ambience: RelativeFile | None = None
    """A sound looped under the whole segment, lowered while the voice speaks (inside the tour's folder)."""


class Way(Model):
    """How to go from a stop to the next one, told to the visitor at the end of the stop."""

    mode: Literal["foot", "car", "bike"]
    """On foot, by car or by bike: the time `audiotour check` estimates depends on it."""
    directions: Text | None = None
    """A few spoken sentences; `audiotour check` warns when a leg has none."""
    parking: Line | None = None
    """Where to leave the car or the bike, on one line; spoken after the directions."""
    km: Annotated[float, Field(gt=0, le=1000)] | None = None
    """The length of the way by road or path, when known; otherwise estimated from the straight line."""


class Stop(Model):
    """One place of the tour, one segment."""

    title: Line
    """Spoken first, and the segment's title in players and the guide."""
    id: Slug | None = None
    """Lowercase letters, digits and hyphens; names its files. Default: from the title."""
    narration: Narration
    """The text to speak; blank lines separate paragraphs."""
    location: Location | None = None
    """Where the visitor stands; needed for the map, the GPX and the guide's triggering."""
    radius: Annotated[float, Field(gt=0, le=10_000)] = 150
    """Metres around the location within which the guide starts the stop."""
    date: datetime | date | None = None
    """When what is told happened, e.g. 1944-08-15 or 1944-08-15T08:00."""
    image: RelativeFile | None = None
    """A picture of the place, inside the tour's folder (JPEG, PNG, WebP…)."""
    links: list[Link] = []
    """Where to read more."""
    way: Way | None = None
    """The way to the next stop; the last stop has none."""
    music: RelativeFile | None = None
    """A sound that opens and closes this stop, under the voice (inside the tour's folder)."""
    ambience: RelativeFile | None = None
    """A sound looped under the whole stop, lowered while the voice speaks (waves, a market…)."""

    @field_validator("date", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        # YAML only reads "1944-08-15T08:00" (no seconds) as a string.
        return _date_value(value)

    @property
    def slug(self) -> str:
        return self.id or slugify(self.title)[:60].strip("-") or "stop"


class GuideSettings(Model):
    """The phone guide (index.html): what goes under its map."""

    tiles: Annotated[str, AfterValidator(_tiles),
                     Field(json_schema_extra={"pattern": r"^(none|https://\S*\{z\}\S*)$"})] | None = None
    """The map tiles under the route while the phone is online: a tile server's address with {z}, {x} and {y}
    (optionally {s}), https only, e.g. https://tiles.example.org/{z}/{x}/{y}.png; or none, for a map drawn from
    the tour's coordinates alone. Default: OpenStreetMap's tiles, fine for light use only."""
    tiles_attribution: Line | None = None
    """The credit the tile server asks for, shown on the map, e.g. © OpenStreetMap contributors; needed with
    your own tiles."""

    @field_validator("tiles", mode="before")
    @classmethod
    def _no_tiles(cls, value: Any) -> Any:
        if isinstance(value, bool):
            # YAML reads no, off and false as false.
            raise ValueError(f"{_show(value)} is not a tile address; write tiles: none for a map without tiles, "
                             "or a tile server's https:// address")
        return value

    @model_validator(mode="after")
    def _attribution_with_own_tiles(self) -> GuideSettings:
        if self.tiles not in (None, "none") and self.tiles_attribution is None:
            raise _FieldProblem(("guide", "tiles_attribution"),
                                "is required with your own tiles: the credit the tile server asks for, shown on "
                                "the map, e.g. tiles_attribution: © OpenStreetMap contributors")
        if self.tiles in (None, "none") and self.tiles_attribution is not None:
            what = "with tiles: none there are no tiles to credit" if self.tiles else \
                "OpenStreetMap's tiles carry their own credit"
            raise _FieldProblem(("guide", "tiles_attribution"), f"{what}; remove it")
        return self


class Owner(Model):
    """Who answers for the podcast: directories send their ownership check to this address."""

    name: Line | None = None
    """The owner's name (default: the tour's author)."""
    email: Annotated[str, Field(pattern=EMAIL.pattern, max_length=254)] | None = None
    """The address Apple Podcasts and Spotify write to, to confirm the podcast is yours."""


class Person(Model):
    """Someone credited in podcast apps (Podcasting 2.0 `podcast:person`)."""

    name: Line
    """The person's name, as shown."""
    role: Annotated[str, AfterValidator(_role)] = "host"
    """A role of the Podcast Taxonomy: host, narrator, author, researcher, producer, translator…"""
    link: WebAddress | None = None
    """A page about the person."""


class License(Model):
    """A license of the tour's audio: a well-known identifier, or a name and the address of its text."""

    name: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^\S(.*\S)?$")]
    """An SPDX identifier (CC-BY-4.0, CC-BY-SA-4.0…) or the license's own short name."""
    url: WebAddress | None = None
    """Where the license's full text is; needed for a license of your own."""


class Area(Model):
    """The place the whole tour is about, for podcast apps that show shows on a map."""

    name: Annotated[str, Field(min_length=1, max_length=128)]
    """A place name, as shown (e.g. Golfe de Saint-Tropez)."""
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    """Latitude of its centre; default: the middle of the located stops."""
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    """Longitude of its centre; default: the middle of the located stops."""
    osm: Annotated[str, Field(pattern=r"^[NWR][0-9]{1,12}$")] | None = None
    """Its OpenStreetMap object, e.g. R1234567."""
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    """ISO 3166-1 two-letter country code, e.g. FR."""

    @model_validator(mode="after")
    def _both_or_neither(self) -> Area:
        if (self.lat is None) != (self.lon is None):
            raise _FieldProblem(("podcast", "area", "lat" if self.lat is None else "lon"), "give both lat and lon, or neither")
        return self


class Podcast(Model):
    """How the tour is published as a podcast: what Apple Podcasts, Spotify and the apps ask for."""

    items: Literal["segments", "whole"] = "segments"
    """The feed's episodes: one per segment (intro, stops, outro), or the whole tour as one episode with
    chapters. Never both: a subscriber would download every minute twice."""
    owner: Owner | None = None
    """Who answers for the podcast; directories check ownership by writing to its e-mail."""
    categories: Annotated[list[Annotated[str, AfterValidator(_category)]], Field(max_length=MAX_CATEGORIES)] = []
    """Up to three of Apple's categories, a subcategory after a slash: History, Society & Culture/Places & Travel.
    Default: Society & Culture/Places & Travel."""
    explicit: bool = False
    """True when the tour holds explicit content."""
    copyright: Line | None = None
    """The copyright notice, e.g. © 2026 Office de tourisme de Saint-Tropez."""
    type: Literal["serial", "episodic"] = "serial"
    """serial: listened to in order, oldest first (a tour); episodic: newest first."""
    link: WebAddress | None = None
    """The web page the podcast points to; default: the web guide (the base URL)."""
    published: datetime | date | None = None
    """When the tour was first published, e.g. 2026-06-01: every episode's date derives from it. Default: the
    day of the first build, kept in the output's manifest."""
    complete: bool = False
    """True when no episode will ever be added: apps stop looking for new ones."""
    license: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^\S(.*\S)?$")] | License | None = None
    """The audio's license: an identifier (CC-BY-4.0) or {name, url}."""
    persons: Annotated[list[Person], Field(max_length=50)] = []
    """People credited: narrator, author, researcher…"""
    area: Area | None = None
    """The place the tour is about; default: named after the tour, in the middle of its located stops."""

    @field_validator("published", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        return _date_value(value)

    @field_validator("categories", mode="before")
    @classmethod
    def _one_category(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _distinct_categories(self) -> Podcast:
        seen: dict[str, int] = {}
        for index, category in enumerate(self.categories):
            if category in seen:
                raise _FieldProblem(("podcast", "categories", index),
                                    f"{category!r} is already categories[{seen[category]}]")
            seen[category] = index
        return self
def _phonemes_engine(value: dict[str, str]) -> dict[str, str]:
    for name in value:
        accepting = [cls.name for cls in engine_classes() if cls.accepts_phonemes]
        if name not in accepting:
            raise ValueError(f"{name!r} takes no phonemes; engines that do: {', '.join(accepting) or 'none'}")
    return value


class LexiconEntry(Model):
    """How to say one word or name, for every engine or per engine."""

    say: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    """A respelling every engine reads (unless it has its own below)."""
    espeak: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    """The respelling eSpeak NG reads."""
    gtts: Annotated[str, Field(min_length=1, max_length=500)] | None = None
    """The respelling Google's voice reads."""
    phonemes: Annotated[dict[str, Annotated[str, Field(min_length=1, max_length=500)]],
                        AfterValidator(_phonemes_engine)] = {}
    """Per engine that accepts them, the pronunciation in its own phonemes (eSpeak NG: its mnemonics, as
    `audiotour say --phonemes` prints them); wins over any respelling for that engine."""
    lang: Annotated[str, Field(pattern=LANGUAGE_TAG.pattern)] | None = None
    """Say it in this language (e.g. en) with that language's voice, where the engine can switch voices."""

    def spoken_by(self, word: str, engine: str | None) -> str:
        if engine is not None and engine in self.phonemes:
            return f"[[{self.phonemes[engine]}]]"
        specific = {"espeak": self.espeak, "gtts": self.gtts}.get(engine or "")
        text = specific or self.say or word
        return f"[{text}]{{lang={self.lang}}}" if self.lang else text


LexiconKey = Annotated[str, Field(min_length=1, max_length=200)]
Lexicon = dict[LexiconKey, Annotated[str, Field(max_length=500)] | LexiconEntry]
"""Whole-word replacements made before speech; a translation's lexicon has the same type."""


class Tour(Model):
    """An audiotour tour file (tour.yml): the text of a guided visit and where it happens."""

    title: Line
    """The tour's name: album, podcast and page title."""
    short_title: Annotated[str, AfterValidator(_one_line), Field(max_length=30)] | None = None
    """The name under the home-screen icon when the guide is installed; cut from the title when absent."""
    description: Text
    """One or two sentences for podcast apps and the tags."""
    language: Annotated[str, Field(pattern=LANGUAGE_TAG.pattern)] = "fr"
    """BCP 47 language tag: fr, en, fr-CA…"""
    author: Line = "audiotour"
    """Who made the tour: artist and podcast author."""
    cover: RelativeFile | None = None
    """Square cover art inside the tour's folder; drawn from the title when absent."""
    base_url: BaseURL | None = None
    """Where the output folder will be published (https://…/): http or https, a host, a path; no query or
    fragment. Needed for the podcast feed."""
    voice: Voice = Voice()
    """Who speaks the tour."""
    audio: AudioSettings = AudioSettings()
    """Loudness and pauses."""
    lexicon: Lexicon = {}
    """Whole-word replacements made before speech: how to say a name (Dragoon: Dragoune), or per engine
    ({espeak: …, gtts: …, phonemes: {espeak: …}, lang: en})."""
    credits: list[Line] = []
    """Who made the music and sounds, and under what licence: in the tags, the feed and the guide."""
    intro: Section | None = None
    """Spoken before the first stop."""
    outro: Section | None = None
    """Spoken after the last stop."""
    stops: Annotated[list[Stop], Field(min_length=1, max_length=500)]
    """The places, in the order of the visit."""
    translations: Annotated[list[RelativeFile], Field(max_length=50)] = []
    """Translation files beside the tour (tour.en.yml), one per language: the same stops' texts in another language."""
    podcast: Podcast = Podcast()
    """How the tour is published as a podcast: owner, categories, dates, licence…"""
    guide: GuideSettings = GuideSettings()
    """The phone guide: the tiles under its map."""

    def lexicon_for(self, engine: str | None) -> dict[str, str]:
        """The lexicon as one engine reads it (None: the respellings every engine shares)."""
        return {key: value if isinstance(value, str) else value.spoken_by(key, engine)
                for key, value in self.lexicon.items()}

    @model_validator(mode="after")
    def _unique_ids(self) -> Tour:
        seen: dict[str, int] = {}
        for index, stop in enumerate(self.stops):
            slug = stop.slug
            if slug in ("intro", "outro") and getattr(self, slug) is not None:
                raise _FieldProblem(("stops", index, "id"), f"{slug!r} is the id of the tour's {slug}; choose another id")
            if slug in seen:
                raise _FieldProblem(
                    ("stops", index, "id" if stop.id else "title"),
                    f"id {slug!r} is already used by stops[{seen[slug]}]; give this stop its own id",
                )
            seen[slug] = index
        return self

    @model_validator(mode="after")
    def _last_stop_leads_nowhere(self) -> Tour:
        if self.stops[-1].way is not None:
            raise _FieldProblem(("stops", len(self.stops) - 1, "way"),
                                "the last stop has no next stop to lead to; remove its way:")
        return self


class _FieldProblem(ValueError):
    """A cross-field problem that still knows which field to blame."""

    def __init__(self, key: PathKey, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class LoadedTour(BaseModel):
    """A valid tour and where it came from (relative paths resolve from there)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)
    tour: Tour
    path: Path
    document: YamlDocument | None = Field(default=None, repr=False)
    """Where each value was written, for errors found after validation."""
    translations: dict[str, LoadedTour] = Field(default={}, repr=False)
    """The tour in each of its translations' languages, by language tag (`audiotour.api.load_tour` fills it)."""

    def error(self, key: PathKey, reason: str) -> TourError:
        """A TourError naming the line where ``key`` is written in the tour file."""
        if self.document is None:
            return TourError(reason, path=self.path, field=format_key(key) or None)
        return self.document.error(key, reason)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def resolve(self, relative: str) -> Path:
        return (self.folder / relative).resolve()


def load_tour(path: Path | str) -> LoadedTour:
    path = Path(path)
    document = load_yaml(path)
    if not isinstance(document.data, dict):
        raise document.error((), "a tour file must be a mapping of keys (title:, description:, stops:…)")
    try:
        tour = Tour.model_validate(document.data)
    except ValidationError as exc:
        raise _first_error(exc, document) from None
    loaded = LoadedTour(tour=tour, path=path, document=document)
    _check_files(loaded, document)
    return loaded


def _check_files(loaded: LoadedTour, document: YamlDocument) -> None:
    tour = loaded.tour
    wanted: list[tuple[PathKey, str]] = []
    if tour.cover:
        wanted.append((("cover",), tour.cover))
    wanted += [(("stops", i, "image"), s.image) for i, s in enumerate(tour.stops) if s.image]
    wanted += sound_files(tour)
    folder = loaded.folder.resolve()
    for key, relative in wanted:
        target = loaded.resolve(relative)
        if not target.is_relative_to(folder):
            kind = "image" if key[-1] in ("image", "cover") else "sound"
            raise document.error(key, f"{relative!r} is outside the tour's folder; copy the {kind} next to the tour file")
        if not target.is_file():
            raise document.error(key, f"{relative!r} does not exist (looked for {target})")


def sound_files(tour: Tour) -> list[tuple[PathKey, str]]:
    """Every sound the tour names, with the field that names it."""
    found: list[tuple[PathKey, str]] = []
    if tour.audio.music:
        found.append((("audio", "music"), tour.audio.music))
    parts: list[tuple[PathKey, Section | Stop | None]] = [(("intro",), tour.intro), (("outro",), tour.outro)]
    parts += [(("stops", i), stop) for i, stop in enumerate(tour.stops)]
    for key, part in parts:
        if part is not None:
            found += [(key + (name,), value) for name in ("music", "ambience")
                      if (value := getattr(part, name)) is not None]
    return found


def _first_error(exc: ValidationError, document: YamlDocument,
                 known_keys: dict[str, set[str]] | None = None) -> TourError:
    errors = exc.errors(include_url=False)
    # A mapping where text or a mapping may go (a lexicon entry): the mapping's own problem is the news.
    errors = [e for e in errors if not (e["type"] == "string_type" and isinstance(e.get("input"), dict)
                                        and len(errors) > 1)] or errors
    # A misspelt key also makes the intended one "missing": the spelling is the real news.
    error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    if ("constrained-str" in error["loc"] or "str" in error["loc"]) and isinstance(error.get("input"), dict):
        # Text or a mapping (a license): a mapping was written, so its own mistake is the news.
        error = next((e for e in errors if "License" in e["loc"]), error)
    key: PathKey = ()
    for part in error["loc"]:
        # Pydantic names the union member it tried after the field ("date", "datetime"): not a field.
        if _is_union_tag(part) and (not key or isinstance(key[-1], str) or "[" in str(part)):
            continue
        key += (part,)
    ctx = error.get("ctx") or {}
    problem = ctx.get("error")
    if isinstance(problem, _FieldProblem):
        return document.error(problem.key, problem.message)
    return document.error(key, _describe(dict(error), key, document, known_keys or _KNOWN_KEYS))


def _is_union_tag(part: str | int) -> bool:
    return isinstance(part, str) and ("[" in part or part in {"datetime", "date", "str", "constrained-str", "float", "int",
                                                                  "License", "LexiconEntry"})


_EXPECTED = {
    "string_type": "text",
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "list_type": "a list (lines starting with '- ')",
    "datetime_type": "a date",
    "date_type": "a date",
}

_KNOWN_KEYS = {
    "": set(Tour.model_fields),
    "voice": set(Voice.model_fields),
    "audio": set(AudioSettings.model_fields),
    "ducking": set(Ducking.model_fields),
    "phonemes": set(),
    "lexicon": set(LexiconEntry.model_fields),
    "pauses": set(Pauses.model_fields),
    "intro": set(Section.model_fields),
    "outro": set(Section.model_fields),
    "stops": set(Stop.model_fields),
    "location": set(Location.model_fields),
    "links": set(Link.model_fields),
    "way": set(Way.model_fields),
    "podcast": set(Podcast.model_fields),
    "owner": set(Owner.model_fields),
    "persons": set(Person.model_fields),
    "license": set(License.model_fields),
    "area": set(Area.model_fields),
    "guide": set(GuideSettings.model_fields),
}


def _describe(error: dict[str, Any], key: PathKey, document: YamlDocument,
              known_keys: dict[str, set[str]]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    field = key[-1] if key else ""
    if kind == "missing":
        return "is required" + _example(field)
    if kind == "extra_forbidden":
        parent = next((str(p) for p in reversed(key[:-1]) if isinstance(p, str)), "")
        known = known_keys.get(parent, set())
        close = difflib.get_close_matches(str(field), sorted(known), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; known keys here: {', '.join(sorted(known))}"
        return f"unknown key{hint}"
    if kind in _EXPECTED:
        return f"expected {_EXPECTED[kind]}, got {_show(value)}" + (
            " (put text in quotes)" if kind == "string_type" and not isinstance(value, (dict, list)) else ""
        )
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        if field == "lat":
            return f"{_show(value)} is not a latitude (-90..90)"
        if field == "lon":
            return f"{_show(value)} is not a longitude (-180..180)"
        bound = f"{next(iter(ctx.values())):g}"
        relation = {"greater_than_equal": "at least", "less_than_equal": "at most",
                    "greater_than": "more than", "less_than": "less than"}[kind]
        return f"{_show(value)} is out of range; it must be {relation} {bound}"
    if kind == "too_short":
        if field == "stops":
            return "needs at least one stop"
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"has too many items (at most {ctx.get('max_length')})"
    if kind == "string_too_short":
        return "is empty"
    if kind == "string_too_long":
        return f"is too long (at most {ctx.get('max_length')} characters)"
    if kind == "string_pattern_mismatch":
        return f"{_show(value)} is not valid here; {_pattern_hint(str(field))}"
    if kind == "literal_error":
        return f"{_show(value)} is not one of {ctx.get('expected')}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind.startswith("datetime") or kind.startswith("date"):
        return f"{_show(value)} is not a date; write e.g. 1944-08-15 or 1944-08-15T08:00"
    return str(error["msg"])


def _pattern_hint(field: str) -> str:
    return {
        "language": "use a language tag such as fr, en or fr-CA",
        "url": "use a full address starting with https://",
        "base_url": "use a full address starting with https://",
        "email": "use an e-mail address such as podcast@example.org",
        "osm": "use N, W or R and the OpenStreetMap number, e.g. R1234567",
        "country": "use a two-letter country code in capitals, e.g. FR",
        "link": "use a full address starting with https://",
        "name": "use a short name without spaces at either end",
        "tld": "use a Google domain ending such as fr, com, ca or co.uk",
    }.get(field, "see the tour file reference")


def _example(field: str | int) -> str:
    return {
        "title": " (e.g. title: Cavalaire-sur-Mer)",
        "narration": " (the text to be spoken, e.g. narration: |)",
        "description": " (one or two sentences for podcast apps)",
        "stops": " (a list of stops, each with title: and narration:)",
        "lat": " (e.g. lat: 43.1727)",
        "lon": " (e.g. lon: 6.5330)",
        "mode": " (foot, car or bike)",
        "language": " (a language tag, e.g. language: en)",
        "id": " (the id of the stop in the tour file, e.g. id: cavalaire)",
    }.get(str(field), "")


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "…"


__all__ = ["Area", "GuideSettings", "Lexicon", "LexiconEntry", "License", "LoadedTour", "Location", "Owner", "Person",
           "Podcast", "Section", "Stop", "Tour", "Voice", "Way", "load_tour", "format_key", "sound_files"]
