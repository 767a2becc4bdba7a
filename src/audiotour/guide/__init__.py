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
from .offline import file_hash, service_worker
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

__all__ = ["guide_names", "write_guide"]


def guide_names(stems: list[str], episode_stem: str) -> list[str]:
    """Every name `write_guide` may write, to be checked before the build writes anything."""
    return [INDEX, SCRIPT, STYLE, WORKER, WEB_MANIFEST, GPX, *(name for name, _, _ in ICONS)]


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

    data = page_data(tour, context.segments, images, cover, extras)
    files[WEB_MANIFEST] = web_manifest(data, ICONS).encode()
    files[INDEX] = render_index(
        _asset(INDEX).decode(), data,
        css=f"{STYLE}?v={file_hash(files[STYLE])[:8]}", js=f"{SCRIPT}?v={file_hash(files[SCRIPT])[:8]}",
    ).encode()

    for name, content in files.items():
        folder.write(name, content)
    if gpx is not None:
        folder.write(GPX, gpx.encode())

    # The segments, the cover and the images are cached too: read back from disk.
    hashes = {name: file_hash(content) for name, content in files.items()}
    for name in [s.file for s in context.segments] + ([cover] if cover else []) \
            + list(images.values()):
        hashes[name] = file_hash(folder.path(name).read_bytes())
    folder.write(WORKER, service_worker(_asset(WORKER).decode(), hashes).encode())
    return folder.written[already:]


def _asset(name: str) -> bytes:
    return resources.files(__name__).joinpath("assets").joinpath(name).read_bytes()
