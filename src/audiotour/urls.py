"""Web addresses: the one place a published URL is checked and built.

The base URL (where the output folder will be served) is checked once, when
the tour is read or the build is given one: only ``http`` or ``https`` with a
host, no user name or password, no query, no fragment, no control character.
Whatever else it holds that a URL may not carry as is (a space, a quote,
letters beyond ASCII) is percent-encoded, and a host beyond ASCII is written
in its IDNA form. Every published address (feed, chapters, guide, GPX) is then
`url_for(base, name)`: the base, then the name's path percent-encoded, so no
text can end an XML attribute or a URL early.

A tile address (the guide's map tiles, `check_tile_template`) is checked as
strictly: https only, a host a browser can reach, {z}, {x} and {y}, nothing
that could end an attribute or a policy; `tile_origins` gives the hosts the
page's Content-Security-Policy lets it fetch images from.
"""
from __future__ import annotations

import re
from urllib.parse import quote, urlsplit, urlunsplit

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
"""RFC 3986 path characters (and '%', so an address already encoded is not encoded again)."""
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


class BadURL(ValueError):
    """Why a base URL cannot be used; the message completes ``base_url: …``."""


def check_base_url(value: str) -> str:
    """``value`` as the base every published address starts with: checked, encoded, ending with '/'."""
    text = value.strip()
    if CONTROL.search(text):
        raise BadURL(f"{_show(value)} contains a control character (a tab, a line break…); remove it")
    if not text:
        raise BadURL("is empty; give the address where the output folder will be published, e.g. "
                     "https://example.org/tour/")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise BadURL(f"{_show(value)} is not a web address ({exc}); write e.g. https://example.org/tour/") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadURL(f"{_show(value)} is not a web address; it must start with https:// (or http://), "
                     "e.g. https://example.org/tour/")
    if not parts.hostname:
        raise BadURL(f"{_show(value)} has no host name; write e.g. https://example.org/tour/")
    if parts.username is not None or parts.password is not None:
        raise BadURL(f"{_show(value)} carries a user name or password, which every listener would see; remove it")
    if parts.query or text.endswith("?"):
        raise BadURL(f"{_show(value)} has a query ('?…'), which would break every address built on it; remove it")
    if parts.fragment or "#" in text:
        raise BadURL(f"{_show(value)} has a fragment ('#…'), which would break every address built on it; "
                     "remove it")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise BadURL(f"{_show(value)} has a host name that cannot be written in a URL") from None
    if not re.fullmatch(r"[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]", host if ":" not in host else f"[{host}]"):
        raise BadURL(f"{_show(value)} has a host name that cannot be written in a URL")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None:
        netloc += f":{port}"
    path = encode_path(parts.path or "/")
    if not path.endswith("/"):
        path += "/"
    return urlunsplit((parts.scheme.lower(), netloc, path, "", ""))


def encode_path(path: str) -> str:
    """``path`` with every character a URL path may not carry percent-encoded (UTF-8); '%XX' is kept."""
    return _PERCENT.sub("%25", quote(path, safe=_PATH_SAFE))


def url_for(base: str | None, name: str) -> str:
    """The address of ``name`` (a path relative to the output folder): absolute under ``base``, or relative
    (encoded all the same) when the base is not known."""
    relative = quote(name, safe="/-._~")
    return (base or "") + relative


def _show(value: str) -> str:
    text = CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", value)
    return repr(text if len(text) <= 80 else text[:77] + "…")


OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
"""OpenStreetMap's own tiles: the guide's map when the tour names no tile server."""
TILE_SUBDOMAINS = "abc"
"""What the map puts for ``{s}`` in a tile template (Leaflet's default), one request host each."""
_TILE_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_TILE_KNOWN = {"z", "x", "y", "-y", "s", "r"}
_TILE_EXAMPLE = "e.g. https://tiles.example.org/{z}/{x}/{y}.png"


def check_tile_template(value: str) -> str:
    """``value`` as a tile address the guide's map can fill in: https, a host, {z}, {x} and {y}."""
    text = value.strip()
    if CONTROL.search(text):
        raise BadURL(f"{_show(value)} contains a control character (a tab, a line break…); remove it")
    if not text:
        raise BadURL(f"is empty; give a tile address ({_TILE_EXAMPLE}), or none for a map without tiles")
    bad = next((ch for ch in text if ch in "\"'`<>\\ ^|"), None)
    if bad is not None:
        raise BadURL(f"{_show(value)} contains {bad!r}, which a tile address may not hold; remove it")
    if not text.lower().startswith("https://"):
        raise BadURL(f"{_show(value)} does not start with https://: the guide fetches tiles only over https "
                     f"({_TILE_EXAMPLE}), or write none for a map without tiles")
    names = _TILE_PLACEHOLDER.findall(text)
    unknown = next((name for name in names if name not in _TILE_KNOWN), None)
    if unknown is not None:
        raise BadURL(f"{_show(value)} has {{{unknown}}}, which the map cannot fill in; use only {{z}}, {{x}}, "
                     "{y} (or {-y}), {s} and {r}")
    if "{" in _TILE_PLACEHOLDER.sub("", text) or "}" in _TILE_PLACEHOLDER.sub("", text):
        raise BadURL(f"{_show(value)} has an unmatched brace; write placeholders as {{z}}, {{x}}, {{y}}")
    missing = [name for name in ("z", "x", "y") if name not in names and not (name == "y" and "-y" in names)]
    if missing:
        raise BadURL(f"{_show(value)} lacks {', '.join('{' + name + '}' for name in missing)}; a tile address "
                     f"names the zoom and the tile's column and row, {_TILE_EXAMPLE}")
    if "#" in text:
        raise BadURL(f"{_show(value)} has a fragment ('#…'), which a tile address does not use; remove it")
    try:
        tile_origins(text)
    except ValueError as exc:
        raise BadURL(f"{_show(value)} {exc}") from None
    return text


def tile_origins(template: str) -> list[str]:
    """Every origin (https://host[:port]) the map may fetch tiles of ``template`` from: one per ``{s}``
    subdomain. For the page's Content-Security-Policy. ValueError (completing the address) when there
    is no host a browser can reach."""
    authority = template[len("https://"):].split("/", 1)[0].split("?", 1)[0]
    if "@" in authority:
        raise ValueError("carries a user name or password, which every visitor would see; remove it")
    placed = next((name for name in sorted(_TILE_KNOWN - {"s"}) if f"{{{name}}}" in authority), None)
    if placed is not None:
        raise ValueError(f"has {{{placed}}} in its host name; put {{z}}, {{x}} and {{y}} in the path, {_TILE_EXAMPLE}")
    origins = []
    for sub in TILE_SUBDOMAINS if "{s}" in authority else "-":
        host, _, port = authority.replace("{s}", sub).partition(":")
        if not re.fullmatch(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?",
                            host.lower()):
            raise ValueError("has no host name a browser can reach: write it in letters, digits, hyphens and dots "
                             f"(a name beyond ASCII in its xn-- form), {_TILE_EXAMPLE}")
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise ValueError("has a port that is not a number from 1 to 65535; correct it or remove it")
        origins.append(f"https://{host.lower()}" + (f":{port}" if port else ""))
    return origins
