"""One tour, several languages: one build writes each language where a static host serves it."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import feedparser
import pytest
from mutagen.id3 import ID3

import audiotour
from conftest import DATA

pytestmark = pytest.mark.slow  # each test here builds audio end to end

SOURCE = DATA / "translations"
BASE = "https://example.org/tour/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("languages")
    for name in ("tour.yml", "tour.en.yml"):
        shutil.copy(SOURCE / name, root / name)
    audiotour.build(root / "tour.yml", root / "out", engine="espeak", base_url=BASE, cache_dir=root / "cache")
    return root


def manifest(folder: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((folder / "manifest.json").read_text("utf-8"))
    return data


def test_the_tours_own_language_stays_at_the_root_and_each_translation_has_a_folder(built: Path) -> None:
    out = built / "out"
    root, english = manifest(out), manifest(out / "en")
    assert (root["language"], root["languages"]) == ("fr", {"fr": "", "en": "en/"})
    assert (english["language"], english["languages"]) == ("en", {"fr": "../", "en": ""})
    assert (out / "00-intro.mp3").is_file() and (out / "en" / "00-intro.mp3").is_file()
    assert str(ID3(out / "01-cavalaire.mp3")["TLAN"]) == "fra"
    assert str(ID3(out / "en" / "01-cavalaire.mp3")["TLAN"]) == "eng"
    # Each language has its own guide, which knows the others.
    page = (out / "en" / "index.html").read_text("utf-8")
    assert '"languages":[{"code":"fr","name":"Français","href":"../"},{"code":"en","name":"English","href":""}]' in page


def test_a_feed_per_language_each_in_its_language(built: Path) -> None:
    for folder, language in ((built / "out", "fr"), (built / "out" / "en", "en")):
        feed = feedparser.parse((folder / "feed.xml").read_bytes())
        assert not feed.bozo
        assert feed.feed.language == language
        assert all(e.enclosures[0].href.startswith(BASE + ("en/" if language == "en" else "")) for e in feed.entries)


def test_adding_a_language_synthesises_nothing_again_in_the_others(tmp_path: Path) -> None:
    shutil.copy(SOURCE / "tour.yml", tmp_path / "tour.yml")
    shutil.copy(SOURCE / "tour.en.yml", tmp_path / "tour.en.yml")
    text = (tmp_path / "tour.yml").read_text("utf-8")
    (tmp_path / "tour.yml").write_text(text.replace("translations: [tour.en.yml]\n", ""), "utf-8")
    first = audiotour.build(tmp_path / "tour.yml", tmp_path / "out", engine="espeak", cache_dir=tmp_path / "cache")
    assert first.translations == {} and not (tmp_path / "out" / "en").exists()
    (tmp_path / "tour.yml").write_text(text, "utf-8")
    second = audiotour.build(tmp_path / "tour.yml", tmp_path / "out", engine="espeak", cache_dir=tmp_path / "cache")
    # French: the same audio, so no segment is rendered again (only the pages that now link to English change).
    assert second.sentences_synthesized == 0
    assert not [name for name in second.written if name.endswith(".mp3")]
    assert second.translations["en"].sentences_synthesized > 0


def test_the_script_of_a_translation(built: Path) -> None:
    [intro, *_] = audiotour.script(built / "tour.yml", language="en")
    assert intro.spoken_text.startswith("Welcome")
    with pytest.raises(audiotour.TourError, match="the tour is not in 'de'; its languages are: fr, en"):
        audiotour.script(built / "tour.yml", language="de")


def test_each_feed_points_to_the_others(built: Path) -> None:
    french = feedparser.parse((built / "out" / "feed.xml").read_bytes()).feed
    english = feedparser.parse((built / "out" / "en" / "feed.xml").read_bytes()).feed
    assert [(link.rel, link.href) for link in french.links if link.rel == "alternate"][-1] == \
        ("alternate", BASE + "en/feed.xml")
    assert [(link.rel, link.href) for link in english.links if link.rel == "alternate"][-1] == \
        ("alternate", BASE + "feed.xml")
    assert f"Aussi en English : {BASE}en/feed.xml" in french.description
    assert f"Also in Français: {BASE}feed.xml" in english.description
