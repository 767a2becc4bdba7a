"""French: abbreviations, hours, dates, ordinals, centuries, regnal numbers, numbers with units, acronyms.

Numbers are spelled by num2words; only its French gaps are patched here
(feminine "une", invariable "cent", "-ième" after "vingts"/"cents").
"""
from __future__ import annotations

import datetime
import re

from num2words import num2words

from .core import (
    UPPER,
    LanguagePack,
    Locale,
    Rule,
    Unit,
    caps_digits,
    dashes,
    expand,
    roman_value,
    spell_acronyms,
    tidy,
    typography,
    units_alternation,
)

# Before these, French elides "de" to "d'" (h: the common, mute case).
_LOWER_VOWEL_OR_H = "aàâeéèêëiîïoôöuùûüyœæh"

# Said as words, not letters.
_FR_WORD_ACRONYMS = frozenset(
    {
        "ONU", "OTAN", "UNESCO", "NASA", "SIDA", "ZAC", "UNICEF", "OVNI", "INSEE",
        "OPEP", "SAMU", "SMIC", "ENA", "CROUS", "ZUP", "ZEP", "INRA", "ONERA",
        "PACA", "FIFA", "UEFA", "RAID", "DOM", "TOM", "SHAEF", "ANZAC", "CAPES",
        "AFNOR", "CNIL", "ASSEDIC",
    }
)
# eSpeak NG reads a lone "Y" in French as the pronoun "y" (/i/), not "i grec".
_FR_LETTER_NAMES = {"Y": "i grec"}

def fr_acronyms(text: str, loc: Locale) -> str:
    """FFI → "F F I", SNCF → "S N C F"; ONU, OTAN... stay words; GIs → "G I"."""
    return spell_acronyms(text, _FR_WORD_ACRONYMS, _FR_LETTER_NAMES, drop_plural_s=True)

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
    # "M. et Mme Dupont": a couple, the first title before "et".
    (r"\bM\.(?= et M(?:me|lle)\b)", "monsieur", False),
    (r"\bMal\b\.?(?= [{UPPER}])".replace("{UPPER}", UPPER), "maréchal", False),
    (r"\bAdm\b\.?(?= [{UPPER}])".replace("{UPPER}", UPPER), "amiral", False),
    (r"\bvs\b\.?(?= )", "contre", False),
    # Not after another capital: "J. M. Dupont" is initials, "H L M. Puis" an acronym.
    (rf"(?<!\b[A-Z] )(?<!\b[A-Z]\. )\bM\.(?= (?:[{UPPER}]|d(?:e|u|es)\b|d'))", "monsieur", False),
    (r"\bMmes\b(?:\.(?= ))?", "mesdames", False),
    (r"\bMme\b(?:\.(?= ))?", "madame", False),
    (r"\bMlles\b(?:\.(?= ))?", "mesdemoiselles", False),
    (r"\bMlle\b(?:\.(?= ))?", "mademoiselle", False),
    (r"\bMgr\b(?:\.(?= ))?", "monseigneur", False),
    (rf"\bDr\b\.?(?= [{UPPER}])", "docteur", False),
    (rf"\bPr\b\.?(?= [{UPPER}])", "professeur", False),
    (rf"\bSte(?=[- ][{UPPER}])", "Sainte", False),
    (rf"\bSt(?=[- ][{UPPER}])", "Saint", False),
    (rf"\bSte\. ?(?=[{UPPER}])", "Sainte ", False),
    (rf"\bSt\. ?(?=[{UPPER}])", "Saint ", False),
    (rf"\bMt\b\.?(?= [{UPPER}])", "mont", False),
    (r"\b[nN][°º]s ?", "numéros ", False),
    (r"\b[nN][°º] ?", "numéro ", False),
    (rf"\b[Bb]d\b\.?(?= (?:[{UPPER}]|d(?:e|u|es)\b|d'))", "boulevard", False),
    (rf"\bav\.(?= (?:[{UPPER}]|d(?:e|u|es)\b|d'))", "avenue", False),
    (rf"\bAv\.(?= (?:[{UPPER}]|d(?:e|u|es)\b|d'))", "Avenue", False),
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
    return expand(text, _FR_ABBREVIATIONS_COMPILED)




def _fr_date_words(day: int, month: int, year: str | None) -> str | None:
    """``15 août 1944`` for the numbers of a date, None when they are no date."""
    try:
        datetime.date(int(year) if year else 2000, month, day)
    except ValueError:
        return None
    said = f"{'1er' if day == 1 else day} {_FR_MONTH_NAMES[month - 1]}"
    return f"{said} {year}" if year else said


def _fr_pair(pair: str, loc: Locale) -> str:
    """A pair of digits of a phone number: "04" is "zéro quatre", "94" is "quatre-vingt-quatorze"."""
    if pair.startswith("0"):
        return f"zéro {_fr_cardinal(int(pair[1]), loc)}"
    return _fr_cardinal(int(pair), loc)


def fr_written_forms(text: str, loc: Locale) -> str:
    """Forms written for the eye: dates in figures (15.08.1944, 15/08, 1944-08-15), phone numbers (said in
    pairs), J-1 and J+1, GI's."""

    def date(match: re.Match[str]) -> str:
        year = match["y"]
        if year and len(year) == 2:
            return match.group(0)  # 15.08.44: which century is for the author to write
        said = _fr_date_words(int(match["d"]), int(match["m"]), year)
        return match.group(0) if said is None else said

    # Day, month, year: with dots, slashes or hyphens, the same separator twice.
    text = re.sub(r"(?<![\w/.,-])(?P<d>\d{1,2})(?P<s>[./-])(?P<m>\d{1,2})(?P=s)(?P<y>\d{4}|\d{2})(?![\w/]|[.,-]\d)",
                  date, text)
    # ISO 8601: 1944-08-15.
    text = re.sub(r"(?<![\w.,-])(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?![\w-])",
                  lambda m: _fr_date_words(int(m["d"]), int(m["m"]), m["y"]) or m.group(0), text)
    # Day and month alone, the month in two figures (15/08, 01/09): 3/4 stays a fraction.
    text = re.sub(r"(?<![\w/.,-])(?P<d>\d{1,2})/(?P<m>\d{2})(?![\w/]|[.,]\d)",
                  lambda m: _fr_date_words(int(m["d"]), int(m["m"]), None) or m.group(0), text)
    # French phone numbers: ten digits in pairs, with spaces, dots or hyphens (or +33 and nine digits).
    text = re.sub(r"(?<![\w+.,])(0\d)((?:[ .-]?\d{2}){4})(?![\w]|[.,]\d)",
                  lambda m: ", ".join(_fr_pair(p, loc) for p in [m[1], *re.findall(r"\d{2}", m[2])]), text)
    text = re.sub(r"(?<![\w])\+ ?33 ?\(?0?\)? ?(\d)((?:[ .-]?\d{2}){4})(?![\w]|[.,]\d)",
                  lambda m: "plus trente-trois, " + ", ".join(
                      [_fr_cardinal(int(m[1]), loc), *(_fr_pair(p, loc) for p in re.findall(r"\d{2}", m[2]))]),
                  text)
    # J-1, J+2, H-1: the day or hour before or after.
    text = re.sub(r"(?<![\w-])([JH]) ?([-−+]) ?(\d{1,3})(?![\w])",
                  lambda m: f"{m[1]} {'plus' if m[2] == '+' else 'moins'} {_fr_cardinal(int(m[3]), loc)}", text)
    # GI, GI's, GIs: the American soldiers' letters are said in English, "dji-aïe", in French too.
    return re.sub(r"(?<![\w])GI(?:'?s)?(?![\w])", "dji-aïe", text)


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
        value = roman_value(numeral)
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
        value = roman_value(match["num"])
        if value is None:
            return match.group(0)
        if value == 1:
            words = _fr_ordinal(1, loc, feminine=match["name"] in _FR_FEMININE_NAMES)
        else:
            words = _fr_cardinal(value, loc)
        return f"{match['name']}{match['sep']}{words}"

    # A lone capital after the numeral means a spelled acronym ("Louis V T T"), not a king.
    return re.sub(
        rf"(?<![\w-])(?P<name>{names})(?P<sep>[ -])(?P<num>[IVXLC]+)(?![\w']| [A-Z](?![\w]))", say, text
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




_FR_UNITS: dict[str, Unit] = {
    "km/h": Unit("kilomètre à l'heure", "kilomètres à l'heure"),
    "km²": Unit("kilomètre carré", "kilomètres carrés"),
    "km2": Unit("kilomètre carré", "kilomètres carrés"),
    "m²": Unit("mètre carré", "mètres carrés"),
    "m2": Unit("mètre carré", "mètres carrés"),
    "m³": Unit("mètre cube", "mètres cubes"),
    "km": Unit("kilomètre", "kilomètres"),
    "cm": Unit("centimètre", "centimètres"),
    "mm": Unit("millimètre", "millimètres"),
    "m": Unit("mètre", "mètres"),
    "kg": Unit("kilo", "kilos"),
    "g": Unit("gramme", "grammes"),
    "t": Unit("tonne", "tonnes", feminine=True),
    "ha": Unit("hectare", "hectares"),
    "min": Unit("minute", "minutes", feminine=True),
    "heure": Unit("heure", "heures", feminine=True),
    "million": Unit("million", "millions"),
    "millions": Unit("million", "millions"),
    "milliard": Unit("milliard", "milliards"),
    "milliards": Unit("milliard", "milliards"),
    "heures": Unit("heure", "heures", feminine=True),
    "mn": Unit("minute", "minutes", feminine=True),
    "L": Unit("litre", "litres"),
    # "°C" is "degrés" in speech; "Celsius" is only said when contrasted with Fahrenheit.
    "°C": Unit("degré", "degrés"),
    "°F": Unit("degré Fahrenheit", "degrés Fahrenheit"),
    "°": Unit("degré", "degrés"),
    "%": Unit("pour cent", "pour cent", invariable=True),
    "‰": Unit("pour mille", "pour mille", invariable=True),
    "M€": Unit("million d'euros", "millions d'euros"),
    "Md€": Unit("milliard d'euros", "milliards d'euros"),
    "k€": Unit("mille euros", "mille euros", invariable=True),
    "€": Unit("euro", "euros", currency=True),
    "$": Unit("dollar", "dollars", currency=True),
    "£": Unit("livre", "livres", feminine=True, currency=True),
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




_FR_CURRENCY_SYMBOLS = "€$£"
_FR_NUMBER_WITH_UNIT = re.compile(
    rf"(?:(?P<pre>[{_FR_CURRENCY_SYMBOLS}]) ?)?"
    r"(?:(?<![\w])(?P<sign>[-−]))?"
    # One separator throughout: "2.500 250" is two numbers, not 2 500 250.
    r"(?<![\w.,])(?P<int>\d{1,3}(?P<sep>[ .])\d{3}(?:(?P=sep)\d{3})*(?!\d)|\d+)"
    r"(?:[,.](?P<frac>\d+))?(?!\d)"
    rf"(?: ?(?P<unit>{units_alternation(_FR_UNITS)})(?![\w]))?"
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

        if (unit and not unit.invariable and not unit.currency and frac and frac.rstrip("0") == "5" and not sign
                and not unit_key.startswith("°")):
            # 1,5 km is "un kilomètre et demi", 0,5 km "un demi-kilomètre"; "demie" after a feminine unit.
            half = "demie" if unit.feminine else "demi"
            if integer == 0:
                return f"{'une' if unit.feminine else 'un'} demi-{unit.singular}"
            count = _fr_cardinal(integer, loc, feminine=unit.feminine)
            return f"{count} {_fr_de(count, unit.plural if integer >= 2 else unit.singular)} et {half}"
        # A decimal quantity above one takes the plural, as it is said: "un virgule deux kilomètres".
        plural = plural or (bool(frac) and value > 1)
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


RULES: tuple[Rule, ...] = (
    typography,
    tidy,
    fr_ampersand,
    fr_abbreviations,
    fr_written_forms,
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

ABBREVIATIONS = frozenset({
    # Words after which a period does not end a sentence; fr_abbreviations expands most of them.
    "m", "mm", "mme", "mmes", "mlle", "mlles", "mgr", "dr", "pr", "me", "st", "ste", "sts", "av", "apr",
    "bd", "cf", "env", "gal", "gén", "gl", "cdt", "lt", "lcl", "cne", "col", "sgt", "cie", "hab", "p", "pp",
    "n", "no", "vol", "mt", "fig", "ch", "art", "réf", "tél", "ex", "etc", "j.-c", "c.-à-d", "n.-d",
})

GUIDE: dict[str, str | list[str]] = {
    "start": "Commencer la visite",
    "startPlain": "Écouter la visite",
    "startHint": "Touchez une fois, puis rangez le téléphone : chaque récit démarre "
                 "quand vous arrivez sur son site.",
    "continue": "Reprendre la visite",
    "restart": "Recommencer la visite",
    "finished": "Visite terminée. Merci d'être venus !",
    "following": "Suivi de votre position…",
    "accuracy": "± {m} m",
    "here": "Vous êtes à : {title}",
    "next": "Prochain arrêt",
    "away": "à {distance}, {direction}",
    "compass": ["vers le nord", "vers le nord-est", "vers l'est", "vers le sud-est",
                "vers le sud", "vers le sud-ouest", "vers l'ouest", "vers le nord-ouest"],
    "relative": ["droit devant", "devant à droite", "sur votre droite", "derrière à droite",
                 "derrière vous", "derrière à gauche", "sur votre gauche", "devant à gauche"],
    "foot": "≈ {time} à pied",
    "car": "≈ {time} en voiture",
    "bike": "≈ {time} à vélo",
    "leg": "Jusqu'à l'arrêt suivant : {distance}, {time}",
    "crow": "{distance} à vol d'oiseau",
    "hours": "{h} h {m}",
    "minutes": "{m} min",
    "how": "Comment y aller",
    "parking": "Stationnement : {parking}",
    "directions": "Itinéraire",
    "endOfRoute": "Fin du parcours",
    "skippedOne": "1 arrêt non écouté",
    "skippedMany": "{n} arrêts non écoutés",
    "playOutro": "Écouter la conclusion",
    "queued": "À suivre : {title}",
    "listen": "Écouter",
    "pause": "Pause",
    "resume": "Reprendre",
    "listenTo": "Écouter : {title}",
    "pauseTo": "Mettre en pause : {title}",
    "played": "Écouté",
    "transcript": "Lire le texte",
    "links": "Pour aller plus loin",
    "stop": "Arrêt {n}",
    "intro": "Introduction",
    "outro": "Conclusion",
    "player": "Lecteur audio",
    "previous": "Précédent",
    "nextTrack": "Suivant",
    "play": "Lecture",
    "seek": "Position dans le récit",
    "nothing": "Choisissez un arrêt à écouter",
    "manual": "Mode manuel",
    "manualOn": "Mode manuel : touchez « Écouter » sur chaque arrêt.",
    "follow": "Suivre ma position",
    "geoDenied": "Localisation refusée : autorisez-la dans les réglages du navigateur.",
    "geoUnavailable": "Position introuvable : pas de signal GPS ici.",
    "geoTimeout": "Le GPS ne répond pas.",
    "geoPoor": "Position imprécise (± {m} m) : les récits attendent une position plus sûre.",
    "geoWaiting": "Recherche du signal GPS…",
    "geoMissing": "Ce navigateur ne donne pas la position : touchez « Écouter » sur chaque arrêt.",
    "insecure": "Le suivi GPS demande une adresse https:// : touchez « Écouter » sur chaque arrêt.",
    "wakeLock": "L'écran peut s'éteindre et couper le suivi : gardez-le allumé.",
    "download": "Télécharger pour la visite",
    "downloadResume": "Reprendre le téléchargement",
    "downloading": "Téléchargement : {files} sur {total} fichiers · {done} sur {size}",
    "downloadPartial": "Téléchargement interrompu : {files} sur {total} fichiers.",
    "downloadFailed": "Le téléchargement s'est arrêté ({files} sur {total} fichiers) : "
                      "reprenez-le avec du réseau.",
    "downloadReady": "Prête hors ligne · {duration} · {size}",
    "downloadRemove": "Supprimer",
    "downloadNone": "Ce navigateur ne peut pas garder la visite hors ligne : gardez du réseau.",
    "downloadInsecure": "Hors ligne, la visite demande une adresse https:// : gardez du réseau.",
    "persistDenied": "Le navigateur n'a pas promis de garder cette copie : il pourrait l'effacer "
                     "s'il manque de place.",
    "language": "Langue de la visite",
    "languageOffline": "Pas de réseau, et la version {language} n'est pas téléchargée.",
    "downloadAlso": "Télécharger aussi : {language}",
    "downloadAlsoProgress": "{language} : {done} sur {size}",
    "downloadAlsoReady": "{language} : prête hors ligne",
    "downloadAlsoFailed": "{language} : le téléchargement s'est arrêté, reprenez-le avec du réseau.",
    "megabytes": "{n} Mo",
    "kilobytes": "{n} ko",
    "update": "Nouvelle version de la visite",
    "updateButton": "Mettre à jour",
    "map": "Carte du parcours",
    "you": "Vous êtes ici",
    "mapCredits": "Leaflet (licence BSD-2)",
    "tiles": "© les contributeurs d'OpenStreetMap",
    "whole": "Toute la visite en un fichier (MP3)",
    "gpx": "Le parcours pour une application de cartes (GPX)",
    "noscript": "Cette page a besoin de JavaScript. Les enregistrements :",
}
"""The web guide's own words, written whole: the page only fills in numbers, distances and titles."""


PACK = LanguagePack(code="fr", name="Français", also_in="Aussi en {name} : {url}", rules=RULES, abbreviations=ABBREVIATIONS, guide=GUIDE,
                    whole_tour_title="{title} — la visite en entier")
