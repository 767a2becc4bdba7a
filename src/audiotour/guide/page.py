"""index.html and manifest.webmanifest: the static shell around the tour's JSON."""
from __future__ import annotations

import html
import json
import re
from typing import Any

from ..urls import tile_origins, url_for


def content_security_policy(tiles: dict[str, Any] | None) -> str:
    """Only the page's own files run: even markup that slipped into the DOM could not load or run anything.
    Images may also come from the tour's tile server (``tiles``, as in the page data), and only from it:
    that is the one exception, and only for images. No tiles, no exception."""
    images = " ".join(["'self'", *(tile_origins(tiles["url"]) if tiles else [])])
    return ("default-src 'self'; script-src 'self'; style-src 'self'; "
            f"img-src {images}; media-src 'self'; "
            "connect-src 'self'; font-src 'self'; manifest-src 'self'; worker-src 'self'; "
            "object-src 'none'; base-uri 'none'; form-action 'none'")


THEME = "#0b2545"


def script_json(value: Any) -> str:
    """JSON that cannot end its <script> element: `</script>` and `<!--` lose their `<`."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def render_index(template: str, data: dict[str, Any], css: str, js: str) -> str:
    """Fill the template; tour text reaches the page only as escaped JSON, plus the escaped <title>."""
    ui = data["ui"]
    links = "".join(
        f'<li><a href="{html.escape(url_for(None, s["file"]))}">{html.escape(s["title"], quote=False)}</a></li>'
        for s in data["segments"]
    )
    values = {
        "lang": html.escape(data["lang"]), "csp": html.escape(content_security_policy(data.get("tiles")), quote=False).replace('"', "&quot;"),
        "title": html.escape(data["title"]),
        "css": html.escape(css), "js": html.escape(js), "data": script_json(data),
        "noscript": html.escape(str(ui["noscript"])), "noscript_links": links,
    }
    # One pass: a placeholder written in the tour's text must stay text, not be filled in turn.
    return re.sub(r"\{\{(\w+)\}\}", lambda match: values[match.group(1)], template)


def web_manifest(data: dict[str, Any], icons: list[tuple[str, str, str]]) -> str:
    """The install metadata; every URL is relative to the manifest, so the tour works from any folder."""
    title: str = data["title"]
    manifest = {
        "name": title, "short_name": data.get("short_title") or short_name(title), "description": data["description"],
        "lang": data["lang"], "start_url": "./", "scope": "./", "display": "standalone",
        # Landscape too: a phone in a car holder is sideways.
        "orientation": "any", "background_color": "#ffffff", "theme_color": THEME,
        # The PNGs keep their drawing inside the safe zone, so launchers may also crop them to their shape.
        "icons": [{"src": src, "sizes": sizes, "type": kind, "purpose": purpose}
                  for src, sizes, kind in icons
                  for purpose in (("any", "maskable") if kind == "image/png" else ("any",))],
    }
    return json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"


SHORT_NAME_CHARS = 12
"""What a home screen shows under an icon before it cuts the name itself."""


def short_name(title: str, limit: int = SHORT_NAME_CHARS) -> str:
    """A home-screen label: whole words from the start while they fit, skipping a leading article
    ("Le Débarquement de Provence" → "Débarquement") when that keeps more of the title."""
    words = title.split()

    def cut(start: int) -> str:
        label = ""
        for word in words[start:]:
            longer = f"{label} {word}" if label else word
            if len(longer) > limit:
                break
            label = longer
        return label.rstrip(" ,;:-–—&")

    best = cut(0)
    if len(words) > 1 and len(words[0]) <= 3:
        best = max(best, cut(1), key=len)
    return best or title[: limit - 1].rstrip() + "…"
