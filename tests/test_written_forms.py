"""Forms written for the eye, spoken as words (issue 16): dates in figures, phone numbers, J-1, GI's, halves."""
from __future__ import annotations

import pytest

from audiotour.lang import normalize


@pytest.mark.parametrize("written,spoken", [
    ("Le 15.08.1944, à l'aube.", "Le quinze août mille neuf cent quarante-quatre, à l'aube."),
    ("Le 15/08/1944.", "Le quinze août mille neuf cent quarante-quatre."),
    ("Le 15-08-1944.", "Le quinze août mille neuf cent quarante-quatre."),
    ("Le 1944-08-15.", "Le quinze août mille neuf cent quarante-quatre."),
    ("Rendez-vous le 15/08.", "Rendez-vous le quinze août."),
    ("Dès le 01/09, la route est libre.", "Dès le premier septembre, la route est libre."),
    ("Les 3/4 des hommes.", "Les trois quarts des hommes."),
    ("Appelez le 04 94 01 92 10.",
     "Appelez le zéro quatre, quatre-vingt-quatorze, zéro un, quatre-vingt-douze, dix."),
    ("Tél. 04.94.01.92.10", "Tél. zéro quatre, quatre-vingt-quatorze, zéro un, quatre-vingt-douze, dix"),
    ("Le Mal Juin commande.", "Le maréchal Juin commande."),
    ("Chez M. et Mme Martin.", "Chez monsieur et madame Martin."),
    ("Toulon vs Marseille.", "Toulon contre Marseille."),
    ("À J-1, tout est prêt.", "À J moins un, tout est prêt."),
    ("À J+2, la ville est libre.", "À J plus deux, la ville est libre."),
    ("Les GI's débarquent.", "Les dji-aïe débarquent."),
    ("Les GIs débarquent.", "Les dji-aïe débarquent."),
    ("À 1,5 km de là.", "À un kilomètre et demi de là."),
    ("À 2,5 km de là.", "À deux kilomètres et demi de là."),
    ("À 0,5 km de là.", "À un demi-kilomètre de là."),
    ("Il pèse 1,5 t.", "Il pèse une tonne et demie."),
    ("Il fait 1,2 km.", "Il fait un virgule deux kilomètres."),
    ("Une ville de 1,5 million d'habitants.", "Une ville d'un million et demi d'habitants."),
])
def test_french_written_forms(written: str, spoken: str) -> None:
    assert normalize(written, "fr") == spoken


@pytest.mark.parametrize("written,spoken", [
    ("On 15.08.1944 they landed.", "On fifteenth August nineteen forty-four they landed."),
    ("On 08/15/1944 they landed.", "On fifteenth August nineteen forty-four they landed."),
    ("On 1944-08-15 they landed.", "On fifteenth August nineteen forty-four they landed."),
    ("Meet on 15/08.", "Meet on fifteenth August."),
    ("Call 04 94 01 92 10.", "Call oh four, ninety-four, oh one, ninety-two, ten."),
    ("Toulon vs Marseille.", "Toulon versus Marseille."),
    ("On D-1 all was set.", "On D minus one all was set."),
    ("About 1.5 km away.", "About one and a half kilometers away."),
    ("About 0.5 km away.", "About half a kilometer away."),
])
def test_english_written_forms(written: str, spoken: str) -> None:
    assert normalize(written, "en") == spoken
