"""Language packs: how each language is written and spoken.

`core` holds what every language shares (the rule machinery, sentence
splitting, numbers through num2words, acronyms, roman numerals, the lexicon);
each other module is one language (`fr`, `en`) and defines ``PACK``. A
language without a pack gets a fallback that cleans typography and speaks
whole numbers as words.
"""
from __future__ import annotations

import importlib
import pkgutil

from .core import (
    COMMON_ABBREVIATIONS,
    DEFAULT_RULES,
    LanguagePack,
    Locale,
    Rule,
    apply_lexicon,
    locale_for,
    split_paragraphs,
    unmarked,
)

__all__ = ["LanguagePack", "Locale", "Rule", "apply_lexicon", "normalize", "pack_for", "register",
           "split_paragraphs", "split_sentences", "speakable", "languages", "unmarked"]

_PACKS: dict[str, LanguagePack] = {}
_discovered = False

ORDINAL_PERIOD = frozenset({"de", "da", "nb", "nn", "no", "fi", "cs", "sk", "sl", "hr", "sr", "bs", "hu", "pl",
                            "tr", "et", "lv", "is"})
"""Languages that write ordinals with a period ("am 15. August"): their fallback pack knows it."""


def register(pack: LanguagePack) -> LanguagePack:
    """Make ``pack`` the one for its language (a later registration wins)."""
    _PACKS[pack.code] = pack
    return pack


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    for module in pkgutil.iter_modules(__path__):
        if module.name != "core":
            pack = getattr(importlib.import_module(f"{__name__}.{module.name}"), "PACK", None)
            if isinstance(pack, LanguagePack):
                _PACKS.setdefault(pack.code, pack)


def languages() -> list[str]:
    """Languages with a pack of their own."""
    _discover()
    return sorted(_PACKS)


def pack_for(language: str) -> LanguagePack:
    """The pack for a BCP 47 tag (``fr-CA`` → ``fr``), or the fallback for its language."""
    _discover()
    primary = locale_for(language).language
    return _PACKS.get(primary) or LanguagePack(code=primary, rules=DEFAULT_RULES, abbreviations=COMMON_ABBREVIATIONS,
                                               ordinal_period=primary in ORDINAL_PERIOD)


def normalize(text: str, language: str) -> str:
    """Spoken form of a sentence for a TTS engine. `language` is BCP 47 ('fr', 'fr-CA', 'en', 'en-GB', 'de', ...)."""
    return pack_for(language).normalize(text, language)


def split_sentences(paragraph: str, language: str) -> list[str]:
    return pack_for(language).split_sentences(paragraph)


def speakable(text: str, language: str, lexicon: dict[str, str]) -> str:
    """What an engine is given: normalised, then the tour's lexicon."""
    return apply_lexicon(normalize(text, language), lexicon).strip()
