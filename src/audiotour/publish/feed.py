"""An RSS 2.0 podcast feed with the iTunes and Podcasting 2.0 namespaces.

A small writer over the standard library's ElementTree, which escapes every
text and attribute; the elements are the ones Apple Podcasts, Spotify,
Pocket Casts and AntennaPod read. Same input, same bytes: the one time it
carries, `lastBuildDate`, moves only when the feed's content does.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime

from .identity import PODCAST_NAMESPACE

FEED_NAME = "feed.xml"
NAMESPACES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": PODCAST_NAMESPACE,
    "content": "http://purl.org/rss/1.0/modules/content/",
    "atom": "http://www.w3.org/2005/Atom",
}


@dataclass(frozen=True)
class Link:
    url: str
    type: str
    language: str | None = None
    rel: str | None = None


@dataclass(frozen=True)
class Place:
    """`podcast:location`: a name to show, and where it is."""

    name: str
    geo: str | None
    osm: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    href: str | None = None


@dataclass(frozen=True)
class Item:
    title: str
    description_html: str
    content_html: str
    guid: str
    published: datetime
    enclosure_url: str
    enclosure_length: int
    duration_s: float
    episode_type: str
    """full | bonus"""
    number: int | None = None
    transcripts: tuple[Link, ...] = ()
    chapters: Link | None = None
    place: Place | None = None
    link: str | None = None
    image_url: str | None = None
    explicit: bool = False


@dataclass(frozen=True)
class Channel:
    title: str
    description: str
    language: str
    author: str
    link: str
    feed_url: str
    image_url: str
    guid: str
    published: datetime
    """The newest episode's date."""
    last_build: datetime
    """When the feed's content last changed (the first build: the newest episode's date)."""
    generator: str
    categories: tuple[tuple[str, ...], ...]
    """Apple's categories, each a category then maybe its subcategory."""
    locked: bool
    owner_name: str
    owner_email: str | None = None
    explicit: bool = False
    show_type: str = "serial"
    copyright: str | None = None
    complete: bool = False
    license: tuple[str, str | None] | None = None
    """The license's identifier and, for one of the tour's own, the address of its text."""
    persons: tuple[Person, ...] = ()
    place: Place | None = None
    alternates: tuple[tuple[str, str, str], ...] = ()
    """The same tour's feeds in other languages: (language tag, its name, feed URL)."""
    items: list[Item] = field(default_factory=list)


def feed_xml(channel: Channel) -> bytes:
    rss = ET.Element("rss", {"version": "2.0", **{f"xmlns:{p}": uri for p, uri in NAMESPACES.items()}})
    node = ET.SubElement(rss, "channel")
    _text(node, "title", channel.title)
    _text(node, "link", channel.link)
    _text(node, "description", channel.description)
    _text(node, "language", channel.language)
    if channel.copyright:
        _text(node, "copyright", channel.copyright)
    _text(node, "generator", channel.generator)
    _text(node, "pubDate", _date(channel.published))
    _text(node, "lastBuildDate", _date(channel.last_build))
    ET.SubElement(node, "atom:link", {"href": channel.feed_url, "rel": "self", "type": "application/rss+xml"})
    for language, language_name, other_feed in channel.alternates:
        # The same tour in another language: a feed of its own (directories want one language per feed).
        ET.SubElement(node, "atom:link", {"href": other_feed, "rel": "alternate", "type": "application/rss+xml",
                                          "hreflang": language, "title": language_name})
    image = ET.SubElement(node, "image")
    _text(image, "url", channel.image_url)
    _text(image, "title", channel.title)
    _text(image, "link", channel.link)
    _text(node, "itunes:author", channel.author)
    owner = ET.SubElement(node, "itunes:owner")
    _text(owner, "itunes:name", channel.owner_name)
    if channel.owner_email:
        _text(owner, "itunes:email", channel.owner_email)
    ET.SubElement(node, "itunes:image", {"href": channel.image_url})
    for category in channel.categories:
        parent = node
        for name in category:
            parent = ET.SubElement(parent, "itunes:category", {"text": name})
    _text(node, "itunes:explicit", _bool(channel.explicit))
    _text(node, "itunes:type", channel.show_type)
    if channel.complete:
        _text(node, "itunes:complete", "Yes")
    _text(node, "podcast:guid", channel.guid)
    _text(node, "podcast:locked", "yes" if channel.locked else "no")
    if channel.license:
        name, url = channel.license
        license_node = _text(node, "podcast:license", name)
        if url:
            license_node.set("url", url)
    for person in channel.persons:
        _person(node, person)
    if channel.place:
        _place(node, channel.place)
    for item in channel.items:
        _item(node, item)
    ET.indent(rss, "  ")
    return bytes(ET.tostring(rss, encoding="utf-8", xml_declaration=True)) + b"\n"


def _item(channel: ET.Element, item: Item) -> None:
    node = ET.SubElement(channel, "item")
    _text(node, "title", item.title)
    if item.link:
        _text(node, "link", item.link)
    _text(node, "description", item.description_html)
    _text(node, "content:encoded", item.content_html)
    _text(node, "guid", item.guid).set("isPermaLink", "false")
    _text(node, "pubDate", _date(item.published))
    ET.SubElement(node, "enclosure", {"url": item.enclosure_url, "length": str(item.enclosure_length),
                                      "type": "audio/mpeg"})
    _text(node, "itunes:title", item.title)
    _text(node, "itunes:duration", str(max(1, round(item.duration_s))))
    _text(node, "itunes:episodeType", item.episode_type)
    if item.number is not None:
        _text(node, "itunes:episode", str(item.number))
    _text(node, "itunes:explicit", _bool(item.explicit))
    if item.image_url:
        ET.SubElement(node, "itunes:image", {"href": item.image_url})
    for link in item.transcripts:
        _link(node, "podcast:transcript", link)
    if item.chapters:
        _link(node, "podcast:chapters", item.chapters)
    if item.place:
        _place(node, item.place)


def _place(parent: ET.Element, place: Place) -> None:
    element = _text(parent, "podcast:location", place.name)
    element.set("rel", "subject")
    if place.geo:
        element.set("geo", place.geo)
    if place.osm:
        element.set("osm", place.osm)
    if place.country:
        element.set("country", place.country)


def _person(parent: ET.Element, person: Person) -> None:
    element = _text(parent, "podcast:person", person.name)
    element.set("role", person.role)
    if person.href:
        element.set("href", person.href)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = text
    return element


def _link(parent: ET.Element, tag: str, link: Link) -> None:
    attributes = {"url": link.url, "type": link.type}
    if link.language:
        attributes["language"] = link.language
    if link.rel:
        attributes["rel"] = link.rel
    ET.SubElement(parent, tag, attributes)


def _date(moment: datetime) -> str:
    """RFC 2822, in GMT as RSS readers expect."""
    return format_datetime(moment, usegmt=True)
