"""The web guide: a static page in the output folder that follows the visitor from stop to stop.

`write_guide` is a publisher (see `audiotour.publishers`): it writes index.html, its
script, style, icons, web app manifest, service worker and tour.gpx, each
only when its bytes changed, through the build's output folder.
"""
from __future__ import annotations

from importlib import resources

from ..context import PublishContext
from .data import page_data
from .gpx import tour_gpx
from .offline import SHELL, download_summary, file_hash, listing, service_worker
from .page import render_index, web_manifest

INDEX = "index.html"
SCRIPT = "app.js"
STYLE = "style.css"
WORKER = "sw.js"
WEB_MANIFEST = "manifest.webmanifest"
GPX = "tour.gpx"
COVER = "cover.jpg"
"""Written by the feed publisher when it runs first; the page shows it when present."""
ICONS = [("icons/icon-192.png", "192x192", "image/png"), ("icons/icon-512.png", "512x512", "image/png"),
         ("icons/icon.svg", "any", "image/svg+xml")]
VENDOR = {"leaflet.js": "vendor/leaflet/leaflet.js", "leaflet.css": "vendor/leaflet/leaflet.css",
          "leaflet-LICENSE.txt": "vendor/leaflet/LICENSE"}
"""The map's library (scripts/vendor-js), published flat beside the page: output name → asset."""

__all__ = ["guide_names", "write_guide"]


def guide_names(stems: list[str], episode_stem: str) -> list[str]:
    """Every name `write_guide` may write, to be checked before the build writes anything."""
    return [INDEX, SCRIPT, STYLE, WORKER, WEB_MANIFEST, GPX, *(name for name, _, _ in ICONS), *VENDOR]


def write_guide(context: PublishContext) -> list[str]:
    output = context.output
    tour = context.loaded.tour
    folder = context.folder
    already = len(folder.written)
    # What this publisher writes, by relative path; the service worker keeps all of it offline.
    files: dict[str, bytes] = {}

    files[SCRIPT] = _asset(SCRIPT)
    files[STYLE] = _asset(STYLE)
    for name, _, _ in ICONS:
        files[name] = _asset(name)
    for name, asset in VENDOR.items():
        files[name] = _asset(asset)
    # Stop images are published (converted, turned upright) by the podcast publisher.
    images = dict(context.stop_images)

    extras: dict[str, str] = {}
    episode = context.manifest.episode.file
    if (output / episode).is_file():
        extras["episode"] = episode
    gpx = tour_gpx(tour, context.segments, context.base_url)
    cover = COVER if COVER in folder.kept or (output / COVER).is_file() else None
    if gpx is not None:
        extras["gpx"] = GPX
        files[GPX] = gpx.encode()

    data = page_data(tour, context.segments, images, cover, extras, context.alternates)
    files[WEB_MANIFEST] = web_manifest(data, ICONS).encode()
    for name, content in files.items():
        folder.write(name, content)

    # The download for the visit: every file this build publishes (the podcast's too, written
    # before this publisher runs), checked by the worker against these hashes and sizes.
    published = sorted({*folder.kept, *(s.file for s in context.segments),
                        *([episode] if "episode" in extras else [])} - {INDEX, WORKER})
    offline = listing(output, published)
    data["download"] = download_summary(offline)
    index = render_index(
        _asset(INDEX).decode(), data,
        css=f"{STYLE}?v={file_hash(files[STYLE])[:8]}", js=f"{SCRIPT}?v={file_hash(files[SCRIPT])[:8]}",
    ).encode()
    folder.write(INDEX, index)
    offline[INDEX] = (file_hash(index), len(index))
    shell = [name for name in offline if name in SHELL or name.startswith("icons/") or name == cover]
    folder.write(WORKER, service_worker(_asset(WORKER).decode(), offline, shell).encode())
    return folder.written[already:]


def _asset(name: str) -> bytes:
    return resources.files(__name__).joinpath("assets").joinpath(name).read_bytes()
