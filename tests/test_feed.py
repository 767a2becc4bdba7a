"""A feed the directories accept: Apple's and Spotify's published requirements, read with real parsers.

Apple Podcasts (Podcasts Connect, "A Podcaster's Guide to RSS") requires, for the show: title,
description, itunes:image (JPEG or PNG, 1400–3000 px square), language, itunes:category (from its
list) and itunes:explicit; it recommends itunes:author and link, and a serial show needs
itunes:episode on every episode. For an episode it requires title and enclosure (url, length,
type) and recommends guid, pubDate (RFC 2822), description (4000 bytes at most), itunes:duration,
link, itunes:image and itunes:explicit. Spotify reads the same tags and sends its ownership check
to itunes:owner/itunes:email; it wants a stable guid and an enclosure length that is the file's.
"""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from PIL import Image

from audiotour import api, publishers
from audiotour.categories import APPLE_CATEGORIES
from audiotour.errors import ExitStatus, TourError, UsageError
from audiotour.guide import write_guide
from audiotour.publish import publish_podcast
from audiotour.tour import load_tour
from audiotour.urls import BadURL, check_base_url, url_for
from conftest import build_offline
from test_publish import make_tour

pytestmark = pytest.mark.slow  # each test here builds audio end to end

BASE = "https://example.org/visite/"
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0"}

PODCAST_SECTION = """podcast:
  owner: {name: Office de tourisme, email: podcast@example.org}
  categories: [History, Society & Culture/Places & Travel]
  explicit: false
  copyright: © 2026 Office de tourisme de l'Estérel
  type: serial
  link: https://example.org/visite-guidee
  published: 2026-06-01
  complete: true
  license: CC-BY-4.0
  persons:
    - {name: Jeanne d'Arbaud, role: narrator, link: "https://example.org/jeanne"}
    - {name: Paul, role: Researcher}
  area: {name: Massif de l'Estérel, lat: 43.45, lon: 6.85, osm: R1234567, country: FR}
"""


@pytest.fixture(scope="module")
def podcast_only() -> object:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publishers, "PUBLISHERS", [publish_podcast])
        yield


def full_tour(folder: Path, items: str | None = None) -> Path:
    path = make_tour(folder)
    text = path.read_text("utf-8").replace("base_url: https://example.org/visite\n",
                                           "base_url: https://example.org/visite\n" + PODCAST_SECTION)
    text = text.replace("    location: {lat: 43.4250, lon: 6.7683}", "    location: {lat: 43.4250, lon: 6.7683, osm: N42}")
    text = text.replace("Le sable est rouge.", "Le sable est rouge, c'est l'Estérel.")
    if items:
        text = text.replace("podcast:\n", f"podcast:\n  items: {items}\n")
    path.write_text(text, "utf-8")
    return path


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory, podcast_only: None) -> tuple[Path, Path, Path]:
    """The full tour built twice from scratch, in two folders, as two machines would."""
    root = tmp_path_factory.mktemp("feed")
    first, second = root / "one", root / "two"
    tour = full_tour(first)
    full_tour(second)
    build_offline(tour, first / "audio_out", root / "cache-one")
    build_offline(second / "tour.yml", second / "audio_out", root / "cache-two")
    return tour, first / "audio_out", second / "audio_out"


def channel_of(output: Path) -> ET.Element:
    channel = ET.fromstring((output / "feed.xml").read_bytes()).find("channel")
    assert channel is not None
    return channel


def test_two_clean_builds_give_the_same_feed(two_builds: tuple[Path, Path, Path]) -> None:
    _, one, two = two_builds
    assert (one / "feed.xml").read_bytes() == (two / "feed.xml").read_bytes()
    assert (one / "tour.chapters.json").read_bytes() == (two / "tour.chapters.json").read_bytes()


def test_dates_derive_from_published_in_tour_order(two_builds: tuple[Path, Path, Path]) -> None:
    _, one, _ = two_builds
    channel = channel_of(one)
    dates = [parsedate_to_datetime(i.findtext("pubDate", "")) for i in channel.findall("item")]
    assert dates[0].isoformat() == "2026-06-01T00:00:00+00:00"
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert parsedate_to_datetime(channel.findtext("pubDate", "")) == dates[-1]
    # A clean build: the content has not changed since it was first published.
    assert parsedate_to_datetime(channel.findtext("lastBuildDate", "")) == dates[-1]


def test_apple_required_and_recommended_show_tags(two_builds: tuple[Path, Path, Path]) -> None:
    tour_path, one, _ = two_builds
    tour = load_tour(tour_path).tour
    channel = channel_of(one)
    assert channel.findtext("title") == tour.title
    assert channel.findtext("description") == tour.description
    assert channel.findtext("language") == "fr"
    assert channel.findtext("link") == "https://example.org/visite-guidee"
    assert channel.findtext("copyright") == "© 2026 Office de tourisme de l'Estérel"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.findtext("itunes:type", namespaces=NS) == "serial"
    assert channel.findtext("itunes:complete", namespaces=NS) == "Yes"
    assert channel.findtext("itunes:author", namespaces=NS) == tour.author
    image = channel.find("itunes:image", NS)
    assert image is not None and image.get("href") == BASE + "cover.jpg"
    with Image.open(one / "cover.jpg") as cover:
        assert cover.format == "JPEG" and cover.mode == "RGB" and cover.width == cover.height
        assert 1400 <= cover.width <= 3000
    categories = [(c.get("text"), [s.get("text") for s in c.findall("itunes:category", NS)])
                  for c in channel.findall("itunes:category", NS)]
    assert categories == [("History", []), ("Society & Culture", ["Places & Travel"])]
    for parent, children in categories:
        assert parent in APPLE_CATEGORIES and set(children) <= set(APPLE_CATEGORIES[parent])
    assert channel.findtext("podcast:license", namespaces=NS) == "CC-BY-4.0"
    people = [(p.text, p.get("role"), p.get("href")) for p in channel.findall("podcast:person", NS)]
    assert people == [("Jeanne d'Arbaud", "narrator", "https://example.org/jeanne"), ("Paul", "researcher", None)]
    area = channel.find("podcast:location", NS)
    assert area is not None and area.text == "Massif de l'Estérel"
    assert (area.get("geo"), area.get("osm"), area.get("country")) == ("geo:43.45,6.85", "R1234567", "FR")


def test_spotify_ownership_check_goes_to_the_owner(two_builds: tuple[Path, Path, Path]) -> None:
    _, one, _ = two_builds
    feed = podcastparser.parse(BASE + "feed.xml", io.BytesIO((one / "feed.xml").read_bytes()))
    assert feed["itunes_owner"] == {"name": "Office de tourisme", "email": "podcast@example.org"}
    assert feed["type"] == "serial" and feed["explicit"] is False
    assert feed["itunes_categories"] == [["History"], ["Society & Culture", "Places & Travel"]]


def test_apple_and_spotify_episode_tags(two_builds: tuple[Path, Path, Path]) -> None:
    _, one, _ = two_builds
    manifest = json.loads((one / "manifest.json").read_text("utf-8"))
    parsed = feedparser.parse((one / "feed.xml").read_bytes())
    assert not parsed.bozo
    items = channel_of(one).findall("item")
    assert len(items) == len(manifest["segments"])
    guids = [i.findtext("guid") for i in items]
    assert len(set(guids)) == len(guids)
    for number, (item, record, entry) in enumerate(zip(items, manifest["segments"], parsed.entries), start=1):
        assert item.findtext("title") == record["title"] == entry.title
        enclosure = item.find("enclosure")
        assert enclosure is not None and enclosure.get("type") == "audio/mpeg"
        assert enclosure.get("url") == BASE + record["file"]
        assert int(enclosure.get("length", "0")) == (one / record["file"]).stat().st_size
        assert parsedate_to_datetime(item.findtext("pubDate", "")).tzinfo is not None
        assert 0 < len(item.findtext("description", "").encode("utf-8")) <= 4000
        assert int(item.findtext("itunes:duration", "0", NS)) == max(1, round(record["duration_s"]))
        assert item.findtext("itunes:episode", namespaces=NS) == str(number)
        assert item.findtext("itunes:explicit", namespaces=NS) == "false"
        assert item.findtext("link") == "https://example.org/visite-guidee"


def test_each_stop_episode_has_its_place_and_square_art(two_builds: tuple[Path, Path, Path]) -> None:
    _, one, _ = two_builds
    port = channel_of(one).findall("item")[1]
    location = port.find("podcast:location", NS)
    assert location is not None
    assert (location.get("geo"), location.get("osm"), location.get("rel")) == ("geo:43.425,6.7683", "N42", "subject")
    art = port.find("itunes:image", NS)
    assert art is not None and art.get("href") == BASE + "images/01-port-art.jpg"
    with Image.open(one / "images/01-port-art.jpg") as picture:
        assert picture.format == "JPEG" and picture.mode == "RGB"
        assert picture.width == picture.height and 1400 <= picture.width <= 3000
    intro = channel_of(one).findall("item")[0]
    assert intro.find("itunes:image", NS) is None and intro.find("podcast:location", NS) is None


def test_a_subscriber_gets_each_second_of_audio_once(two_builds: tuple[Path, Path, Path]) -> None:
    _, one, _ = two_builds
    manifest = json.loads((one / "manifest.json").read_text("utf-8"))
    urls = [e.get("url") for e in channel_of(one).iter("enclosure")]
    assert len(set(urls)) == len(urls) and BASE + "tour.mp3" not in urls
    heard = sum(MP3(one / str(url).removeprefix(BASE)).info.length for url in urls)
    assert heard == pytest.approx(sum(s["duration_s"] for s in manifest["segments"]), abs=0.5)
    assert heard < manifest["episode"]["duration_s"] * 1.01


def test_the_whole_tour_as_one_episode_instead(tmp_path: Path, two_builds: tuple[Path, Path, Path]) -> None:
    tour = full_tour(tmp_path, items="whole")
    build_offline(tour, tmp_path / "out", tmp_path / "cache")
    items = channel_of(tmp_path / "out").findall("item")
    assert len(items) == 1
    (item,) = items
    enclosure = item.find("enclosure")
    assert enclosure is not None and enclosure.get("url") == BASE + "tour.mp3"
    assert int(enclosure.get("length", "0")) == (tmp_path / "out" / "tour.mp3").stat().st_size
    assert item.findtext("itunes:episode", namespaces=NS) == "1"
    chapters = item.find("podcast:chapters", NS)
    assert chapters is not None and chapters.get("url") == BASE + "tour.chapters.json"
    assert not (tmp_path / "out" / "images/01-port-art.jpg").exists()


def test_an_edited_stop_keeps_its_guid_and_updates_length_and_last_build(tmp_path: Path,
                                                                          two_builds: tuple[Path, Path, Path]) -> None:
    tour, one, _ = two_builds
    output = tmp_path / "audio_out"
    shutil.copytree(one, output)
    shutil.copytree(tour.parent / "images", tmp_path / "images")
    text = tour.read_text("utf-8").replace("Regardez le phare.", "Regardez le phare, puis la mer, longuement.")
    (tmp_path / "tour.yml").write_text(text, "utf-8")
    before = channel_of(one)
    build_offline(tmp_path / "tour.yml", output, tmp_path / "cache")
    after = channel_of(output)
    old, new = before.findall("item")[1], after.findall("item")[1]
    assert new.findtext("guid") == old.findtext("guid")
    assert new.findtext("pubDate") == old.findtext("pubDate")
    old_enclosure, new_enclosure = old.find("enclosure"), new.find("enclosure")
    assert old_enclosure is not None and new_enclosure is not None
    assert new_enclosure.get("length") != old_enclosure.get("length")
    assert int(new_enclosure.get("length", "0")) == (output / "01-port.mp3").stat().st_size
    assert parsedate_to_datetime(after.findtext("lastBuildDate", "")) > parsedate_to_datetime(
        before.findtext("lastBuildDate", ""))
    assert [i.findtext("guid") for i in after.findall("item")] == [i.findtext("guid") for i in before.findall("item")]


def test_chapter_pictures_and_links_in_tour_mp3(two_builds: tuple[Path, Path, Path]) -> None:
    _, one, _ = two_builds
    frames = sorted(ID3(one / "tour.mp3").getall("CHAP"), key=lambda f: f.start_time)
    port = frames[1]
    assert port.sub_frames["TIT2"].text[0].startswith("Le port")
    (link,) = port.sub_frames.getall("WXXX")
    assert link.url == "https://example.org/phare?a=1&b=2"
    (picture,) = port.sub_frames.getall("APIC")
    with Image.open(io.BytesIO(picture.data)) as image:
        assert image.format == "JPEG" and max(image.size) <= 640
    assert not frames[0].sub_frames.getall("APIC") and not frames[2].sub_frames.getall("WXXX")
    chapters = json.loads((one / "tour.chapters.json").read_text("utf-8"))["chapters"]
    assert chapters[1]["img"] == BASE + "images/01-port.png" and chapters[1]["url"] == link.url
    assert chapters[1]["location"]["osm"] == "N42"


@pytest.mark.ffprobe
@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed")
def test_ffprobe_reads_the_chapters(two_builds: tuple[Path, Path, Path]) -> None:
    _, one, _ = two_builds
    result = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_chapters",
                             str(one / "tour.mp3")], capture_output=True, check=True, text=True)
    chapters = json.loads(result.stdout)["chapters"]
    assert len(chapters) == 3
    assert chapters[1]["tags"]["title"].startswith("Le port")


def test_texts_are_escaped_once(two_builds: tuple[Path, Path, Path]) -> None:
    _, one, _ = two_builds
    raw = (one / "feed.xml").read_text("utf-8")
    assert "#x27;" not in raw and "&amp;amp;amp;" not in raw
    parsed = podcastparser.parse(BASE, io.BytesIO(raw.encode()))
    # HTML inside XML: one escape for each; an apostrophe needs none.
    notes = parsed["episodes"][2]["description_html"]
    assert notes == "<p>Le sable est rouge, c'est l'Estérel. Fin de la visite.</p>"
    assert "&amp; des pointus" in parsed["episodes"][1]["description_html"]
    assert feedparser.parse(raw).entries[2].summary == "<p>Le sable est rouge, c'est l'Estérel. Fin de la visite.</p>"
    assert channel_of(one).findtext("copyright") == "© 2026 Office de tourisme de l'Estérel"


# -- the base URL ------------------------------------------------------------------


@pytest.mark.parametrize(("given", "reason"), [
    ("https://example.org/tour/?utm=1", "query"),
    ("https://example.org/tour/#top", "fragment"),
    ("https://example.org/to\nur/", "control character"),
    ("https://example.org/to\x7fur/", "control character"),
    ("ftp://example.org/tour/", "must start with https://"),
    ("https:///tour/", "no host"),
    ("https://user:secret@example.org/", "password"),
    ("example.org/tour/", "must start with https://"),
    ('https://exa"mple.org/', "host name"),
])
def test_hostile_base_urls_are_refused(given: str, reason: str) -> None:
    with pytest.raises(BadURL, match=reason):
        check_base_url(given)


@pytest.mark.parametrize(("given", "published"), [
    ("https://example.org/tour", "https://example.org/tour/"),
    ("https://example.org/visites/été 2026/", "https://example.org/visites/%C3%A9t%C3%A9%202026/"),
    ('https://example.org/a"b<c>/', "https://example.org/a%22b%3Cc%3E/"),
    ("https://example.org/d%C3%A9j%C3%A0/", "https://example.org/d%C3%A9j%C3%A0/"),
    ("https://bücher.example/tour/", "https://xn--bcher-kva.example/tour/"),
    ("HTTP://Example.org:8080/x/", "http://example.org:8080/x/"),
])
def test_base_urls_are_encoded(given: str, published: str) -> None:
    assert check_base_url(given) == published
    assert url_for(published, "images/01-été.jpg") == published + "images/01-%C3%A9t%C3%A9.jpg"


def test_a_bad_base_url_in_the_tour_is_exit_2_naming_the_line(tmp_path: Path) -> None:
    path = make_tour(tmp_path)
    path.write_text(path.read_text("utf-8").replace("base_url: https://example.org/visite",
                                                    "base_url: https://example.org/visite?x=1"), "utf-8")
    with pytest.raises(TourError) as caught:
        load_tour(path)
    assert caught.value.exit_status == ExitStatus.USER_ERROR
    assert re.match(rf"{re.escape(str(path))}:\d+: base_url: ", str(caught.value))
    assert "query" in str(caught.value)


def test_a_bad_base_url_given_to_the_build_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="fragment") as caught:
        api.build(make_tour(tmp_path), tmp_path / "out", base_url="https://example.org/#x")
    assert caught.value.field == "base_url"
    assert not (tmp_path / "out").exists()


def test_an_encoded_base_url_reaches_every_published_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publishers, "PUBLISHERS", [publish_podcast, write_guide])
    path = make_tour(tmp_path)
    path.write_text(path.read_text("utf-8").replace("base_url: https://example.org/visite",
                                                    'base_url: "https://example.org/visite d\'été"'), "utf-8")
    build_offline(path, tmp_path / "out", tmp_path / "cache")
    base = "https://example.org/visite%20d'%C3%A9t%C3%A9/"
    feed = feedparser.parse((tmp_path / "out" / "feed.xml").read_bytes())
    assert not feed.bozo
    assert all(e.enclosures[0].href.startswith(base) for e in feed.entries)
    gpx = ET.fromstring((tmp_path / "out" / "tour.gpx").read_bytes())
    links = [e.get("href") for e in gpx.iter("{http://www.topografix.com/GPX/1/1}link")]
    assert links and all(str(link).startswith(base) for link in links)
    chapters = json.loads((tmp_path / "out" / "tour.chapters.json").read_text("utf-8"))
    assert chapters["chapters"][1]["img"].startswith(base)


# -- the tour file's podcast section ---------------------------------------------------


def write_podcast(tmp_path: Path, section: str) -> Path:
    path = make_tour(tmp_path)
    path.write_text(path.read_text("utf-8").replace("base_url: https://example.org/visite\n",
                                                    "base_url: https://example.org/visite\n" + section), "utf-8")
    return path


@pytest.mark.parametrize(("section", "message"), [
    ("podcast: {categories: [Histroy]}", "podcast.categories[0]: 'Histroy' is not one of Apple Podcasts' "
                                          "categories; did you mean 'History'?"),
    ("podcast: {categories: [Society & Culture/Travel]}", "did you mean 'Society & Culture/Places & Travel'?"),
    ("podcast: {categories: [History, Music, News, Comedy]}", "podcast.categories: has too many items"),
    ("podcast: {owner: {email: not-an-address}}", "podcast.owner.email: 'not-an-address' is not valid here"),
    ("podcast: {type: seriel}", "podcast.type: 'seriel' is not one of"),
    ("podcast: {items: both}", "podcast.items: 'both' is not one of"),
    ("podcast: {publshed: 2026-06-01}", "podcast.publshed: unknown key; did you mean 'published'?"),
    ("podcast: {published: soon}", "podcast.published: 'soon' is not a date"),
    ("podcast: {persons: [{name: A, role: narator}]}", "did you mean 'narrator'?"),
])
def test_podcast_mistakes_are_located_with_a_hint(tmp_path: Path, section: str, message: str) -> None:
    with pytest.raises(TourError) as caught:
        load_tour(write_podcast(tmp_path, section + "\n"))
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"{tmp_path / 'tour.yml'}:")


def test_check_warns_about_what_directories_will_ask_for(tmp_path: Path) -> None:
    summary = api.check(make_tour(tmp_path))
    assert "  before publishing as a podcast:\n" in summary
    assert "\n    - no podcast.owner.email: Apple Podcasts and Spotify send their ownership check to it" in summary
    assert "\n    - no podcast.categories" in summary
    full = api.check(full_tour(tmp_path / "full"))
    assert "before publishing" not in full


# -- covers for every script -----------------------------------------------------------


def cover_for(title: str, language: str) -> Image.Image:
    from audiotour.publish.cover import _draw_cover

    return Image.open(io.BytesIO(_draw_cover(title, "Office", language)))


@pytest.mark.parametrize(("title", "language"), [
    ("סיור בירושלים העתיקה", "he"),
    ("جولة في القاهرة القديمة", "ar"),
    ("北京老城区徒步导览", "zh"),
    ("東京の下町を歩く", "ja"),
    ("Plage 🏖️ et vagues 🌊", "fr"),
    ("Ελληνικά и русский", "el"),
])
def test_every_letter_of_a_title_has_a_face(title: str, language: str) -> None:
    from audiotour.publish.cover import Lettering

    runs = Lettering(100, language).runs(title)
    drawn = "".join(run for _, run in runs)
    # Every letter is drawn by a face that has it (the variation selector after an emoji may go).
    assert drawn.replace("\ufe0f", "") == title.replace("\ufe0f", "")
    with cover_for(title, language) as with_title, cover_for("x", language) as without:
        # Ink where the title goes: more than one letter's worth.
        assert with_title.convert("L").crop((120, 200, 1280, 600)).getextrema()[1] > 200
        assert with_title.tobytes() != without.tobytes()


def test_a_character_no_face_has_is_left_out_not_boxed() -> None:
    with cover_for("Plage \U0010fffd du Débarquement", "fr") as odd, \
            cover_for("Plage du Débarquement", "fr") as plain:
        assert odd.tobytes() == plain.tobytes()
