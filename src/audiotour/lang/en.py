"""English: titles, times, ordinals, decades, regnal numbers, numbers with units, acronyms."""
from __future__ import annotations

import re

from num2words import num2words

from .core import (
    LanguagePack,
    Locale,
    Rule,
    Unit,
    caps_digits,
    dashes,
    expand,
    keep_stop,
    roman_value,
    spell_acronyms,
    tidy,
    typography,
    units_alternation,
)

_EN_WORD_ACRONYMS = frozenset(
    {
        "NASA", "NATO", "UNESCO", "UNICEF", "AIDS", "LASER", "RADAR", "SCUBA",
        "OPEC", "FIFA", "UEFA", "AWOL", "SWAT", "ANZAC", "SHAEF", "WASP", "NAAFI",
        "SONAR", "GIF", "JPEG", "UNIX",
    }
)

def en_acronyms(text: str, loc: Locale) -> str:
    """US → "U S", FBI → "F B I"; NASA, NATO... stay words."""
    return spell_acronyms(text, _EN_WORD_ACRONYMS, {}, drop_plural_s=False)
_EN_REGNAL_NAMES = (
    "Louis", "Henry", "Charles", "Edward", "George", "Elizabeth", "William", "James", "Richard",
    "John", "Pius", "Napoleon", "Francis", "Philip", "Peter", "Catherine", "Mary", "Leo",
    "Benedict", "Gregory", "Clement", "Innocent", "Alexander", "Nicholas", "Frederick",
    "Rameses", "Ramesses", "Ptolemy", "Constantine", "John Paul",
)


# --------------------------------------------------------------------------
# English
# --------------------------------------------------------------------------

_EN_SENTENCE_STARTERS = frozenset(
    {"The", "A", "An", "It", "We", "This", "That", "You", "He", "She", "They"}
    | {"In", "On", "At", "Then", "There"}
)

_EN_ABBREVIATIONS: list[tuple[str, str, bool]] = [
    (r"\bMrs\.?(?= )", "Missus", False),
    (r"\bMr\.?(?= )", "Mister", False),
    (r"\bMs\.?(?= [A-Z])", "Miz", False),
    (r"\bDr\.?(?= [A-Z])", "Doctor", False),
    (r"\bProf\.(?= [A-Z])", "Professor", False),
    (r"\bGen\.(?= [A-Z])", "General", False),
    (r"\bLt\.?(?= [A-Z])", "Lieutenant", False),
    (r"\bCol\.(?= [A-Z])", "Colonel", False),
    (r"\bCapt\.(?= [A-Z])", "Captain", False),
    (r"\bSgt\.?(?= [A-Z])", "Sergeant", False),
    (r"\bMt\.?(?= [A-Z])", "Mount", False),
    (r"\bJr\.", "Junior", True),
    (r"\bAve\.", "Avenue", True),
    (r"\bapprox\.", "approximately", False),
    (r"\betc\.", "et cetera", True),
    (r"\be\.g\.,?", "for example,", False),
    (r"\bi\.e\.,?", "that is,", False),
    (r"\bvs\.?(?= )", "versus", False),
    (r"\bNo\.(?= ?\d)", "number", False),
    (r"\bpp\.(?= ?\d)", "pages", False),
    (r"\bp\.(?= ?\d)", "page", False),
]
_EN_ABBREVIATIONS_COMPILED = [(re.compile(p), r, stop) for p, r, stop in _EN_ABBREVIATIONS]


def en_abbreviations(text: str, loc: Locale) -> str:
    """Mr. → Mister, Dr. → Doctor, St. → Saint or Street depending on its neighbours."""
    def saint(match: re.Match[str]) -> str:
        # "Main St. The tour starts..." : a sentence-initial word is no saint.
        if match["next"] in _EN_SENTENCE_STARTERS:
            return match.group(0)
        return "Saint "

    text = re.sub(r"\bSt-(?=[A-Z])", "Saint-", text)
    text = re.sub(r"\bSt\.? (?=(?P<next>[A-Z][\w']*))", saint, text)
    # What is left follows a name: "Main St", "Main St."
    text = re.sub(
        r"\b(?P<name>[A-Z][\w']*) St\b(?P<dot>\.?)",
        lambda m: f"{m['name']} Street" + (keep_stop(m) if m["dot"] else ""),
        text,
    )
    return expand(text, _EN_ABBREVIATIONS_COMPILED)


_EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
              "November", "December")


def _en_date(day: int, month: int, year: str | None) -> str | None:
    import datetime

    try:
        datetime.date(int(year) if year else 2000, month, day)
    except ValueError:
        return None
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    # "15th August": the ordinal rule says "fifteenth".
    said = f"{day}{suffix} {_EN_MONTHS[month - 1]}"
    return f"{said} {year}" if year else said


def _en_pair(pair: str, loc: Locale) -> str:
    return f"oh {_en_cardinal(int(pair[1]), loc)}" if pair.startswith("0") else _en_cardinal(int(pair), loc)


def en_written_forms(text: str, loc: Locale) -> str:
    """Dates in figures (15.08.1944, 08/15/1944 when the day cannot be first, 15/08), French phone numbers in
    pairs, D-1 and J+1."""

    def date(match: re.Match[str]) -> str:
        first, second, year = int(match["a"]), int(match["b"]), match["y"]
        if year and len(year) == 2:
            return match.group(0)
        # Day first, as most of the world writes it; month first when the day could not be first (08/15).
        said = _en_date(first, second, year) if second <= 12 else _en_date(second, first, year)
        return match.group(0) if said is None else said

    text = re.sub(r"(?<![\w/.,-])(?P<a>\d{1,2})(?P<s>[./-])(?P<b>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?![\w/]|[.,-]\d)",
                  date, text)
    text = re.sub(r"(?<![\w.,-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\w-])",
                  lambda m: _en_date(int(m["d"]), int(m["m"]), m["y"]) or m.group(0), text)
    text = re.sub(r"(?<![\w/.,-])(?P<d>\d{1,2})/(?P<m>\d{2})(?![\w/]|[.,]\d)",
                  lambda m: _en_date(int(m["d"]), int(m["m"]), None) or m.group(0), text)
    text = re.sub(r"(?<![\w+.,])(0\d)((?:[ .-]?\d{2}){4})(?![\w]|[.,]\d)",
                  lambda m: ", ".join(_en_pair(p, loc) for p in [m[1], *re.findall(r"\d{2}", m[2])]), text)
    return re.sub(r"(?<![\w-])([DJH]) ?([-−+]) ?(\d{1,3})(?![\w])",
                  lambda m: f"{m[1]} {'plus' if m[2] == '+' else 'minus'} {_en_cardinal(int(m[3]), loc)}", text)


def en_ampersand(text: str, loc: Locale) -> str:
    return re.sub(r"\s*&\s*", " and ", text)


def _en_cardinal(n: int, loc: Locale) -> str:
    # num2words writes "one thousand, five hundred": the comma would be a pause.
    return str(num2words(n, lang=loc.n2w or "en")).replace(",", "")


def en_world_wars(text: str, loc: Locale) -> str:
    """WWII / WW2 / World War II → World War Two."""
    text = re.sub(r"\bWW ?(?:II|2)\b", "World War Two", text)
    text = re.sub(r"\bWW ?(?:I|1)\b", "World War One", text)
    text = re.sub(r"\b(World War) II\b", r"\1 Two", text)
    return re.sub(r"\b(World War) I\b", r"\1 One", text)


def en_regnal_numbers(text: str, loc: Locale) -> str:
    """Henry VIII → Henry the Eighth, Elizabeth II → Elizabeth the Second.

    A bare "I" after a name is only taken as a numeral when nothing follows it
    but punctuation or "of": in "when Charles I was king" it is, in "Charles I
    think" it would not be, and the pronoun is far more common.
    """
    names = "|".join(re.escape(n) for n in _EN_REGNAL_NAMES)

    def say(match: re.Match[str]) -> str:
        value = roman_value(match["num"])
        if value is None:
            return match.group(0)
        ordinal = num2words(value, lang=loc.n2w or "en", to="ordinal")
        return f"{match['name']} the {ordinal.capitalize()}"

    text = re.sub(rf"\b(?P<name>{names}) (?P<num>[IVXLC]{{2,}})(?![\w])", say, text)
    return re.sub(rf"\b(?P<name>{names}) (?P<num>I)(?=$|[.,;:!?)]| of\b|'s\b)", say, text)


def en_times(text: str, loc: Locale) -> str:
    """6 p.m. → six pm, 10:30 am → ten thirty am, 18:00 → eighteen hundred."""

    def minutes(mm: str | None) -> str:
        if not mm or int(mm) == 0:
            return ""
        if mm.startswith("0"):
            return " oh " + _en_cardinal(int(mm), loc)
        return " " + _en_cardinal(int(mm), loc)

    def with_meridiem(match: re.Match[str]) -> str:
        meridiem = "am" if match["ap"].lower() == "a" else "pm"
        stop = keep_stop(match) if match.group(0).endswith(".") else ""
        return f"{_en_cardinal(int(match['h']), loc)}{minutes(match['m'])} {meridiem}{stop}"

    text = re.sub(
        r"(?<![\w:.,])(?P<h>1[0-2]|0?\d)(?::(?P<m>[0-5]\d))? ?(?P<ap>[aApP])(?:\.[mM]\.|[mM](?![\w]))",
        with_meridiem,
        text,
    )

    def clock(match: re.Match[str]) -> str:
        hours, mm = int(match["h"]), match["m"]
        if int(mm) == 0:
            # Military-style times are read "eighteen hundred"; 9:00 is "nine o'clock".
            military = hours > 12 or match["h"].startswith("0")
            return _en_cardinal(hours, loc) + (" hundred" if military else " o'clock")
        return _en_cardinal(hours, loc) + minutes(mm)

    text = re.sub(r"(?<![\w:.,])(?P<h>[01]?\d|2[0-3]):(?P<m>[0-5]\d)(?![\w:])", clock, text)
    # The French way of writing hours turns up in English tours too: 8h00, 9h30, 18h.
    return re.sub(r"(?<![\w:.,])(?P<h>[01]?\d|2[0-3]) ?h ?(?P<m>[0-5]\d)?(?![\w:])",
                  lambda m: clock(m) if m["m"] else _en_cardinal(int(m["h"]), loc) + (
                      " hundred" if int(m["h"]) > 12 else " o'clock"), text)


def en_ordinals(text: str, loc: Locale) -> str:
    """3rd → third, 21st → twenty-first."""
    return re.sub(
        r"(?<![\w.,])(\d{1,3}(?:,\d{3})*|\d+)(st|nd|rd|th)(?![\w])",
        lambda m: num2words(int(m.group(1).replace(",", "")), lang=loc.n2w or "en", to="ordinal"),
        text,
    )


def en_decades(text: str, loc: Locale) -> str:
    """1940s → nineteen forties, the '60s → the sixties."""

    def plural(words: str) -> str:
        return words[:-1] + "ies" if words.endswith("y") else words + "s"

    text = re.sub(
        r"(?<![\w.,])(1[1-9]|20)(\d0)s(?![\w])",
        lambda m: plural(num2words(int(m.group(1) + m.group(2)), lang=loc.n2w or "en", to="year")),
        text,
    )
    return re.sub(r"(?<![\w])'([1-9]0)s(?![\w])", lambda m: plural(_en_cardinal(int(m.group(1)), loc)), text)


_EN_UNITS: dict[str, Unit] = {
    "km/h": Unit("kilometer per hour", "kilometers per hour"),
    "mph": Unit("mile per hour", "miles per hour"),
    "km²": Unit("square kilometer", "square kilometers"),
    "m²": Unit("square meter", "square meters"),
    "km": Unit("kilometer", "kilometers"),
    "cm": Unit("centimeter", "centimeters"),
    "mm": Unit("millimeter", "millimeters"),
    "m": Unit("meter", "meters"),
    "mi": Unit("mile", "miles"),
    "ft": Unit("foot", "feet"),
    "kg": Unit("kilogram", "kilograms"),
    "lb": Unit("pound", "pounds"),
    "lbs": Unit("pound", "pounds"),
    "ha": Unit("hectare", "hectares"),
    "°C": Unit("degree Celsius", "degrees Celsius"),
    "°F": Unit("degree Fahrenheit", "degrees Fahrenheit"),
    "°": Unit("degree", "degrees"),
    "%": Unit("percent", "percent", invariable=True),
    "€": Unit("euro", "euros", currency=True),
    "$": Unit("dollar", "dollars", currency=True),
    "£": Unit("pound", "pounds", currency=True),
}

_EN_NUMBER_WITH_UNIT = re.compile(
    r"(?:(?P<pre>[€$£]) ?)?"
    r"(?:(?<![\w])(?P<sign>[-−]))?"
    r"(?<![\w.,])(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?: \d{3})+(?!\d)|\d+)"
    r"(?:\.(?P<frac>\d+))?(?!\d)"
    r"(?P<mag> (?:thousand|million|billion|trillion)\b)?"
    rf"(?: ?(?P<unit>{units_alternation(_EN_UNITS)})(?![\w]))?"
)


def en_numbers(text: str, loc: Locale) -> str:
    """1,000 → one thousand, 3.5 → three point five, 10% → ten percent, 1944 → nineteen forty-four."""

    def say(match: re.Match[str]) -> str:
        if match["pre"] and match["unit"]:
            return match.group(0)
        unit_key = match["pre"] or match["unit"]
        unit = _EN_UNITS.get(unit_key) if unit_key else None
        raw_int = match["int"]
        integer = int(re.sub("[, ]", "", raw_int))
        frac = match["frac"]
        sign = "minus " if match["sign"] else ""
        magnitude = match["mag"] or ""

        is_year = raw_int.isdigit() and len(raw_int) == 4 and 1000 <= integer <= 2099
        if is_year and unit is None and not (sign or frac or magnitude):
            # "fifteen hundred men" is as natural as "in fifteen hundred".
            return str(num2words(integer, lang=loc.n2w or "en", to="year"))

        if unit and not unit.currency and frac and frac.rstrip("0") == "5" and not (sign or magnitude) \
                and not unit_key.startswith("°") and unit.singular != unit.plural:
            # 1.5 km is "one and a half kilometers", 0.5 km "half a kilometer".
            if integer == 0:
                return f"half a {unit.singular}"
            return f"{_en_cardinal(integer, loc)} and a half {unit.plural}"
        words = sign + _en_cardinal(integer, loc)
        if unit and unit.currency and frac and len(frac) <= 2 and not magnitude:
            cents = int(frac.ljust(2, "0"))
            if integer == 0 and unit_key == "$":
                return f"{sign}{_en_cardinal(cents, loc)} cent{'s' if cents != 1 else ''}"
            name = unit.singular if integer == 1 else unit.plural
            return f"{words} {name} {_en_cardinal(cents, loc)}" if cents else f"{words} {name}"
        if frac:
            words += " point " + " ".join(_en_cardinal(int(d), loc) for d in frac)
        words += magnitude
        if unit:
            singular = integer == 1 and not frac and not magnitude
            return f"{words} {unit.singular if singular else unit.plural}"
        return words

    return _EN_NUMBER_WITH_UNIT.sub(say, text)


RULES: tuple[Rule, ...] = (
    typography,
    tidy,
    en_ampersand,
    en_abbreviations,
    en_written_forms,
    en_world_wars,
    en_regnal_numbers,
    en_times,
    en_ordinals,
    en_decades,
    caps_digits,
    en_numbers,
    en_acronyms,
    dashes,
    tidy,
)

ABBREVIATIONS = frozenset({
    # Words after which a period does not end a sentence; en_abbreviations expands most of them.
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "capt", "sgt", "mt", "st", "jr", "sr", "ave",
    "approx", "vs", "etc", "e.g", "i.e", "no", "p", "pp", "vol", "fig", "ft", "ch", "art",
})

GUIDE: dict[str, str | list[str]] = {
    "start": "Start the visit",
    "startPlain": "Listen to the tour",
    "startHint": "Tap once, then pocket your phone: each story starts as you reach its site.",
    "continue": "Continue the visit",
    "restart": "Start the visit again",
    "finished": "The visit is over. Thank you for coming!",
    "following": "Following your position…",
    "accuracy": "± {m} m",
    "here": "You are at: {title}",
    "next": "Next stop",
    "away": "{distance} away, {direction}",
    "compass": ["to the north", "to the north-east", "to the east", "to the south-east",
                "to the south", "to the south-west", "to the west", "to the north-west"],
    "relative": ["straight ahead", "ahead on your right", "on your right", "behind you on the right",
                 "behind you", "behind you on the left", "on your left", "ahead on your left"],
    "foot": "about {time} on foot",
    "car": "about {time} by car",
    "bike": "about {time} by bike",
    "leg": "To the next stop: {distance}, {time}",
    "crow": "{distance} as the crow flies",
    "hours": "{h} h {m} min",
    "minutes": "{m} min",
    "how": "How to get there",
    "parking": "Parking: {parking}",
    "directions": "Directions",
    "endOfRoute": "End of the route",
    "skippedOne": "1 stop not heard",
    "skippedMany": "{n} stops not heard",
    "playOutro": "Hear the closing words",
    "queued": "Up next: {title}",
    "listen": "Listen",
    "pause": "Pause",
    "resume": "Resume",
    "listenTo": "Listen: {title}",
    "pauseTo": "Pause: {title}",
    "played": "Heard",
    "transcript": "Read the text",
    "links": "Further reading",
    "stop": "Stop {n}",
    "intro": "Introduction",
    "outro": "Closing",
    "player": "Audio player",
    "previous": "Previous",
    "nextTrack": "Next",
    "play": "Play",
    "seek": "Position in the story",
    "nothing": "Choose a stop to listen to",
    "manual": "Manual mode",
    "manualOn": "Manual mode: tap “Listen” on each stop.",
    "follow": "Follow my position",
    "geoDenied": "Location refused: allow it in the browser settings.",
    "geoUnavailable": "No position: no GPS signal here.",
    "geoTimeout": "The GPS does not answer.",
    "geoPoor": "Imprecise position (± {m} m): the stories wait for a better one.",
    "geoWaiting": "Looking for a GPS signal…",
    "geoMissing": "This browser gives no position: tap “Listen” on each stop.",
    "insecure": "GPS following needs an https:// address: tap “Listen” on each stop.",
    "wakeLock": "The screen may switch off and stop the following: keep it on.",
    "download": "Download for the visit",
    "downloadResume": "Resume the download",
    "downloading": "Downloading: {files} of {total} files · {done} of {size}",
    "downloadPartial": "Download interrupted: {files} of {total} files.",
    "downloadFailed": "The download stopped ({files} of {total} files): resume it with a network.",
    "downloadReady": "Ready offline · {duration} · {size}",
    "downloadRemove": "Remove",
    "downloadNone": "This browser cannot keep the visit offline: stay online.",
    "downloadInsecure": "Keeping the visit offline needs an https:// address: stay online.",
    "persistDenied": "The browser did not promise to keep this copy: it may delete it when space runs low.",
    "language": "Language of the tour",
    "languageOffline": "No network, and the {language} version is not downloaded.",
    "downloadAlso": "Also download: {language}",
    "downloadAlsoProgress": "{language}: {done} of {size}",
    "downloadAlsoReady": "{language}: ready offline",
    "downloadAlsoFailed": "{language}: the download stopped; resume it with a network.",
    "megabytes": "{n} MB",
    "kilobytes": "{n} kB",
    "update": "A new version of the tour",
    "updateButton": "Update",
    "map": "Map of the route",
    "you": "You are here",
    "mapCredits": "Leaflet (BSD-2 licence)",
    "tiles": "© OpenStreetMap contributors",
    "whole": "The whole tour in one file (MP3)",
    "gpx": "The route for a maps app (GPX)",
    "noscript": "This page needs JavaScript. The recordings:",
}
"""The web guide's own words, written whole: the page only fills in numbers, distances and titles."""


PACK = LanguagePack(code="en", name="English", rules=RULES, abbreviations=ABBREVIATIONS, guide=GUIDE,
                    whole_tour_title="{title} — the whole tour")
