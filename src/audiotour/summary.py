"""What `audiotour check` prints: enough to see the tour is the one meant."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timezone
from pathlib import Path

from .engines import VoiceRequest, heard_rate
from .legs import Leg, leg_km, tour_legs
from .tour import LoadedTour, Location, Section, Stop, Tour, Way

MODE_WORDS = {"foot": "on foot", "bike": "by bike", "car": "by car"}


def words_per_minute(tour: Tour) -> int:
    """The pace the tour's voice aims at: words a minute heard, pauses included (`voice.rate`)."""
    voice = tour.voice
    return heard_rate(VoiceRequest(language=tour.language, tld=voice.tld, slow=voice.slow, rate=voice.rate))


def pace_source(tour: Tour) -> str:
    """Where the pace comes from, as `check` says it."""
    if tour.voice.rate is not None:
        return "voice.rate"
    if tour.voice.slow:
        return "voice.slow"
    return "the default pace"


def count_words(text: str) -> int:
    return len(text.split())


def route_km(tour: Tour) -> float:
    points = [s.location for s in tour.stops if s.location]
    return sum(leg_km(a, b) for a, b in zip(points, points[1:]))


def spoken_way(way: Way | None) -> str:
    """What the visitor hears about the way on: the directions, then where to park."""
    if way is None:
        return ""
    return " ".join(text for text in (way.directions, way.parking) if text)


def part_words(part: Stop | Section) -> int:
    """Words spoken for one part: its title (announced first), narration and, for a stop, its way on."""
    way = part.way if isinstance(part, Stop) else None
    return count_words(f"{part.title} {part.narration} {spoken_way(way)}")


def narration_words(tour: Tour) -> int:
    """Words spoken: every part's title, narration and way on."""
    parts: list[Stop | Section] = [*tour.stops, *(x for x in (tour.intro, tour.outro) if x)]
    return sum(part_words(p) for p in parts)


def estimated_minutes(tour: Tour) -> float:
    parts = len(tour.stops) + (tour.intro is not None) + (tour.outro is not None)
    return narration_words(tour) / words_per_minute(tour) + tour.audio.pauses.segment * (parts - 1) / 60


FAR_KM = 100.0
"""A stop at least this far from the others (and five times their own spread) is most likely a typo."""


def location_warnings(loaded: LoadedTour) -> list[str]:
    """A located line for each stop whose coordinates look wrong: latitude and longitude swapped, or
    far from the tour's other stops. Compared with the median of the others, so one stray stop does
    not move the yardstick; with fewer than three located stops nothing is compared."""
    located = [(index, stop.location) for index, stop in enumerate(loaded.tour.stops) if stop.location]
    if len(located) < 3:
        return []
    warnings = []
    for index, here in located:
        others = [where for i, where in located if i != index]
        centre = Location(lat=_median([o.lat for o in others]), lon=_median([o.lon for o in others]))
        spread = _median([leg_km(o, centre) for o in others])
        limit = max(FAR_KM, 5 * spread)
        away = leg_km(here, centre)
        if away <= limit:
            continue
        swapped = Location(lat=here.lon, lon=here.lat) if abs(here.lon) <= 90 else None
        if swapped is not None and leg_km(swapped, centre) <= limit:
            reason = (f"lat {here.lat:g} and lon {here.lon:g} look swapped: this stop is {away:,.0f} km from "
                      f"the tour's other stops, {leg_km(swapped, centre):,.0f} km with them the other way round")
        else:
            reason = (f"this stop is {away:,.0f} km from the tour's other stops (they lie within "
                      f"{max(spread, 1):,.0f} km of each other's middle); check lat and lon")
        warnings.append(str(loaded.error(("stops", index, "location"), reason)))
    return warnings


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def summarize(tour: Tour, path: Path, translations: Mapping[str, Tour] | None = None,
              heard: dict[str, tuple[str, float]] | None = None, warnings_first: list[str] | None = None) -> str:
    """``translations``: the tour in other languages, shown side by side. ``heard``: per segment id, its file
    and the words a minute measured by the last build (from its manifest), shown after the estimate.
    ``warnings_first``: located warnings about the tour file, said before the rest."""
    located = sum(1 for s in tour.stops if s.location)
    extras = " + ".join(name for name, x in (("intro", tour.intro), ("outro", tour.outro)) if x)
    minutes = estimated_minutes(tour)
    duration = f"about {minutes:.0f} minutes" if minutes >= 1.5 else f"about {minutes * 60:.0f} seconds"
    lines = [
        f"{path}: valid",
        f"  {tour.title} ({tour.language})",
        f"  {_count(len(tour.stops), 'stop')}{' + ' + extras if extras else ''}, "
        f"{narration_words(tour)} words to speak",
        f"  {duration} of audio",
        f"  route: {route_km(tour):.1f} km through {_count(located, 'located stop')}",
        f"  parts, at {words_per_minute(tour)} words a minute ({pace_source(tour)}):",
    ]
    if tour.intro:
        lines.append(_part_line("intro", tour.intro, words_per_minute(tour)))
    warnings = [f"  warning: {warning}" for warning in warnings_first or ()]
    legs: list[Leg | None] = [*tour_legs(tour), None]
    for number, (stop, after, leg) in enumerate(zip(tour.stops, [*tour.stops[1:], None], legs), start=1):
        lines.append(_part_line(f"{number} {stop.slug}", stop, words_per_minute(tour)))
        if after is None or leg is None:
            continue
        lines.append("      " + _leg(stop, after, leg))
        if stop.way is None or not stop.way.directions:
            warnings.append(f"  warning: the way from {stop.slug} to {after.slug} has no directions; "
                            f"add way: {{mode: …, directions: …}} to stop {number}")
    if tour.outro:
        lines.append(_part_line("outro", tour.outro, words_per_minute(tour)))
    if translations:
        lines += side_by_side({tour.language: tour, **translations})
    publishing = podcast_warnings(tour)
    if publishing:
        # What a directory will ask for: said apart from the tour's own warnings, as it is not the visit's.
        lines += ["  before publishing as a podcast:", *(f"    - {w}" for w in publishing)]
    if heard:
        rates = [wpm for _, wpm in heard.values()]
        lines.append(f"  pace heard in the last build ({min(rates):.0f}-{max(rates):.0f} words a minute, "
                     "pauses included):")
        lines += [f"    {file}: {wpm:.0f} words a minute" for file, wpm in heard.values()]
    return "\n".join(lines + warnings)


def side_by_side(tours: Mapping[str, Tour]) -> list[str]:
    """Each part's words and minutes in every language, one column per language (the same stops in each),
    each language at its own voice's pace."""
    first = next(iter(tours.values()))
    names = [*(["intro"] if first.intro else []), *(f"{n} {s.slug}" for n, s in enumerate(first.stops, start=1)),
             *(["outro"] if first.outro else [])]
    rows: list[list[str]] = [[name] for name in names] + [["whole tour"]]
    for tour in tours.values():
        parts: list[Stop | Section] = [*([tour.intro] if tour.intro else []), *tour.stops,
                                       *([tour.outro] if tour.outro else [])]
        for row, part in zip(rows, parts):
            row.append(_words_and_time(part_words(part), part_words(part) / words_per_minute(tour) * 60))
        rows[-1].append(_words_and_time(narration_words(tour), estimated_minutes(tour) * 60))
    width = max(len(row[0]) for row in rows)
    cells = max(len(cell) for row in rows for cell in row[1:])
    header = " " * width + "".join(f"  {language:>{cells}}" for language in tours)
    paces = {language: words_per_minute(tour) for language, tour in tours.items()}
    if len(set(paces.values())) == 1:
        pace = f"{next(iter(paces.values()))} words a minute"
    else:
        pace = ", ".join(f"{wpm} ({language})" for language, wpm in paces.items()) + " words a minute"
    lines = [f"  languages, at {pace}:", "    " + header]
    lines += ["    " + row[0].ljust(width) + "".join(f"  {cell:>{cells}}" for cell in row[1:]) for row in rows]
    return lines


def _words_and_time(words: int, seconds: float) -> str:
    rounded = round(seconds / 5) * 5
    return f"{words} words {rounded // 60}:{rounded % 60:02d}"



def podcast_warnings(tour: Tour, today: date | None = None) -> list[str]:
    """What Apple Podcasts and Spotify will ask for that the tour does not say yet."""
    podcast = tour.podcast
    today = today or datetime.now(timezone.utc).date()
    warnings = []
    if tour.base_url is None:
        warnings.append("no base_url: no podcast feed is written until the tour (or the build) gives the address "
                        "where the output will be published")
    elif tour.base_url.startswith("http://"):
        warnings.append("base_url is http://; Apple Podcasts and Spotify want the feed and its files over https://")
    if podcast.owner is None or podcast.owner.email is None:
        warnings.append("no podcast.owner.email: Apple Podcasts and Spotify send their ownership check to it; "
                        "add podcast: {owner: {name: …, email: …}}")
    if not podcast.categories:
        warnings.append("no podcast.categories: the feed says Society & Culture/Places & Travel; directories file "
                        "the show under its first category")
    published = podcast.published
    if published is not None:
        day = published.date() if isinstance(published, datetime) else published
        if day > today:
            warnings.append(f"podcast.published ({day.isoformat()}) is in the future: apps hide episodes dated "
                            "after today")
    return warnings


def _part_line(name: str, part: Stop | Section, wpm: int) -> str:
    words = part_words(part)
    seconds = round(words / wpm * 60 / 5) * 5
    return f"    {name}: {words} words, {seconds // 60} min {seconds % 60:02d} s"


def _leg(stop: Stop, after: Stop, leg: Leg) -> str:
    way = stop.way
    target = f"to {after.slug}"
    if way is not None and leg.measured_km is not None:
        distance = f"{leg.measured_km:.1f} km by {'road' if way.mode == 'car' else 'road or path'}"
    elif leg.crow_km is None:
        distance = "distance unknown (a stop has no location)"
    else:
        distance = f"{leg.crow_km:.1f} km as the crow flies"
    if way is None:
        return f"{target}: {distance}, no way given"
    text = f"{target} {MODE_WORDS[way.mode]}: {distance}"
    if leg.minutes is not None:
        text += f", about {leg.minutes} min"
    if way.parking:
        text += "; parking given"
    return text


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
