"""Publishing as a podcast: the real files, read back with the parsers podcast apps use."""
from __future__ import annotations

import html
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import feedparser
import podcastparser
import pytest
import srt
import webvtt
from mutagen.id3 import ID3
from PIL import Image, ImageDraw

from audiotour import publishers
from audiotour.errors import ExitStatus, TourError, WorldError
from audiotour.manifest import read_manifest
from audiotour.publish import prepare_images, publish_podcast
from audiotour.publish.cover import prepare_cover
from audiotour.publish.identity import PreviousFeed, podcast_guid_for, read_previous
from audiotour.publishers import context_for
from audiotour.tour import LoadedTour, load_tour
from conftest import DATA, build_offline

pytestmark = pytest.mark.slow  # each test here builds audio end to end

BASE = "https://example.org/visite/"
NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0"}


@dataclass
class Published:
    tour_path: Path
    output: Path
    cache: Path
    written: list[str]

    @property
    def loaded(self) -> LoadedTour:
        return load_tour(self.tour_path)

    @property
    def feed_bytes(self) -> bytes:
        return (self.output / "feed.xml").read_bytes()

    @property
    def channel(self) -> ET.Element:
        channel = ET.fromstring(self.feed_bytes).find("channel")
        assert channel is not None
        return channel

    @property
    def manifest(self) -> dict[str, Any]:
        return json.loads((self.output / "manifest.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def podcast_publisher() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(publishers, "PUBLISHERS", [publish_podcast])
        yield


def make_tour(folder: Path) -> Path:
    """The publishing tour, with its stop image drawn here rather than kept as a binary."""
    (folder / "images").mkdir(parents=True, exist_ok=True)
    shutil.copy(DATA / "publish" / "tour.yml", folder / "tour.yml")
    image = Image.new("RGB", (800, 600), "navy")
    ImageDraw.Draw(image).ellipse((300, 200, 500, 400), fill="gold")
    image.save(folder / "images" / "port.png")
    return folder / "tour.yml"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory, podcast_publisher: None) -> Published:
    root = tmp_path_factory.mktemp("published")
    tour_path = make_tour(root)
    report = build_offline(tour_path, root / "audio_out", root / "cache")
    return Published(tour_path, root / "audio_out", root / "cache", report.written)


def srt_plain(text: str) -> str:
    """What an SRT file shows for ``text``: angle brackets as look-alikes, so that nothing reads as a tag."""
    return text.replace("<", "\u2039").replace(">", "\u203a")


def items(published: Published) -> list[ET.Element]:
    return published.channel.findall("item")


def text_of(markup: str) -> str:
    """What a listener reads in an app that renders the HTML notes."""

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []

        def handle_starttag(self, tag: str, attrs: Any) -> None:
            if tag == "p" and self.parts:
                self.parts.append("\n\n")

        def handle_data(self, data: str) -> None:
            self.parts.append(data)

    parser = Text()
    parser.feed(markup)
    return "".join(parser.parts)


# -- the feed, as podcast apps read it ---------------------------------------------


def test_feedparser_reads_the_feed_without_complaint(published: Published) -> None:
    feed = feedparser.parse(published.feed_bytes)
    tour = published.loaded.tour
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert feed.feed.title == tour.title
    assert feed.feed.language == "fr"
    assert feed.feed.author == tour.author
    assert feed.feed.itunes_type == "serial"
    assert not feed.feed.itunes_explicit  # feedparser reads Apple's "false" as None, never True
    assert published.channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert feed.feed.image.href == BASE + "cover.jpg"
    assert feed.feed.podcast_locked in ("yes", "no")
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", feed.feed.podcast_guid)

    segments = published.manifest["segments"]
    # One copy of each sound: the segments are the episodes, and the whole tour is not one more.
    assert [e.title for e in feed.entries] == [s["title"] for s in segments]
    assert [e.get("itunes_episode") for e in feed.entries] == [str(n) for n in range(1, len(segments) + 1)]
    assert [e.itunes_episodetype for e in feed.entries] == ["full"] * len(segments)


def test_podcastparser_reads_the_feed_without_complaint(published: Published) -> None:
    feed = podcastparser.parse(BASE + "feed.xml", io.BytesIO(published.feed_bytes))
    tour = published.loaded.tour
    assert feed["title"] == tour.title
    assert feed["type"] == "serial"
    assert feed["explicit"] is False
    assert feed["cover_url"] == BASE + "cover.jpg"
    assert feed["itunes_author"] == tour.author
    assert feed["itunes_owner"] == {"name": tour.author}
    assert feed["itunes_categories"] == [["Society & Culture", "Places & Travel"]]

    manifest = published.manifest
    by_guid = {e["guid"]: e for e in feed["episodes"]}
    assert len(by_guid) == len(manifest["segments"])
    for episode, record in zip(feed["episodes"], manifest["segments"], strict=True):
        (enclosure,) = episode["enclosures"]
        assert enclosure["url"] == BASE + record["file"]
        assert enclosure["mime_type"] == "audio/mpeg"
        assert enclosure["file_size"] == (published.output / record["file"]).stat().st_size
        assert episode["total_time"] == max(1, round(record["duration_s"]))
        assert episode["published"] > 0
        assert episode["type"] == "full"


def test_every_enclosure_length_matches_its_file(published: Published) -> None:
    enclosures = [item.find("enclosure") for item in items(published)]
    assert len(enclosures) == len(published.manifest["segments"])
    for enclosure in enclosures:
        assert enclosure is not None
        url = enclosure.get("url", "")
        assert url.startswith(BASE)
        file = published.output / url.removeprefix(BASE)
        assert int(enclosure.get("length", "0")) == file.stat().st_size
        assert enclosure.get("type") == "audio/mpeg"


def test_descriptions_are_the_narration(published: Published) -> None:
    stop = published.loaded.tour.stops[0]
    entry = feedparser.parse(published.feed_bytes).entries[1]
    paragraphs = [" ".join(p.split()) for p in stop.narration.split("\n\n")]
    assert text_of(entry.summary).split("\n\n") == paragraphs
    # The show notes add the stop's links, escaped as HTML inside XML and still whole.
    notes = podcastparser.parse(BASE, io.BytesIO(published.feed_bytes))["episodes"][1]["description_html"]
    assert 'href="https://example.org/phare?a=1&amp;b=2"' in notes
    assert text_of(notes).split("\n\n") == [*paragraphs, stop.links[0].title]


def test_titles_with_markup_characters_round_trip_everywhere(published: Published) -> None:
    tour = published.loaded.tour
    stop = tour.stops[0]
    assert {"&", "<", '"'} <= set(stop.title) and {"&", "<", '"'} <= set(tour.title)
    assert podcastparser.parse(BASE, io.BytesIO(published.feed_bytes))["title"] == tour.title
    assert feedparser.parse(published.feed_bytes).entries[1].title == stop.title
    assert published.channel.findtext("itunes:author", namespaces=NS) == tour.author
    chapters = json.loads((published.output / "tour.chapters.json").read_text("utf-8"))
    assert chapters["title"] == tour.title
    assert chapters["chapters"][1]["title"] == stop.title
    # The title is the first sentence spoken, so the first cue.
    vtt = webvtt.read(str(published.output / "01-port.vtt"))
    assert html.unescape(vtt[0].text) == stop.title
    assert "<" not in vtt[0].text and "&amp;" in vtt[0].text
    # SRT has no escapes: angle brackets are written as their look-alikes, so no player reads a tag.
    (first, *_) = srt.parse((published.output / "01-port.srt").read_text("utf-8"))
    assert first.content == srt_plain(stop.title)


def test_guids_and_dates_stay_across_rebuilds(published: Published) -> None:
    before = published.feed_bytes
    report = build_offline(published.tour_path, published.output, published.cache)
    assert report.written == []
    assert published.feed_bytes == before


def test_guids_are_the_same_in_a_fresh_build(published: Published, tmp_path: Path) -> None:
    build_offline(published.tour_path, tmp_path / "elsewhere", published.cache)
    fresh = ET.fromstring((tmp_path / "elsewhere" / "feed.xml").read_bytes()).find("channel")
    assert fresh is not None
    guid = published.channel.findtext("podcast:guid", namespaces=NS)
    assert fresh.findtext("podcast:guid", namespaces=NS) == guid
    assert [i.findtext("guid") for i in fresh.findall("item")] == [i.findtext("guid") for i in items(published)]
    assert len({i.findtext("guid") for i in items(published)}) == len(items(published))


def test_dates_are_rfc2822_in_tour_order_and_not_in_the_future(published: Published) -> None:
    dates = [parsedate_to_datetime(item.findtext("pubDate", "")) for item in items(published)]
    assert all(d.tzinfo is not None for d in dates)
    assert dates == sorted(dates) and len(set(dates)) == len(dates)
    assert dates[-1] == parsedate_to_datetime(published.channel.findtext("pubDate", ""))
    assert dates[-1] <= datetime.now(timezone.utc)


def test_located_stops_carry_a_podcast_location(published: Published) -> None:
    by_title = {item.findtext("title"): item for item in items(published)}
    port = published.loaded.tour.stops[0]
    location = by_title[port.title].find("podcast:location", NS)
    assert location is not None
    assert location.get("geo") == "geo:43.425,6.7683"
    assert location.text == port.title
    assert by_title["La plage"].find("podcast:location", NS) is None


def test_feed_points_at_files_that_exist(published: Published) -> None:
    channel = published.channel
    cover = channel.find("itunes:image", NS)
    assert cover is not None and cover.get("href") == BASE + "cover.jpg"
    for item in items(published):
        transcripts = item.findall("podcast:transcript", NS)
        assert {t.get("type") for t in transcripts} == {"text/vtt", "application/x-subrip"}
        for link in transcripts:
            assert link.get("rel") == "captions" and link.get("language") == "fr"
            assert (published.output / link.get("url", "").removeprefix(BASE)).is_file()
    # The chapters belong to tour.mp3, which this feed does not carry (it carries the segments).
    assert [i.find("podcast:chapters", NS) for i in items(published)] == [None] * len(items(published))


# -- chapters and transcripts -------------------------------------------------------


def test_chapters_json_matches_the_id3_chapters(published: Published) -> None:
    document = json.loads((published.output / "tour.chapters.json").read_text("utf-8"))
    assert document["version"] == "1.2.0"
    id3 = ID3(published.output / "tour.mp3")
    frames = sorted(id3.getall("CHAP"), key=lambda f: f.start_time)
    assert [c["title"] for c in document["chapters"]] == [f.sub_frames["TIT2"].text[0] for f in frames]
    assert [round(c["startTime"] * 1000) for c in document["chapters"]] == [f.start_time for f in frames]


def test_chapters_carry_place_picture_and_link_where_known(published: Published) -> None:
    document = json.loads((published.output / "tour.chapters.json").read_text("utf-8"))
    intro, port, plage = document["chapters"]
    assert port["location"] == {"name": published.loaded.tour.stops[0].title, "geo": "geo:43.425,6.7683"}
    assert port["url"] == "https://example.org/phare?a=1&b=2"
    assert port["img"] == BASE + "images/01-port.png"
    with Image.open(published.output / "images/01-port.png") as picture:
        assert picture.size == (800, 600)
    assert set(intro) == {"startTime", "title"} and set(plage) == {"startTime", "title"}


def test_transcripts_hold_the_narration_in_order(published: Published) -> None:
    segments = published.manifest["segments"]
    for segment in segments:
        stem = segment["file"].removesuffix(".mp3")
        sentences = segment["sentences"]
        cues = webvtt.read(str(published.output / f"{stem}.vtt"))
        assert [html.unescape(c.text) for c in cues] == [s["text"] for s in sentences]
        assert [c.start_in_seconds + c.start_time.milliseconds / 1000 for c in cues] == pytest.approx(
            [s["start_s"] for s in sentences], abs=0.0011)
        subtitles = list(srt.parse((published.output / f"{stem}.srt").read_text("utf-8")))
        assert [s.content for s in subtitles] == [srt_plain(s["text"]) for s in sentences]
        assert [s.end.total_seconds() for s in subtitles] == pytest.approx([s["end_s"] for s in sentences], abs=0.0011)

    stop = published.loaded.tour.stops[0]
    spoken = " ".join(html.unescape(c.text) for c in webvtt.read(str(published.output / "01-port.vtt")))
    assert spoken == " ".join(f"{stop.title} {stop.narration}".split())


def test_episode_transcript_is_offset_by_each_segment_start(published: Published) -> None:
    expected = [(round((seg["start_s"] + s["start_s"]) * 1000), s["text"])
                for seg in published.manifest["segments"] for s in seg["sentences"]]
    subtitles = list(srt.parse((published.output / "tour.srt").read_text("utf-8")))
    assert [(round(s.start.total_seconds() * 1000), s.content) for s in subtitles] == [
        (start, srt_plain(text)) for start, text in expected]
    cues = webvtt.read(str(published.output / "tour.vtt"))
    assert [html.unescape(c.text) for c in cues] == [text for _, text in expected]
    duration = published.manifest["episode"]["duration_s"]
    assert subtitles[-1].end.total_seconds() <= duration


# -- cover art ----------------------------------------------------------------------


def test_generated_cover_is_a_square_rgb_jpeg_and_the_same_every_time(published: Published) -> None:
    data = (published.output / "cover.jpg").read_bytes()
    with Image.open(io.BytesIO(data)) as cover:
        assert cover.format == "JPEG" and cover.mode == "RGB"
        assert cover.width == cover.height and 1400 <= cover.width <= 3000
        # Not a blank square: the title is drawn in white on a dark ground.
        darkest, brightest = cover.convert("L").getextrema()
        assert darkest < 80 and brightest > 200
    assert prepare_images(published.loaded).jpeg == data
    assert prepare_images(load_tour(published.tour_path)).jpeg == data


def write_tour_with_cover(folder: Path, cover: str | None = "cover.img") -> Path:
    text = (DATA / "mini.yml").read_text("utf-8")
    if cover:
        text = text.replace("language: fr\n", f"language: fr\ncover: {cover}\n")
    path = folder / "tour.yml"
    path.write_text(text, "utf-8")
    return path


def picture(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    image = Image.new(mode, size, "white" if mode != "CMYK" else (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill="red")
    return image


@pytest.mark.parametrize(("size", "mode", "fmt", "said"), [
    ((1000, 800), "RGB", "PNG", ["cropped to a square", "enlarged to 1400×1400 px"]),
    ((3600, 3600), "RGB", "JPEG", ["reduced to 3000×3000 px"]),
    ((1500, 1500), "RGB", "WEBP", ["converted from WEBP to JPEG"]),
    ((1500, 1500), "CMYK", "JPEG", ["converted from CMYK to RGB"]),
])
def test_user_cover_is_made_podcast_ready_and_said(tmp_path: Path, size: tuple[int, int], mode: str, fmt: str,
                                                    said: list[str]) -> None:
    picture(size, mode).save(tmp_path / "cover.img", fmt)
    cover = prepare_cover(load_tour(write_tour_with_cover(tmp_path)))
    with Image.open(io.BytesIO(cover.jpeg)) as result:
        assert result.format == "JPEG" and result.mode == "RGB"
        assert result.width == result.height and 1400 <= result.width <= 3000
    (note,) = cover.notes
    assert note.startswith("tour.yml: cover: cover.img")
    for words in said:
        assert words in note


def test_good_user_cover_is_kept_byte_for_byte(tmp_path: Path) -> None:
    picture((1400, 1400)).save(tmp_path / "cover.jpg", "JPEG", quality=80)
    cover = prepare_cover(load_tour(write_tour_with_cover(tmp_path, "cover.jpg")))
    assert cover.jpeg == (tmp_path / "cover.jpg").read_bytes()
    assert cover.notes == ()


def test_good_png_cover_becomes_jpeg_quietly(tmp_path: Path) -> None:
    picture((1600, 1600), "RGBA").save(tmp_path / "cover.png")
    cover = prepare_cover(load_tour(write_tour_with_cover(tmp_path, "cover.png")))
    assert cover.notes == ()
    with Image.open(io.BytesIO(cover.jpeg)) as result:
        assert (result.format, result.mode, result.size) == ("JPEG", "RGB", (1600, 1600))
        assert result.getpixel((5, 5)) == pytest.approx((255, 255, 255), abs=3)  # transparency on white, not black


def test_unreadable_cover_is_a_tour_error_naming_the_field(tmp_path: Path) -> None:
    (tmp_path / "cover.img").write_text("not an image", "utf-8")
    loaded = load_tour(write_tour_with_cover(tmp_path))
    with pytest.raises(TourError) as caught:
        prepare_cover(loaded)
    assert caught.value.exit_status == ExitStatus.USER_ERROR
    assert str(caught.value) == (f"{loaded.path}:5: cover: 'cover.img' is not a readable image; "
                                 "use a JPEG or PNG file")
    with pytest.raises(TourError, match=r"cover: 'cover\.img'"):
        prepare_images(loaded)


def test_unreadable_stop_image_is_a_tour_error_naming_the_field(tmp_path: Path) -> None:
    tour_path = make_tour(tmp_path)
    (tmp_path / "images" / "port.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(TourError, match=r"tour\.yml:\d+: stops\[0\]\.image: 'images/port.png' is not a readable"):
        prepare_images(load_tour(tour_path))


# -- without a base URL, and what must never happen --------------------------------


def copy_published(published: Published, folder: Path) -> Path:
    output = folder / "audio_out"
    shutil.copytree(published.output, output)
    return output


def test_without_base_url_no_feed_and_one_line_saying_how(published: Published, tmp_path: Path) -> None:
    output = copy_published(published, tmp_path)
    (output / "feed.xml").unlink()
    (output / "tour.chapters.json").unlink()
    said: list[str] = []
    context = context_for(published.loaded, read_manifest(output), output, None, said.append)
    assert publish_podcast(context) == ["tour.chapters.json"]
    assert len(said) == 1 and "\n" not in said[0]
    assert "base_url" in said[0] and "feed.xml" in said[0]
    assert not (output / "feed.xml").exists()
    # Chapters still work for a player served from the same folder: pictures by relative name.
    chapters = json.loads((output / "tour.chapters.json").read_text("utf-8"))
    assert chapters["chapters"][1]["img"] == "images/01-port.png"
    assert publish_podcast(context) == []


def test_a_manifest_name_with_a_slash_is_refused_and_nothing_lands_outside(published: Published,
                                                                          tmp_path: Path) -> None:
    output = copy_published(published, tmp_path)
    manifest = read_manifest(output)
    assert manifest is not None
    context = context_for(published.loaded, manifest, output, BASE, lambda _: None)
    segments = list(context.segments)
    segments[1] = replace(segments[1], audio=replace(segments[1].audio, file="../01-port.mp3"))
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(WorldError, match="not a plain file name"):
        publish_podcast(replace(context, segments=tuple(segments)))
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_moved_feed_keeps_its_podcast_guid_and_dates(published: Published, tmp_path: Path) -> None:
    output = copy_published(published, tmp_path)
    moved = context_for(published.loaded, read_manifest(output), output,
                           "https://tourisme.example.net/", lambda _: None)
    later = datetime.now(timezone.utc) + timedelta(days=30)
    # The chapters' pictures move along with the feed.
    assert publish_podcast(moved, clock=lambda: later) == ["tour.chapters.json", "feed.xml"]
    channel = ET.fromstring((output / "feed.xml").read_bytes()).find("channel")
    assert channel is not None
    assert channel.findtext("podcast:guid", namespaces=NS) == published.channel.findtext("podcast:guid", namespaces=NS)
    assert channel.findtext("pubDate") == published.channel.findtext("pubDate")
    enclosure = channel.find("item/enclosure")
    assert enclosure is not None and enclosure.get("url", "").startswith("https://tourisme.example.net/")


def test_a_removed_stop_takes_its_files_along_and_others_keep_their_guids(published: Published,
                                                                          tmp_path: Path) -> None:
    output = copy_published(published, tmp_path)
    tour_path = make_tour(tmp_path)
    text = tour_path.read_text("utf-8")
    tour_path.write_text(text[: text.index("  - title: La plage")], "utf-8")
    before = {i.findtext("title"): i.findtext("guid") for i in items(published)}
    dates = {i.findtext("title"): i.findtext("pubDate") for i in items(published)}

    build_offline(tour_path, output, published.cache)

    assert not (output / "02-la-plage.vtt").exists() and not (output / "02-la-plage.srt").exists()
    channel = ET.fromstring((output / "feed.xml").read_bytes()).find("channel")
    assert channel is not None
    after = {i.findtext("title"): i.findtext("guid") for i in channel.findall("item")}
    assert "La plage" not in after
    for title in ("Bienvenue & bonjour", published.loaded.tour.stops[0].title):
        assert after[title] == before[title]
    assert {i.findtext("title"): i.findtext("pubDate") for i in channel.findall("item")} == {
        title: date for title, date in dates.items() if title != "La plage"}


def test_podcast_guid_follows_the_podcasting_2_recipe() -> None:
    # The example the Podcasting 2.0 specification gives for https://podnews.net/rss.
    assert podcast_guid_for("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert podcast_guid_for("http://podnews.net/rss/") == podcast_guid_for("https://podnews.net/rss")


def test_an_earlier_feed_dated_in_another_zone_is_read_back_in_gmt(tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_text("<rss><channel><title>T</title><pubDate>Sat, 15 Aug 2026 10:00:00 +0200</pubDate>"
                    "</channel></rss>", "utf-8")
    assert read_previous(feed).published == datetime(2026, 8, 15, 8, 0, tzinfo=timezone.utc)
    assert read_previous(tmp_path / "missing.xml") == PreviousFeed()
