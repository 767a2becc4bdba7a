"""Translations: a tour in other languages, from files that hold only text.

Each mistake in a translation is one line naming the translation's own file
and line, exit 2, nothing written; a good translation is the main tour with
its texts replaced, and `audiotour check` shows every language side by side.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiotour import api
from audiotour.cli import cli
from audiotour.errors import TourError
from audiotour.summary import part_words, words_per_minute
from audiotour.tour import load_tour
from audiotour.translations import load_translations

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data" / "translations"
BAD = DATA / "bad"
EXPECTED: dict[str, str] = json.loads((BAD / "expected.json").read_text("utf-8"))


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner(mix_stderr=False).invoke(cli, list(args), prog_name="audiotour")
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small tour and its English translation, copied into a folder of their own (the working directory)."""
    target = tmp_path / "tour"
    target.mkdir()
    shutil.copy(DATA / "tour.yml", target / "tour.yml")
    shutil.copy(DATA / "tour.en.yml", target / "tour.en.yml")
    monkeypatch.chdir(target)
    return target


def refused_everywhere(folder: Path, expected: str) -> None:
    before = sorted(p.name for p in folder.iterdir())
    for command in ("check", "script", "build"):
        code, out, err = invoke(command, "tour.yml", *(["-o", "out", "-q"] if command == "build" else []))
        assert (code, out, err) == (2, "", f"Error: {expected}\n"), command
    assert sorted(p.name for p in folder.iterdir()) == before, "nothing may be written"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_mistaken_translation_is_refused_with_its_file_and_line(name: str, folder: Path) -> None:
    shutil.copy(BAD / f"{name}.yml", folder / "tour.en.yml")
    refused_everywhere(folder, EXPECTED[name].format(f="tour.en.yml"))


def test_the_corpus_covers_the_issue(folder: Path) -> None:
    assert {"missing-stop", "extra-stop", "same-language", "not-a-language", "location"} <= set(EXPECTED)
    assert all(path.stem in EXPECTED for path in BAD.glob("*.yml"))


def _name_translations(folder: Path, names: str) -> None:
    tour = folder / "tour.yml"
    tour.write_text(tour.read_text("utf-8").replace("translations: [tour.en.yml]", f"translations: {names}"), "utf-8")


def test_two_translations_of_one_language_are_refused(folder: Path) -> None:
    shutil.copy(folder / "tour.en.yml", folder / "tour.en-GB.yml")
    (folder / "tour.en-us.yml").write_text((folder / "tour.en.yml").read_text("utf-8").replace(
        "language: en", "language: EN"), "utf-8")
    _name_translations(folder, "[tour.en.yml, tour.en-us.yml]")
    refused_everywhere(folder, "tour.en-us.yml:2: language: 'EN' is already the language of tour.en.yml; "
                               "give each language one file")


def test_a_translation_that_does_not_exist_is_refused_in_the_tour_file(folder: Path) -> None:
    _name_translations(folder, "[tour.en.yml, tour.de.yml]")
    refused_everywhere(folder, f"tour.yml:7: translations[1]: 'tour.de.yml' does not exist "
                               f"(looked for {(folder / 'tour.de.yml').resolve()})")


@pytest.mark.parametrize(("names", "reason"), [
    ("[../tour.en.yml]", "'../tour.en.yml' is outside the tour's folder; put translations beside the tour file"),
    ("[tour.yml]", "'tour.yml' is the tour file itself; name a translation file such as tour.en.yml"),
])
def test_a_translation_must_be_another_file_beside_the_tour(folder: Path, names: str, reason: str) -> None:
    shutil.copy(folder / "tour.en.yml", folder.parent / "tour.en.yml")
    _name_translations(folder, names)
    refused_everywhere(folder, f"tour.yml:7: translations[0]: {reason}")


def test_a_translated_tour_names_every_stop_by_an_id(folder: Path) -> None:
    tour = folder / "tour.yml"
    tour.write_text(tour.read_text("utf-8").replace("    id: saint-tropez\n", ""), "utf-8")
    refused_everywhere(folder, "tour.yml:23: stops[1]: a tour with translations gives every stop an id, which "
                               "translations name it by; add id: saint-tropez")


def test_a_language_no_engine_speaks_is_refused_by_check(folder: Path) -> None:
    translation = folder / "tour.en.yml"
    translation.write_text(translation.read_text("utf-8").replace("language: en", "language: tlh"), "utf-8")
    code, out, err = invoke("check", "tour.yml")
    assert (code, out) == (2, "")
    assert err.startswith("Error: tour.en.yml:2: language: 'tlh' is not spoken by any engine (")


def test_the_english_tour_is_the_french_one_with_english_texts(folder: Path) -> None:
    loaded = api.load_tour("tour.yml")
    assert list(loaded.translations) == ["en"]
    english, french = loaded.translations["en"].tour, loaded.tour
    assert (english.language, english.title, english.description) == (
        "en", "The Landing in Brief", "Two stops, from Cavalaire to Saint-Tropez.")
    assert english.intro is not None and english.intro.title == "Welcome"
    assert english.outro is not None and english.outro.narration == "Thank you for listening."
    assert [s.title for s in english.stops] == ["Cavalaire-sur-Mer", "Saint-Tropez"]
    assert english.stops[1].narration == "That same evening, the port is free. The town celebrates."
    way = english.stops[0].way
    assert way is not None and (way.directions, way.parking) == (
        "Follow the coast road to Saint-Tropez.", "The harbour car park.")
    # What is not text comes from the main tour and cannot drift.
    for ours, theirs in zip(english.stops, french.stops):
        assert (ours.id, ours.location, ours.radius, ours.date, ours.image, ours.links) == (
            theirs.id, theirs.location, theirs.radius, theirs.date, theirs.image, theirs.links)
        assert (ours.way and (ours.way.mode, ours.way.km)) == (theirs.way and (theirs.way.mode, theirs.way.km))
    assert (english.author, english.audio, english.cover, english.base_url) == (
        french.author, french.audio, french.cover, french.base_url)
    # Its own lexicon, not the French one; the tour's engine, not its French accent.
    assert english.lexicon == {"Cavalaire": "Kava-lair"}
    assert (english.voice.engine, english.voice.tld) == ("espeak", None)
    assert english.translations == [] and loaded.translations["en"].translations == {}
    assert loaded.translations["en"].folder == loaded.folder


def test_errors_found_later_name_the_file_the_value_was_written_in(folder: Path) -> None:
    english = api.load_tour("tour.yml").translations["en"]
    assert str(english.error(("stops", 1, "narration"), "too long")) == "tour.en.yml:18: stops[1].narration: too long"
    assert str(english.error(("language",), "no voice")) == "tour.en.yml:2: language: no voice"
    assert str(english.error(("stops", 1, "location"), "far")) == "tour.yml:26: stops[1].location: far"


ENGLISH_CREDITS = 'credits: ["Signature tune: an original sound (CC0)."]\n'
ENGLISH_LINK = "    links: [{title: Saint-Tropez harbour}]\n"


def _translate_credits_and_links(folder: Path) -> None:
    translation = folder / "tour.en.yml"
    text = translation.read_text("utf-8").replace("outro:\n", ENGLISH_CREDITS + "outro:\n")
    translation.write_text(text.replace("    title: Saint-Tropez\n", "    title: Saint-Tropez\n" + ENGLISH_LINK), "utf-8")


def test_the_intro_and_outro_keep_the_tours_sounds(folder: Path) -> None:
    (folder / "sounds").mkdir()
    shutil.copy(ROOT / "sounds" / "indicatif.mp3", folder / "sounds" / "theme.mp3")
    tour = folder / "tour.yml"
    tour.write_text(tour.read_text("utf-8").replace("  title: Bienvenue\n", "  title: Bienvenue\n  music: sounds/theme.mp3\n"),
                    "utf-8")
    english = api.load_tour("tour.yml").translations["en"].tour
    assert english.intro is not None and (english.intro.title, english.intro.music) == ("Welcome", "sounds/theme.mp3")


def test_credits_and_link_titles_may_be_translated(folder: Path) -> None:
    french = api.load_tour("tour.yml")
    # Untranslated, they are the tour's own: a credit or a title is often a name.
    assert french.translations["en"].tour.credits == french.tour.credits == ["Indicatif : son original (CC0)."]
    assert french.translations["en"].tour.stops[1].links == french.tour.stops[1].links
    _translate_credits_and_links(folder)
    english = api.load_tour("tour.yml").translations["en"]
    assert english.tour.credits == ["Signature tune: an original sound (CC0)."]
    [link] = english.tour.stops[1].links
    assert (link.title, link.url) == ("Saint-Tropez harbour", french.tour.stops[1].links[0].url)
    # Found later, a problem with them names the file they were written in.
    assert str(english.error(("credits", 0), "x")).startswith("tour.en.yml:20: credits[0]: ")
    assert str(english.error(("stops", 1, "links", 0, "title"), "x")).startswith("tour.en.yml:18: stops[1].links[0].title")
    assert str(english.error(("stops", 1, "links", 0, "url"), "x")).startswith("tour.yml:27: stops[1].links[0].url")


def test_credits_a_tour_does_not_have_cannot_be_translated(folder: Path) -> None:
    tour = folder / "tour.yml"
    tour.write_text(tour.read_text("utf-8").replace('credits: ["Indicatif : son original (CC0)."]\n', ""), "utf-8")
    _translate_credits_and_links(folder)
    refused_everywhere(folder, "tour.en.yml:20: credits: tour.yml has no credit lines; remove credits:")


def test_the_library_loads_translations_from_a_loaded_tour(folder: Path) -> None:
    loaded = load_tour("tour.yml")
    assert loaded.translations == {}
    assert load_translations(loaded)["en"].tour.title == "The Landing in Brief"
    assert api.script(loaded)[0].title == "Bienvenue"
    assert api.check(loaded) == api.check("tour.yml")


def test_a_tour_without_translations_loads_none(tmp_path: Path) -> None:
    loaded = api.load_tour(ROOT / "tests" / "data" / "mini.yml")
    assert loaded.translations == {} and load_translations(loaded) == {}
    assert "languages" not in api.check(loaded)


def test_check_shows_each_language_side_by_side(folder: Path) -> None:
    code, out, err = invoke("check", "tour.yml")
    assert (code, err) == (0, "")
    table = out[out.index("  languages, at 147 words a minute:"):].split("\n  before publishing")[0].splitlines()
    assert table[1].split() == ["fr", "en"]
    assert [row.split()[0] for row in table[2:]] == ["intro", "1", "2", "outro", "whole"]
    assert table[3].split() == ["1", "cavalaire", "25", "words", "0:10", "26", "words", "0:10"]


def test_each_language_is_estimated_at_its_own_voices_pace(folder: Path) -> None:
    translation = folder / "tour.en.yml"
    translation.write_text(translation.read_text("utf-8").replace("language: en\n", "language: en\nvoice: {rate: 120}\n"),
                           "utf-8")
    code, out, err = invoke("check", "tour.yml")
    assert (code, err) == (0, "")
    assert "  parts, at 147 words a minute (the default pace):" in out
    table = out[out.index("  languages, at 147 (fr), 120 (en) words a minute:"):].splitlines()
    # 25 words at 147 a minute, 26 at 120.
    assert table[3].split() == ["1", "cavalaire", "25", "words", "0:10", "26", "words", "0:15"]


def test_the_shipped_english_tour_loads_and_each_stop_lasts_two_to_four_minutes() -> None:
    loaded = api.load_tour(ROOT / "tour.yml")
    english = loaded.translations["en"].tour
    assert english.language == "en" and english.voice.tld == "co.uk"
    assert [s.id for s in english.stops] == [s.id for s in loaded.tour.stops]
    for stop in english.stops:
        minutes = part_words(stop) / words_per_minute(english)
        assert 2 <= minutes <= 4, (stop.id, minutes)
    for name in ("Cavalaire", "Croix-Valmer", "Ramatuelle", "Pampelonne", "Gassin", "Sainte-Maxime", "Nartelle",
                 "de Lattre de Tassigny"):
        assert name in english.lexicon, name
    # No French lexicon entry leaks into the English voice.
    assert "Dragoon" not in english.lexicon
    assert "fr" in api.check(loaded) and "en" in api.check(loaded)


@pytest.mark.slow
def test_a_translation_builds_like_any_tour(folder: Path, tmp_path: Path) -> None:
    english = api.load_tour("tour.yml").translations["en"]
    report = api.build(english, tmp_path / "en", engine="espeak")
    assert [s.title for s in report.manifest.segments] == ["Welcome", "Cavalaire-sur-Mer", "Saint-Tropez", "Goodbye"]
    # Its credits are the tour's (not translated here), in the guide as in the tags and the feed.
    assert "Indicatif : son original (CC0)." in (tmp_path / "en" / "index.html").read_text("utf-8")
    assert sorted(p.name for p in folder.iterdir()) == ["tour.en.yml", "tour.yml"]


def test_an_error_raised_for_a_translation_is_a_tour_error(folder: Path) -> None:
    translation = folder / "tour.en.yml"
    translation.write_text(translation.read_text("utf-8").replace("id: saint-tropez", "id: gassin"), "utf-8")
    with pytest.raises(TourError) as raised:
        api.load_tour("tour.yml")
    assert raised.value.path == Path("tour.en.yml") and raised.value.line == 16
