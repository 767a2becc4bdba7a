"""Spoken forms of written text, for TTS engines.

TTS engines read what they are given: eSpeak NG says ``FFI`` as "fi", reads
``XIXe`` letter by letter and knows nothing of ``av. J.-C.``; Google TTS is
better but still stumbles on French abbreviations, regnal numbers and
thousands separators. Rather than tune every engine, the tour text is rewritten
into plain words once, here.

As in gTTS's ``tokenizer.pre_processors``, each language has a pipeline of
small named rules applied in order. Order matters: a rule may rely on an
earlier rule having consumed a pattern (e.g. hours before generic numbers, so
that ``18h`` is not read "dix-huit h"), and the acronym rule runs last so that
roman numerals and abbreviations are gone by then.

Numbers are spelled by num2words; only its French gaps are patched here
(feminine "une", invariable "cent", "-ième" after "vingts"/"cents").
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from num2words import CONVERTER_CLASSES, num2words

__all__ = ["normalize", "apply_lexicon"]


@dataclass(frozen=True)
class Locale:
    """What a rule needs to know about the target language."""

    language: str  # primary subtag, lower case: "fr", "en", "de"
    n2w: str | None  # num2words code ("fr", "fr_CH", "en"), None if unsupported


Rule = Callable[[str, Locale], str]


def _locale(language: str) -> Locale:
    parts = language.replace("_", "-").split("-")
    primary = parts[0].lower()
    region = parts[1].upper() if len(parts) > 1 else ""
    # Swiss and Belgian French say "septante"/"nonante": num2words knows them.
    for code in (f"{primary}_{region}", primary):
        if code in CONVERTER_CLASSES:
            return Locale(primary, code)
    return Locale(primary, None)


_UPPER = "A-ZÀ-ÖØ-Þ"
# Before these, French elides "de" to "d'" (h: the common, mute case).
_LOWER_VOWEL_OR_H = "aàâeéèêëiîïoôöuùûüyœæh"


def _keep_stop(match: re.Match[str]) -> str:
    """'.' to put back after an expanded abbreviation that also ended a sentence."""
    rest = match.string[match.end():]
    if rest == "" or re.match(rf"\s+[{_UPPER}]", rest):
        return "."
    return ""


# --------------------------------------------------------------------------
# Rules shared by every language
# --------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'", "`": "'"})
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")


def typography(text: str, loc: Locale) -> str:
    """Plain apostrophes and quotes, single spaces.

    Engines pronounce ``'`` elisions reliably but not always ``’``; guillemets
    are sometimes read aloud. All the exotic spaces (NBSP, narrow NBSP before
    ``%`` or ``:`` in French, thin spaces in numbers) become plain spaces so
    that later rules only have to match one kind.
    """
    text = _INVISIBLE.sub("", text).translate(_APOSTROPHES)
    text = re.sub(r"«\s*|\s*»|[“”„‟‹›]", '"', text)
    return re.sub(r"\s+", " ", text).strip()


def dashes(text: str, loc: Locale) -> str:
    """Dashes used as punctuation become commas, which engines turn into pauses.

    Runs after the number rules: ranges and negative numbers have been read
    out by then, so any dash left is punctuation. Hyphens inside words stay.
    """
    # Loop: "— -" leaves a new spaced hyphen behind the first comma.
    while True:
        # A leading dash marks dialogue or a list item: nothing to pause after.
        replaced = re.sub(r"^\s*(?:[–—]\s*|-\s+)", "", text)
        replaced = re.sub(r"\s*[–—]\s*|\s+-\s+", ", ", replaced)
        if replaced == text:
            return text
        text = replaced


def tidy(text: str, loc: Locale) -> str:
    """Spacing and punctuation debris, typed by hand or left by the other rules.

    Run first as well as last, so that the number rules see the punctuation
    the final text will have (and a second normalize() finds nothing to do).
    """
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.)])", r"\1", text)
    text = re.sub(r"\(\s+", "(", text)
    text = re.sub(r",(\s*,)+", ",", text)
    text = re.sub(r",\s*([.!?;:])", r"\1", text)
    return text.strip()


def plain_integers(text: str, loc: Locale) -> str:
    """For languages without a rule set, at least spell whole numbers.

    Numbers touching a separator (3,5 or 1.000) are left alone: without
    knowing the language's conventions, reading them digit group by digit
    group would be worse than letting the engine try.
    """
    if loc.n2w is None:
        return text

    def spell(match: re.Match[str]) -> str:
        number = int(match.group(0))
        # 1944 is a year far more often than a count: most languages say years their own way.
        for kind in (("year", "cardinal") if 1100 <= number <= 2099 and len(match.group(0)) == 4 else ("cardinal",)):
            try:
                return num2words(number, lang=loc.n2w, to=kind)
            except (NotImplementedError, OverflowError, ValueError, TypeError, KeyError):
                continue
        return match.group(0)

    # Thousands grouped with spaces (250 000) are one number, in every language.
    text = re.sub(r"(?<![\w.,])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\w,]|[.,]\d)",
                  lambda m: re.sub(r"\D", "", m.group(0)), text)
    # "15. August" is an ordinal in German and several other languages: a
    # number before a period is only safe to read at the very end of the text.
    return re.sub(r"(?<![\w.,])\d+(?![\w,]|[.,]\d|\.(?=.))", spell, text)


# --------------------------------------------------------------------------
# Acronyms (French and English share the logic, not the word lists)
# --------------------------------------------------------------------------

# Said as words, not letters.
_FR_WORD_ACRONYMS = frozenset(
    {
        "ONU", "OTAN", "UNESCO", "NASA", "SIDA", "ZAC", "UNICEF", "OVNI", "INSEE",
        "OPEP", "SAMU", "SMIC", "ENA", "CROUS", "ZUP", "ZEP", "INRA", "ONERA",
        "PACA", "FIFA", "UEFA", "RAID", "DOM", "TOM", "SHAEF", "ANZAC", "CAPES",
        "AFNOR", "CNIL", "ASSEDIC",
    }
)
_EN_WORD_ACRONYMS = frozenset(
    {
        "NASA", "NATO", "UNESCO", "UNICEF", "AIDS", "LASER", "RADAR", "SCUBA",
        "OPEC", "FIFA", "UEFA", "AWOL", "SWAT", "ANZAC", "SHAEF", "WASP", "NAAFI",
        "SONAR", "GIF", "JPEG", "UNIX",
    }
)
# Capitalised function words only occur in text typed in capitals: their
# presence marks a shouted title that must be read as words.
_CAPS_FUNCTION_WORDS = frozenset(
    {
        "LE", "LA", "LES", "DE", "DU", "DES", "UN", "UNE", "ET", "EN", "AU", "AUX",
        "SUR", "DANS", "PAR", "POUR", "AVEC", "THE", "AND", "OF", "IN", "ON", "TO",
        "FOR", "AT", "BY", "WITH", "IS", "IT",
    }
)
# Left to the roman-numeral rules; alone they are ambiguous ("Vatican II").
_ROMAN_ONLY = re.compile(r"[IVX]+")

# eSpeak NG reads a lone "Y" in French as the pronoun "y" (/i/), not "i grec".
_FR_LETTER_NAMES = {"Y": "i grec"}

_CAPS_WORD = re.compile(rf"(?<![\w])[{_UPPER}]+(?![\w])")


def _protected_spans(text: str) -> list[tuple[int, int]]:
    """Stretches of text typed in capitals, whose words must not be spelled."""
    spans: list[tuple[int, int]] = []
    words = list(_CAPS_WORD.finditer(text))
    i = 0
    while i < len(words):
        j = i
        while j + 1 < len(words) and re.fullmatch(r"[ '-]+", text[words[j].end() : words[j + 1].start()]):
            j += 1
        run = [w.group(0) for w in words[i:j + 1]]
        if any(len(w) >= 6 or w in _CAPS_FUNCTION_WORDS for w in run):
            spans.append((words[i].start(), words[j].end()))
        i = j + 1
    return spans


def _spell_acronyms(
    text: str, word_acronyms: frozenset[str], letter_names: Mapping[str, str], drop_plural_s: bool
) -> str:
    spans = _protected_spans(text)

    def spell(match: re.Match[str]) -> str:
        letters, plural = match.group(1), match.group(2)
        if (
            letters in word_acronyms
            or _ROMAN_ONLY.fullmatch(letters)
            or any(a <= match.start() < b for a, b in spans)
        ):
            return match.group(0)
        if plural and not drop_plural_s:
            return match.group(0)
        return " ".join(letter_names.get(c, c) for c in letters)

    # Space-separated capitals: eSpeak NG (fr and en) gives each its letter
    # name, and there is no '.' for gTTS's tokenizer to split a sentence on.
    return re.sub(r"(?<![\w])([A-Z]{2,5})(s?)(?![\w])", spell, text)


def fr_acronyms(text: str, loc: Locale) -> str:
    """FFI → "F F I", SNCF → "S N C F"; ONU, OTAN... stay words; GIs → "G I"."""
    return _spell_acronyms(text, _FR_WORD_ACRONYMS, _FR_LETTER_NAMES, drop_plural_s=True)


def en_acronyms(text: str, loc: Locale) -> str:
    """US → "U S", FBI → "F B I"; NASA, NATO... stay words."""
    return _spell_acronyms(text, _EN_WORD_ACRONYMS, {}, drop_plural_s=False)


def caps_digits(text: str, loc: Locale) -> str:
    """GR20, A8, V2: the letters and the number are said separately."""
    return re.sub(r"(?<![\w])([A-Z]{1,5})-?(?=\d+(?![\w]))", r"\1 ", text)


# --------------------------------------------------------------------------
# Roman numerals
# --------------------------------------------------------------------------

_ROMAN_VALID = re.compile(r"(?=[MDCLXVI])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _roman_value(numeral: str) -> int | None:
    if not _ROMAN_VALID.fullmatch(numeral):
        return None
    total = 0
    for char, following in zip(numeral, numeral[1:] + " "):
        value = _ROMAN_VALUES[char]
        total += -value if following != " " and _ROMAN_VALUES[following] > value else value
    return total


# Given names and titles after which a roman numeral is a regnal number.
_REGNAL_NAMES = (
    "Louis-Philippe", "Jean-Paul", "Victor-Emmanuel", "Louis", "Henri", "Charles", "François",
    "Napoléon", "Pie", "Jean", "Paul", "Élisabeth", "Elisabeth", "Philippe", "Jacques", "Léon",
    "Benoît", "Grégoire", "Clément", "Innocent", "Urbain", "Boniface", "Sixte", "Jules",
    "Édouard", "George", "Georges", "Guillaume", "Frédéric", "Alexandre", "Nicolas", "Pierre",
    "Catherine", "Isabelle", "Jeanne", "Marie", "Alphonse", "Ferdinand", "Rainier", "Albert",
    "Léopold", "Baudouin", "Raimond", "Raymond", "Bérenger", "René", "Robert", "Hugues", "Lothaire",
    "Clovis", "Childéric", "Dagobert", "Richard", "Othon", "Otton", "Amédée", "Humbert",
    "Ramsès", "Aménophis", "Thoutmôsis", "Séthi", "Ptolémée", "Constantin", "Justinien",
    "Théodose", "Hassan", "Mohammed",
)
_FR_FEMININE_NAMES = frozenset({"Élisabeth", "Elisabeth", "Catherine", "Isabelle", "Jeanne", "Marie"})

_EN_REGNAL_NAMES = (
    "Louis", "Henry", "Charles", "Edward", "George", "Elizabeth", "William", "James", "Richard",
    "John", "Pius", "Napoleon", "Francis", "Philip", "Peter", "Catherine", "Mary", "Leo",
    "Benedict", "Gregory", "Clement", "Innocent", "Alexander", "Nicholas", "Frederick",
    "Rameses", "Ramesses", "Ptolemy", "Constantine", "John Paul",
)


# --------------------------------------------------------------------------
# French
# --------------------------------------------------------------------------

_FR_CENTS = re.compile(r"\bcents(?= (?!millions?\b|milliards?\b)\w)")


def _fr_cardinal(n: int, loc: Locale, feminine: bool = False) -> str:
    words = num2words(n, lang=loc.n2w or "fr")
    # fr_CH / fr_BE write "neuf cents quarante"; "cent" only agrees when last.
    words = _FR_CENTS.sub("cent", words)
    if feminine:
        # "vingt et un heures" is wrong; num2words only knows the masculine.
        words = re.sub(r"\bun$", "une", words)
    return words


def _fr_ordinal(n: int, loc: Locale, feminine: bool = False) -> str:
    if n == 1:
        return "première" if feminine else "premier"
    words = num2words(n, lang=loc.n2w or "fr", to="ordinal")
    words = _FR_CENTS.sub("cent", words)
    # num2words appends "ième" to the plural: "quatre-vingtsième", "deux centsième".
    words = re.sub(r"(vingt|cent)sième\b", r"\1ième", words)
    return re.sub(r"^un (million|milliard)ième", r"\1ième", words)


_FR_ABBREVIATIONS: list[tuple[str, str, bool]] = [
    # (pattern, replacement, the abbreviation's period may also end the sentence)
    (r"\bav\.? ?J\.?-? ?C\.", "avant Jésus-Christ", True),
    (r"\bapr\.? ?J\.?-? ?C\.", "après Jésus-Christ", True),
    (r"\bJ\.-C\.", "Jésus-Christ", True),
    (r"\bN\.-D\.", "Notre-Dame", False),
    (r"\bc\.-à-d\.", "c'est-à-dire", False),
    (r"\betc\.{1,3}|\betc\b", "et cétéra", True),  # "cetera" without accents: eSpeak says "sətʁa"
    (r"\b[Cc]f\.", "voir", False),
    (r"\benv\.(?= )", "environ", False),
    (r"\bhab\.", "habitants", True),
    (r"\bMM\.(?= )", "messieurs", False),
    # Not after another capital: "J. M. Dupont" is initials, "H L M. Puis" an acronym.
    (rf"(?<!\b[A-Z] )(?<!\b[A-Z]\. )\bM\.(?= (?:[{_UPPER}]|d(?:e|u|es)\b|d'))", "monsieur", False),
    (r"\bMmes\b(?:\.(?= ))?", "mesdames", False),
    (r"\bMme\b(?:\.(?= ))?", "madame", False),
    (r"\bMlles\b(?:\.(?= ))?", "mesdemoiselles", False),
    (r"\bMlle\b(?:\.(?= ))?", "mademoiselle", False),
    (r"\bMgr\b(?:\.(?= ))?", "monseigneur", False),
    (rf"\bDr\b\.?(?= [{_UPPER}])", "docteur", False),
    (rf"\bPr\b\.?(?= [{_UPPER}])", "professeur", False),
    (rf"\bSte(?=[- ][{_UPPER}])", "Sainte", False),
    (rf"\bSt(?=[- ][{_UPPER}])", "Saint", False),
    (rf"\bSte\. ?(?=[{_UPPER}])", "Sainte ", False),
    (rf"\bSt\. ?(?=[{_UPPER}])", "Saint ", False),
    (rf"\bMt\b\.?(?= [{_UPPER}])", "mont", False),
    (r"\b[nN][°º]s ?", "numéros ", False),
    (r"\b[nN][°º] ?", "numéro ", False),
    (rf"\b[Bb]d\b\.?(?= (?:[{_UPPER}]|d(?:e|u|es)\b|d'))", "boulevard", False),
    (rf"\bav\.(?= (?:[{_UPPER}]|d(?:e|u|es)\b|d'))", "avenue", False),
    (rf"\bAv\.(?= (?:[{_UPPER}]|d(?:e|u|es)\b|d'))", "Avenue", False),
    (r"\b(?:Gal|Gén|Gl)\b\.?(?= )", "général", False),
    (r"\bLt-Col\b\.?(?= )|\bLcl\b\.?(?= )", "lieutenant-colonel", False),
    (r"\bCol\.(?= )", "colonel", False),
    (r"\bCdt\b\.?(?= )", "commandant", False),
    (r"\bCne\b\.?(?= )", "capitaine", False),
    (r"\bLt\b\.?(?= )", "lieutenant", False),
    (r"\bSgt\b\.?(?= )", "sergent", False),
    (r"\bCie\b\.?(?= )", "compagnie", False),
    (r"\bpp\.(?= ?\d)", "pages", False),
    (r"\bp\.(?= ?\d)", "page", False),
]
_FR_ABBREVIATIONS_COMPILED = [(re.compile(p), r, stop) for p, r, stop in _FR_ABBREVIATIONS]


def fr_abbreviations(text: str, loc: Locale) -> str:
    """M. → monsieur, St- → Saint-, av. J.-C. → avant Jésus-Christ, p. 12 → page 12..."""
    return _expand(text, _FR_ABBREVIATIONS_COMPILED)


def _expand(text: str, table: list[tuple[re.Pattern[str], str, bool]]) -> str:
    def replace(match: re.Match[str], replacement: str, may_end_sentence: bool) -> str:
        # "M. Dupont arrive." must still start with a capital after expansion.
        # A period after a short word ("av. Dr") ends an abbreviation, not a sentence.
        if re.search(r"(?:^|[!?]\"? |(?:[^\W\d_]{3}|[\d\")])\. )$", match.string[: match.start()]):
            replacement = replacement[:1].upper() + replacement[1:]
        return replacement + (_keep_stop(match) if may_end_sentence else "")

    for pattern, replacement, may_end_sentence in table:
        text = pattern.sub(lambda m, r=replacement, e=may_end_sentence: replace(m, r, e), text)
    return text


def fr_ampersand(text: str, loc: Locale) -> str:
    return re.sub(r"\s*&\s*", " et ", text)


def fr_hours(text: str, loc: Locale) -> str:
    """18h → dix-huit heures, 1h30 → une heure trente, 0h15 → zéro heure quinze, 24h/24."""

    def say(match: re.Match[str]) -> str:
        hours = int(match["h"])
        if hours == 0:
            words = "zéro heure"  # singular below two, as for any French unit
        else:
            words = f"{_fr_cardinal(hours, loc, feminine=True)} heure{'s' if hours > 1 else ''}"
        minutes = int(match["m"]) if match["m"] else 0
        if minutes:
            # "dix heures vingt et une": the elided noun is "minute", feminine.
            words += " " + _fr_cardinal(minutes, loc, feminine=True)
            if match["min"]:
                words += " minute" + ("s" if minutes > 1 else "")
        return words

    text = re.sub(r"(?<![\w.,])24 ?h ?/ ?24(?![\w])", "vingt-quatre heures sur vingt-quatre", text)
    # 14:30:05 and 12:30 are how timetables write it; a French voice says 14 h 30 (et 5 secondes).
    text = re.sub(r"(?<![\w:.,])([01]?\d|2[0-3]):([0-5]\d):([0-5]\d)(?![\w:])",
                  lambda m: f"{m[1]}h{m[2]}" + (f" et {int(m[3])} seconde{'s' if int(m[3]) > 1 else ''}"
                                                if int(m[3]) else ""), text)
    text = re.sub(r"(?<![\w:.,])([01]?\d|2[0-3]):([0-5]\d)(?![\w:])", r"\1h\2", text)
    text = re.sub(r"(?<![\w.,])7 ?j ?/ ?7(?![\w])", "sept jours sur sept", text)
    return re.sub(
        r"(?<![\w.,])(?P<h>[01]?\d|2[0-4]) ?h ?(?:(?P<m>[0-5]\d)(?: ?(?P<min>min|mn))?)?(?![\w])",
        say,
        text,
    )


_FR_MONTH_NAMES = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                   "novembre", "décembre")
_FR_FRACTIONS = {(1, 2): "un demi", (1, 3): "un tiers", (2, 3): "deux tiers", (1, 4): "un quart",
                 (3, 4): "trois quarts"}


def fr_fractions(text: str, loc: Locale) -> str:
    """1/2 → un demi, 3/4 → trois quarts; other a/b → a sur b (never "trois/quatre")."""

    def date(match: re.Match[str]) -> str:
        day, month = int(match[1]), int(match[2])
        try:
            datetime.date(int(match[3]), month, day)
        except ValueError:
            return match[0]  # 31/02/1944 is no date: leave it for the author to see in `audiotour script`
        return f"{'1er' if day == 1 else day} {_FR_MONTH_NAMES[month - 1]} {match[3]}"

    # 15/08/1944 is a date, not two fractions: the date rule spells it later.
    text = re.sub(r"(?<![\w/.,])(\d{1,2})/(\d{1,2})/(\d{4})(?![\w/])", date, text)

    def say(match: re.Match[str]) -> str:
        top, bottom = int(match[1]), int(match[2])
        if (top, bottom) in _FR_FRACTIONS:
            return _FR_FRACTIONS[(top, bottom)]
        return f"{match[1]} sur {match[2]}"  # the numbers themselves are spelled by fr_numbers

    return re.sub(r"(?<![\w/.,])(\d{1,3})/(\d{1,3})(?![\w/])", say, text)


# suffix → (form, plural). "e"/"ème" after 1 is non-standard; read "premier".
_FR_ORDINAL_SUFFIXES: dict[str, tuple[str, bool]] = {
    "er": ("m", False), "ers": ("m", True), "ᵉʳ": ("m", False), "ᵉʳˢ": ("m", True),
    "re": ("f", False), "res": ("f", True), "ère": ("f", False), "ères": ("f", True),
    "ʳᵉ": ("f", False), "ʳᵉˢ": ("f", True),
    "e": ("m", False), "es": ("m", True), "ème": ("m", False), "èmes": ("m", True),
    "eme": ("m", False), "emes": ("m", True), "ᵉ": ("m", False), "ᵉˢ": ("m", True),
    "nd": ("nd", False), "nds": ("nd", True), "nde": ("nde", False), "ndes": ("nde", True),
}
_FR_ORDINAL_SUFFIX = "|".join(sorted(map(re.escape, _FR_ORDINAL_SUFFIXES), key=len, reverse=True))


def _fr_ordinal_from_suffix(n: int, suffix: str, loc: Locale) -> str:
    form, plural = _FR_ORDINAL_SUFFIXES[suffix]
    if form in ("nd", "nde") and n == 2:
        words = "second" if form == "nd" else "seconde"
    else:
        words = _fr_ordinal(n, loc, feminine=form in ("f", "nde"))
    return words + ("s" if plural else "")


def fr_ordinals(text: str, loc: Locale) -> str:
    """1er → premier, 1re → première, 3e → troisième, 2nd → second, 2nde → seconde."""
    return re.sub(
        rf"(?<![\w.,])(\d{{1,3}}(?:[ .]\d{{3}})+|\d+)({_FR_ORDINAL_SUFFIX})(?![\w])",
        lambda m: _fr_ordinal_from_suffix(int(re.sub(r"[ .]", "", m.group(1))), m.group(2), loc),
        text,
    )


def fr_roman_ordinals(text: str, loc: Locale) -> str:
    """XIXe siècle → dix-neuvième siècle, IIIe République, François Ier → premier.

    Only a numeral glued to an ordinal suffix is converted. "Le", "Ce", "Les"
    and "Ces" look like L/C + suffix, hence the single-letter exclusions.
    """

    def say(match: re.Match[str]) -> str:
        numeral, suffix = match.group(1), match.group(2)
        value = _roman_value(numeral)
        form = _FR_ORDINAL_SUFFIXES[suffix][0]
        # "er"/"re" only ever follow 1: "Vers" is a word, not "Ve" plural.
        if (
            value is None
            or numeral in ("L", "C")
            or form == "nd"
            or form == "nde"
            or (value == 1) != (form == "f" or suffix.startswith(("er", "ᵉʳ")))
        ):
            return match.group(0)
        return _fr_ordinal_from_suffix(value, suffix, loc)

    return re.sub(rf"(?<![\w])([IVXLC]+)({_FR_ORDINAL_SUFFIX})(?![\w])", say, text)


def fr_regnal_numbers(text: str, loc: Locale) -> str:
    """Louis XIV → Louis quatorze, Napoléon III → Napoléon trois, Élisabeth II → Élisabeth deux.

    Roman numerals are converted only after a known name: elsewhere "MIX",
    "CIVIL" or "DIX" in capitals are words.
    """
    names = "|".join(re.escape(n) for n in _REGNAL_NAMES)

    def say(match: re.Match[str]) -> str:
        value = _roman_value(match["num"])
        if value is None:
            return match.group(0)
        if value == 1:
            words = _fr_ordinal(1, loc, feminine=match["name"] in _FR_FEMININE_NAMES)
        else:
            words = _fr_cardinal(value, loc)
        return f"{match['name']}{match['sep']}{words}"

    # A lone capital after the numeral means a spelled acronym ("Louis V T T"), not a king.
    return re.sub(
        rf"(?<![\w-])(?P<name>{names})(?P<sep>[ -])(?P<num>[IVXLC]+)(?![\w]| [A-Z](?![\w]))", say, text
    )


_FR_MONTHS = r"janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"


def fr_dates(text: str, loc: Locale) -> str:
    """1 septembre → premier septembre; années 1940 → années quarante."""
    text = re.sub(rf"(?<![\w.,])1(?= (?:{_FR_MONTHS})\b)", "premier", text)
    # Decades are named by their last two digits.
    return re.sub(
        r"\b(années) (?:19)?([1-9]0)(?![\w])",
        lambda m: f"{m.group(1)} {_fr_cardinal(int(m.group(2)), loc)}",
        text,
    )


_FR_NUMBER = r"(?:\d{1,3}(?:[ .]\d{3})+(?![\d])|\d+)(?:[,.]\d+)?"


def fr_ranges(text: str, loc: Locale) -> str:
    """1939-1945 → 1939 à 1945; 14-18 and 10-12 keep the hyphen ("quatorze-dix-huit")."""

    def say(match: re.Match[str]) -> str:
        first, second = match.group(1), match.group(2)
        if len(first) <= 2 and len(second) <= 2:
            return f"{first}-{second}"
        return f"{first} à {second}"

    return re.sub(rf"(?<![\w.,-])({_FR_NUMBER}) ?[-–] ?({_FR_NUMBER})(?![\w,]|\.\d)", say, text)


@dataclass(frozen=True)
class _Unit:
    singular: str
    plural: str
    feminine: bool = False
    # Prefix units (currencies) are said after the whole number: "12,50 €" →
    # "douze euros cinquante".
    currency: bool = False
    # Words said as-is whatever the number ("pour cent").
    invariable: bool = False


_FR_UNITS: dict[str, _Unit] = {
    "km/h": _Unit("kilomètre à l'heure", "kilomètres à l'heure"),
    "km²": _Unit("kilomètre carré", "kilomètres carrés"),
    "km2": _Unit("kilomètre carré", "kilomètres carrés"),
    "m²": _Unit("mètre carré", "mètres carrés"),
    "m2": _Unit("mètre carré", "mètres carrés"),
    "m³": _Unit("mètre cube", "mètres cubes"),
    "km": _Unit("kilomètre", "kilomètres"),
    "cm": _Unit("centimètre", "centimètres"),
    "mm": _Unit("millimètre", "millimètres"),
    "m": _Unit("mètre", "mètres"),
    "kg": _Unit("kilo", "kilos"),
    "g": _Unit("gramme", "grammes"),
    "t": _Unit("tonne", "tonnes", feminine=True),
    "ha": _Unit("hectare", "hectares"),
    "min": _Unit("minute", "minutes", feminine=True),
    "mn": _Unit("minute", "minutes", feminine=True),
    "L": _Unit("litre", "litres"),
    # "°C" is "degrés" in speech; "Celsius" is only said when contrasted with Fahrenheit.
    "°C": _Unit("degré", "degrés"),
    "°F": _Unit("degré Fahrenheit", "degrés Fahrenheit"),
    "°": _Unit("degré", "degrés"),
    "%": _Unit("pour cent", "pour cent", invariable=True),
    "‰": _Unit("pour mille", "pour mille", invariable=True),
    "M€": _Unit("million d'euros", "millions d'euros"),
    "Md€": _Unit("milliard d'euros", "milliards d'euros"),
    "k€": _Unit("mille euros", "mille euros", invariable=True),
    "€": _Unit("euro", "euros", currency=True),
    "$": _Unit("dollar", "dollars", currency=True),
    "£": _Unit("livre", "livres", feminine=True, currency=True),
}

# Nouns whose gender changes "un" into "une" ("vingt et une divisions").
_FR_FEMININE_NOUNS = frozenset(
    {
        "heure", "minute", "seconde", "année", "semaine", "journée", "nuit", "fois", "personne",
        "division", "armée", "brigade", "compagnie", "batterie", "escadrille", "bombe", "tonne",
        "pièce", "salle", "toile", "œuvre", "marche", "étape", "plage", "île", "commune",
        "victime", "vedette", "péniche", "frégate", "chambre", "tourelle", "église", "chapelle",
        "villa", "maison", "rue", "route", "cloche", "statue", "colonne", "galerie", "fontaine",
        "porte", "place", "ville", "famille", "femme", "fille", "voix", "langue", "espèce",
        "source", "cascade", "randonnée", "boucle", "étoile", "lettre", "page", "ligne", "photo",
        "photographie", "sculpture", "peinture", "vitrine", "embarcation", "casemate", "borne",
        "génération", "tapisserie", "fresque", "mosaïque", "vague", "section", "escadre", "table",
        # Not "tour": a tower (une) or a lap (un), masculine is the safer guess.
    }
)


def _fr_is_feminine_noun(word: str) -> bool:
    word = word.lower()
    return word in _FR_FEMININE_NOUNS or (word[-1:] in ("s", "x") and word[:-1] in _FR_FEMININE_NOUNS)


# After "million(s)"/"milliard(s)" French needs "de": "deux millions d'habitants".
_FR_BIG = r"[a-z]*illi(?:on|ard)s?"  # million, milliard, billion, trilliard...
_FR_ROUND_BIG = rf"\b{_FR_BIG}$"
_FR_NO_DE_AFTER_MILLION = frozenset(
    {"de", "d", "du", "des", "et", "ou", "à", "au", "aux", "environ", "sur", "en", "par", "pour"}
)


def _fr_fraction(digits: str, loc: Locale) -> str:
    """Digits after the decimal comma, as a French speaker reads them."""
    zeros = len(digits) - len(digits.lstrip("0"))
    rest = digits[zeros:]
    words = ["zéro"] * zeros
    if rest:
        if len(rest) <= 3:
            words.append(_fr_cardinal(int(rest), loc))
        else:  # long tails are read digit by digit
            words.extend(_fr_cardinal(int(d), loc) for d in rest)
    return " ".join(words)


def _units_alternation(units: Mapping[str, _Unit]) -> str:
    return "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))


_FR_CURRENCY_SYMBOLS = "€$£"
_FR_NUMBER_WITH_UNIT = re.compile(
    rf"(?:(?P<pre>[{_FR_CURRENCY_SYMBOLS}]) ?)?"
    r"(?:(?<![\w])(?P<sign>[-−]))?"
    # One separator throughout: "2.500 250" is two numbers, not 2 500 250.
    r"(?<![\w.,])(?P<int>\d{1,3}(?P<sep>[ .])\d{3}(?:(?P=sep)\d{3})*(?!\d)|\d+)"
    r"(?:[,.](?P<frac>\d+))?(?!\d)"
    rf"(?: ?(?P<unit>{_units_alternation(_FR_UNITS)})(?![\w]))?"
)


def fr_numbers(text: str, loc: Locale) -> str:
    """Integers, decimals, negative numbers, percentages, units and currencies.

    Thousands may be grouped with spaces or dots (250 000, 2.500); a dot before
    anything but three digits is read as a decimal point (typed by mistake for
    a comma). Plural starts at 2, as the French rule has it (1,5 kilomètre).
    """

    def say(match: re.Match[str]) -> str:
        unit_key = match["unit"]
        if match["pre"] and unit_key:
            # "$10 %" or "€5 km": the prefix belongs to nothing, leave it.
            return match.group(0)
        if match["pre"]:
            unit_key = match["pre"]
        unit = _FR_UNITS.get(unit_key) if unit_key else None
        integer = int(re.sub(r"[ .]", "", match["int"]))
        frac = match["frac"]
        sign = "moins " if match["sign"] else ""
        value = integer + (float(f"0.{frac}") if frac else 0.0)
        plural = value >= 2

        rest = match.string[match.end():]
        if unit is None and re.match(r"[^\W\d_]", rest):
            # Glued to letters ("1st", "2CV"): a code or a foreign form, not a number to read.
            return match.group(0)
        next_word = re.match(r" ([^\W\d_]+)", rest)
        # "moins une" would be odd: a negative number is a quantity, not a count of things.
        if unit:
            feminine = unit.feminine
        else:
            feminine = bool(next_word and _fr_is_feminine_noun(next_word.group(1)))
        feminine = feminine and not sign

        if unit and unit.currency:
            words = sign + _fr_cardinal(integer, loc, feminine=unit.feminine)
            unit_words = unit.plural if plural else unit.singular
            if frac and len(frac) <= 2:
                cents = int(frac.ljust(2, "0"))
                if integer == 0 and unit_key == "€":
                    return f"{sign}{_fr_cardinal(cents, loc)} centime{'s' if cents > 1 else ''}"
                words = f"{words} {_fr_de(words, unit_words)}"
                return f"{words} {_fr_cardinal(cents, loc)}" if cents else words
            if frac:
                words += " virgule " + _fr_fraction(frac, loc)
            return f"{words} {_fr_de(words, unit_words)}"

        words = sign + _fr_cardinal(integer, loc, feminine=feminine and not frac)
        if frac:
            words += " virgule " + _fr_fraction(frac, loc)
        if unit:
            unit_words = unit.plural if plural else unit.singular
            if unit.invariable:
                return f"{words} {unit_words}"
            return f"{words} {_fr_de(words, unit_words)}"
        if next_word and not frac and re.search(_FR_ROUND_BIG, words):
            noun = next_word.group(1)
            if noun.islower() and noun not in _FR_NO_DE_AFTER_MILLION:
                return words + (" d'" if noun[0] in _LOWER_VOWEL_OR_H else " de")
        return words

    text = _FR_NUMBER_WITH_UNIT.sub(say, text)
    # say() cannot reach the space that follows its match: glue "d'" to its noun.
    return re.sub(rf"\b({_FR_BIG}) d' ", r"\1 d'", text)


def fr_elision(text: str, loc: Locale) -> str:
    """de 1 km → "d'un kilomètre", plus de 1 heure → "plus d'une heure"."""
    return re.sub(r"\b([Dd])e (une?)\b(?!-)", r"\1'\2", text)


def _fr_de(number_words: str, unit_words: str) -> str:
    """'de' between a round million and its unit: "un million d'euros"."""
    round_million = re.search(_FR_ROUND_BIG, number_words)
    if round_million and not re.match(rf"{_FR_BIG}\b|mille\b", unit_words):
        return ("d'" if unit_words[0] in _LOWER_VOWEL_OR_H else "de ") + unit_words
    return unit_words


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
        lambda m: f"{m['name']} Street" + (_keep_stop(m) if m["dot"] else ""),
        text,
    )
    return _expand(text, _EN_ABBREVIATIONS_COMPILED)


def en_ampersand(text: str, loc: Locale) -> str:
    return re.sub(r"\s*&\s*", " and ", text)


def _en_cardinal(n: int, loc: Locale) -> str:
    # num2words writes "one thousand, five hundred": the comma would be a pause.
    return num2words(n, lang=loc.n2w or "en").replace(",", "")


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
        value = _roman_value(match["num"])
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
        stop = _keep_stop(match) if match.group(0).endswith(".") else ""
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


_EN_UNITS: dict[str, _Unit] = {
    "km/h": _Unit("kilometer per hour", "kilometers per hour"),
    "mph": _Unit("mile per hour", "miles per hour"),
    "km²": _Unit("square kilometer", "square kilometers"),
    "m²": _Unit("square meter", "square meters"),
    "km": _Unit("kilometer", "kilometers"),
    "cm": _Unit("centimeter", "centimeters"),
    "mm": _Unit("millimeter", "millimeters"),
    "m": _Unit("meter", "meters"),
    "mi": _Unit("mile", "miles"),
    "ft": _Unit("foot", "feet"),
    "kg": _Unit("kilogram", "kilograms"),
    "lb": _Unit("pound", "pounds"),
    "lbs": _Unit("pound", "pounds"),
    "ha": _Unit("hectare", "hectares"),
    "°C": _Unit("degree Celsius", "degrees Celsius"),
    "°F": _Unit("degree Fahrenheit", "degrees Fahrenheit"),
    "°": _Unit("degree", "degrees"),
    "%": _Unit("percent", "percent", invariable=True),
    "€": _Unit("euro", "euros", currency=True),
    "$": _Unit("dollar", "dollars", currency=True),
    "£": _Unit("pound", "pounds", currency=True),
}

_EN_NUMBER_WITH_UNIT = re.compile(
    r"(?:(?P<pre>[€$£]) ?)?"
    r"(?:(?<![\w])(?P<sign>[-−]))?"
    r"(?<![\w.,])(?P<int>\d{1,3}(?:,\d{3})+(?!\d)|\d{1,3}(?: \d{3})+(?!\d)|\d+)"
    r"(?:\.(?P<frac>\d+))?(?!\d)"
    r"(?P<mag> (?:thousand|million|billion|trillion)\b)?"
    rf"(?: ?(?P<unit>{_units_alternation(_EN_UNITS)})(?![\w]))?"
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
            return num2words(integer, lang=loc.n2w or "en", to="year")

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


# --------------------------------------------------------------------------
# Pipelines
# --------------------------------------------------------------------------

FRENCH_RULES: tuple[Rule, ...] = (
    typography,
    tidy,
    fr_ampersand,
    fr_abbreviations,
    fr_hours,
    fr_fractions,
    fr_ordinals,
    fr_roman_ordinals,
    fr_regnal_numbers,
    fr_dates,
    caps_digits,
    fr_ranges,
    fr_numbers,
    fr_elision,
    fr_acronyms,
    dashes,
    tidy,
)

ENGLISH_RULES: tuple[Rule, ...] = (
    typography,
    tidy,
    en_ampersand,
    en_abbreviations,
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

DEFAULT_RULES: tuple[Rule, ...] = (typography, tidy, plain_integers, tidy)

RULES: dict[str, tuple[Rule, ...]] = {"fr": FRENCH_RULES, "en": ENGLISH_RULES}


def normalize(text: str, language: str) -> str:
    """Spoken form of a sentence for a TTS engine. `language` is BCP 47 ('fr', 'fr-CA', 'en', 'en-GB', 'de', ...)."""
    loc = _locale(language)
    for rule in RULES.get(loc.language, DEFAULT_RULES):
        text = rule(text, loc)
    return text


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Whole-word, case-sensitive replacements (longest key first), applied after normalize(); keys may contain spaces, hyphens, accents; must not match inside words (e.g. lexicon {'US': 'U S'} must not touch 'USA' or 'bus')."""
    by_spacing = {re.sub(r"\s+", " ", key): value for key, value in lexicon.items() if key.strip()}
    if not by_spacing:
        return text

    def key_pattern(key: str) -> str:
        # A word boundary only makes sense on a word character: a key such as
        # "J.-C." ends in punctuation and may be followed by anything.
        start = r"(?<!\w)" if re.match(r"\w", key) else ""
        end = r"(?!\w)" if re.search(r"\w$", key) else ""
        return start + re.escape(key).replace(r"\ ", r"\s+") + end

    # One pass, longest first: a replacement is never re-scanned, and
    # "Saint-Raphaël" wins over "Raphaël" at the same position.
    keys = sorted(by_spacing, key=len, reverse=True)
    pattern = re.compile("|".join(key_pattern(k) for k in keys))
    return pattern.sub(lambda m: by_spacing[re.sub(r"\s+", " ", m.group(0))], text)
