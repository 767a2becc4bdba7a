"""A toy third language, for tests only: what adding a language takes is this one module.

Esperanto, which eSpeak NG speaks: its own numbers, an abbreviation, a title
for the whole tour. Registered by the test that uses it.
"""
from __future__ import annotations

import re

from audiotour.lang import LanguagePack, Locale, Rule
from audiotour.lang.core import COMMON_ABBREVIATIONS, tidy, typography

_UNITS = ["", "unu", "du", "tri", "kvar", "kvin", "ses", "sep", "ok", "naŭ"]


def _number(n: int) -> str:
    """Esperanto numbers to 999: 'tricent dudek kvin'."""
    words = []
    for value, name in ((100, "cent"), (10, "dek")):
        count, n = divmod(n, value)
        if count:
            words.append(("" if count == 1 else _UNITS[count]) + name)
    if n or not words:
        words.append(_UNITS[n] if n else "nul")
    return " ".join(words)


def eo_numbers(text: str, loc: Locale) -> str:
    return re.sub(r"(?<!\w)\d{1,3}(?!\w)", lambda m: _number(int(m.group(0))), text)


def eo_abbreviations(text: str, loc: Locale) -> str:
    return re.sub(r"\bS-ro\.? ?", "sinjoro ", text)


RULES: tuple[Rule, ...] = (typography, tidy, eo_abbreviations, eo_numbers, tidy)

PACK = LanguagePack(code="eo", rules=RULES, abbreviations=COMMON_ABBREVIATIONS | {"s-ro"},
                    whole_tour_title="{title} — la tuta vizito")
