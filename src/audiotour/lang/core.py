"""What every language pack shares: the rule machinery, shared rules, acronyms, roman numerals.

As in gTTS's ``tokenizer.pre_processors``, each language has a pipeline of
small named rules applied in order (see `audiotour.lang`). Order matters: a
rule may rely on an earlier rule having consumed a pattern (e.g. hours before
generic numbers, so that ``18h`` is not read "dix-huit h"), and the acronym
rule runs last so that roman numerals and abbreviations are gone by then.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from num2words import CONVERTER_CLASSES, num2words


@dataclass(frozen=True)
class Locale:
    """What a rule needs to know about the target language."""

    language: str  # primary subtag, lower case: "fr", "en", "de"
    n2w: str | None  # num2words code ("fr", "fr_CH", "en"), None if unsupported


Rule = Callable[[str, Locale], str]


def locale_for(language: str) -> Locale:
    parts = language.replace("_", "-").split("-")
    primary = parts[0].lower()
    region = parts[1].upper() if len(parts) > 1 else ""
    # Swiss and Belgian French say "septante"/"nonante": num2words knows them.
    for code in (f"{primary}_{region}", primary):
        if code in CONVERTER_CLASSES:
            return Locale(primary, code)
    return Locale(primary, None)


UPPER = "A-ZÀ-ÖØ-Þ"


def keep_stop(match: re.Match[str]) -> str:
    """'.' to put back after an expanded abbreviation that also ended a sentence."""
    rest = match.string[match.end():]
    if rest == "" or re.match(rf"\s+[{UPPER}]", rest):
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
                return str(num2words(number, lang=loc.n2w, to=kind))
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

_CAPS_WORD = re.compile(rf"(?<![\w])[{UPPER}]+(?![\w])")


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


def spell_acronyms(
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




def caps_digits(text: str, loc: Locale) -> str:
    """GR20, A8, V2: the letters and the number are said separately."""
    return re.sub(r"(?<![\w])([A-Z]{1,5})-?(?=\d+(?![\w]))", r"\1 ", text)


# --------------------------------------------------------------------------
# Roman numerals
# --------------------------------------------------------------------------

_ROMAN_VALID = re.compile(r"(?=[MDCLXVI])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(numeral: str) -> int | None:
    if not _ROMAN_VALID.fullmatch(numeral):
        return None
    total = 0
    for char, following in zip(numeral, numeral[1:] + " "):
        value = _ROMAN_VALUES[char]
        total += -value if following != " " and _ROMAN_VALUES[following] > value else value
    return total




def expand(text: str, table: list[tuple[re.Pattern[str], str, bool]]) -> str:
    def replace(match: re.Match[str], replacement: str, may_end_sentence: bool) -> str:
        # "M. Dupont arrive." must still start with a capital after expansion.
        # A period after a short word ("av. Dr") ends an abbreviation, not a sentence.
        if re.search(r"(?:^|[!?]\"? |(?:[^\W\d_]{3}|[\d\")])\. )$", match.string[: match.start()]):
            replacement = replacement[:1].upper() + replacement[1:]
        return replacement + (keep_stop(match) if may_end_sentence else "")

    for pattern, replacement, may_end_sentence in table:
        text = pattern.sub(functools.partial(replace, replacement=replacement, may_end_sentence=may_end_sentence),
                           text)
    return text


@dataclass(frozen=True)
class Unit:
    """A unit as spoken after a number."""

    singular: str
    plural: str
    feminine: bool = False
    # Prefix units (currencies) are said after the whole number: "12,50 €" →
    # "douze euros cinquante".
    currency: bool = False
    # Words said as-is whatever the number ("pour cent").
    invariable: bool = False


def units_alternation(units: Mapping[str, Unit]) -> str:
    return "|".join(re.escape(u) for u in sorted(units, key=len, reverse=True))


# --------------------------------------------------------------------------
# A language pack
# --------------------------------------------------------------------------

DEFAULT_RULES: tuple[Rule, ...] = (typography, tidy, plain_integers, tidy)
"""For a language without a pack: clean typography and spell whole numbers."""

COMMON_ABBREVIATIONS = frozenset({"etc", "e.g", "i.e", "vs", "cf", "p", "pp", "no", "vol", "fig", "ch", "art"})


@dataclass(frozen=True)
class LanguagePack:
    """Everything audiotour knows about writing and speaking one language.

    A new language is one module in `audiotour.lang` defining ``PACK`` (found
    by itself), or a pack given to `audiotour.lang.register`.
    """

    code: str
    """Primary language subtag, lower case: ``fr``, ``en``."""
    name: str = ""
    """The language's own name, as a visitor picks it from a list: ``Français``, ``English``."""
    rules: tuple[Rule, ...] = DEFAULT_RULES
    """Normalisation for speech, applied in order to each sentence."""
    abbreviations: frozenset[str] = COMMON_ABBREVIATIONS
    """Words (lower case, without their final period) after which a period does not end a sentence."""
    ordinal_period: bool = False
    """The language writes ordinals with a period ("am 15. August"): a short number and a period end nothing."""
    whole_tour_title: str = "{title}"
    """The title of the whole tour as one episode."""
    also_in: str = "Also in {name}: {url}"
    """A feed's pointer to the same tour in another language (its name, its feed's address)."""
    guide: Mapping[str, str | list[str]] = field(default_factory=dict)
    """The web guide's own words in this language (empty: the guide uses English)."""

    def normalize(self, text: str, language: str) -> str:
        loc = locale_for(language)
        for rule in self.rules:
            text = rule(text, loc)
        return text

    def split_sentences(self, paragraph: str) -> list[str]:
        pieces: list[str] = []
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            candidate = paragraph[start : match.start()].rstrip()
            if candidate.endswith(".") and self._ends_with_abbreviation(candidate):
                continue
            if self.ordinal_period and re.search(r"(?<!\d)\d{1,2}\.$", candidate):
                continue
            pieces.append(paragraph[start : match.end()].strip())
            start = match.end()
        pieces.append(paragraph[start:].strip())
        return [p for p in pieces if p]

    def _ends_with_abbreviation(self, text: str) -> bool:
        word = re.split(r"[\s(«“\"']", text)[-1].rstrip(".").lower()
        # A single letter with a period is an initial ("J. Martin"), not a sentence end.
        return word in self.abbreviations or (len(word) == 1 and word.isalpha())


_BOUNDARY = re.compile(
    r"""(?<=[.!?…])        # a sentence-ending mark
        [»"”’)\]]*          # closing quotes or brackets stay with the sentence
        \s+                 # the space after it
        (?=[«"“‘(\[]?\s?[A-ZÀ-ÖØ-Þ0-9¿¡—–-])  # the next sentence starts with a capital, digit or dash
    """,
    re.VERBOSE,
)


def split_paragraphs(text: str) -> list[str]:
    """Paragraphs are separated by blank lines; each comes back on one line."""
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


LANGUAGE_SPAN = re.compile(r"\[([^\[\]]+)\]\{lang=([A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*)\}")
"""A span the tour marks as spoken in another language: ``[Red Beach]{lang=en}``."""


def unmarked(text: str) -> str:
    """``text`` as a reader sees it: language spans without their marks."""
    return LANGUAGE_SPAN.sub(r"\1", text)


def apply_lexicon(text: str, lexicon: Mapping[str, str]) -> str:
    """Whole-word, case-sensitive replacements, longest key first, applied after normalisation.

    Keys may contain spaces, hyphens and accents, and never match inside a word
    (``{'US': 'U S'}`` leaves 'USA' and 'bus' alone).
    """
    compiled = _lexicon_pattern(tuple(lexicon.items()))
    if compiled is None:
        return text
    pattern, by_spacing = compiled
    return pattern.sub(lambda m: by_spacing[re.sub(r"\s+", " ", m.group(0))], text)


@functools.lru_cache(maxsize=64)
def _lexicon_pattern(entries: tuple[tuple[str, str], ...]) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """One pattern for a whole lexicon, made once per lexicon (a tour applies it to every sentence)."""
    by_spacing = {re.sub(r"\s+", " ", key): value for key, value in entries if key.strip()}
    if not by_spacing:
        return None

    def key_pattern(key: str) -> str:
        # A word boundary only makes sense on a word character: a key such as
        # "J.-C." ends in punctuation and may be followed by anything.
        start = r"(?<!\w)" if re.match(r"\w", key) else ""
        end = r"(?!\w)" if re.search(r"\w$", key) else ""
        return start + re.escape(key).replace(r"\ ", r"\s+") + end

    # One pass, longest first: a replacement is never re-scanned, and
    # "Saint-Raphaël" wins over "Raphaël" at the same position.
    keys = sorted(by_spacing, key=len, reverse=True)
    return re.compile("|".join(key_pattern(k) for k in keys)), by_spacing
