"""Web addresses: the one place a published URL is checked and built.

The base URL (where the output folder will be served) is checked once, when
the tour is read or the build is given one: only ``http`` or ``https`` with a
host, no user name or password, no query, no fragment, no control character.
Whatever else it holds that a URL may not carry as is (a space, a quote,
letters beyond ASCII) is percent-encoded, and a host beyond ASCII is written
in its IDNA form. Every published address (feed, chapters, guide, GPX) is then
`url_for(base, name)`: the base, then the name's path percent-encoded, so no
text can end an XML attribute or a URL early.
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
