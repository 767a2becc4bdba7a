"""The guide's interface text, from each language's pack; tour text never goes through here.

French strings are written whole, elision and agreement included ("vers l'ouest",
"1 arrêt non écouté", "2 arrêts non écoutés"): the page only fills in numbers,
distances and titles, never builds a phrase out of pieces. A language whose
pack has no guide strings gets English.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..lang import languages, pack_for

FALLBACK = "en"


def ui_strings(language: str) -> Mapping[str, str | list[str]]:
    """The pack's strings for the tour's language (fr, fr-CA…), English when it has none."""
    return pack_for(language).guide or pack_for(FALLBACK).guide


def all_ui_strings() -> dict[str, Mapping[str, str | list[str]]]:
    """Every language that has guide strings of its own."""
    return {code: pack_for(code).guide for code in languages() if pack_for(code).guide}
