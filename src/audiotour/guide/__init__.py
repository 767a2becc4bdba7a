"""The web guide: a static page in the output folder that follows the visitor from stop to stop.

`write_guide` is a publisher (see `artifacts.py`): it writes index.html, its
script, style, icons, web app manifest and service worker, the stops' images
and tour.gpx, each only when its bytes changed.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import TourError
from ..fsutil import write_if_changed
from .data import page_data
from .gpx import tour_gpx
from .offline import file_hash, service_worker
from .page import render_index, web_manifest

if TYPE_CHECKING:
    # Only a type here, so that artifacts.py may import this module to register it.
    from ..artifacts import PublishContext

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

__all__ = ["write_guide"]


def write_guide(context: PublishContext) -> list[str]:
    output = context.output
    tour = context.loaded.tour
    # What this publisher writes, by relative path; the service worker keeps all of it offline.
    files: dict[str, bytes] = {}

    files[SCRIPT] = _asset(SCRIPT)
    files[STYLE] = _asset(STYLE)
    for name, _, _ in ICONS:
        files[name] = _asset(name)
    images = _images(context, files)

    extras: dict[str, str] = {}
    episode = context.manifest.episode.file
    if (output / episode).is_file():
        extras["episode"] = episode
    gpx = tour_gpx(tour, context.manifest, context.base_url)
    cover = COVER if (output / COVER).is_file() else None
    if gpx is not None:
        extras["gpx"] = GPX

    data = page_data(tour, context.manifest, images, cover, extras)
    files[WEB_MANIFEST] = web_manifest(data, ICONS).encode()
    files[INDEX] = render_index(
        _asset(INDEX).decode(), data,
        css=f"{STYLE}?v={file_hash(files[STYLE])[:8]}", js=f"{SCRIPT}?v={file_hash(files[SCRIPT])[:8]}",
    ).encode()

    written = [name for name, content in files.items() if write_if_changed(output / name, content)]
    if gpx is None:
        (output / GPX).unlink(missing_ok=True)
    elif write_if_changed(output / GPX, gpx.encode()):
        written.append(GPX)

    # The segments (and another publisher's cover) are cached too: read back from disk.
    hashes = {name: file_hash(content) for name, content in files.items()}
    for name in [record.file for record in context.manifest.segments] + ([cover] if cover else []):
        hashes[name] = file_hash((output / name).read_bytes())
    worker = service_worker(_asset(WORKER).decode(), hashes).encode()
    if write_if_changed(output / WORKER, worker):
        written.append(WORKER)
    return written


def _asset(name: str) -> bytes:
    return resources.files(__name__).joinpath("assets", name).read_bytes()


def _images(context: PublishContext, files: dict[str, bytes]) -> dict[str, str]:
    """Copy each stop's image to images/<id><ext>; never read outside the tour's folder."""
    folder = context.loaded.folder.resolve()
    images: dict[str, str] = {}
    for stop in context.loaded.tour.stops:
        if not stop.image:
            continue
        source = context.loaded.resolve(stop.image)
        if not source.is_relative_to(folder):
            # The loader refuses this already; a tour built from a hand-made model must not leak files either.
            raise TourError(f"{stop.image!r} is outside the tour's folder", path=context.loaded.path,
                            field=f"stops[{context.loaded.tour.stops.index(stop)}].image")
        name = f"images/{stop.slug}{Path(stop.image).suffix.lower()}"
        files[name] = source.read_bytes()
        images[stop.slug] = name
    return images
