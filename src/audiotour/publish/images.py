"""Images the tour points at: read safely, and stop images published beside the audio.

Chapter art must be reachable from the feed's host, so each stop's image is
copied into the output as ``NN-<id>.jpg`` (or ``.png``), the name of its MP3.
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from ..outputs import OutputFolder
from ..segments import Segment
from ..tour import LoadedTour
from ..yamlsource import PathKey

KEPT_FORMATS = {"JPEG": ".jpg", "PNG": ".png"}
"""Formats every podcast app shows; anything else is converted to JPEG."""

MAX_PIXELS = 50_000_000
"""Larger than any camera's photo; beyond it an 'image' is a mistake or a decompression bomb."""

@dataclass(frozen=True)
class SourceImage:
    path: Path
    data: bytes
    image: Image.Image
    """Decoded, EXIF orientation applied."""
    format: str
    rotated: bool
    """True when the EXIF orientation had to be applied: the file's own pixels are sideways."""


def open_image(loaded: LoadedTour, key: PathKey, relative: str) -> SourceImage:
    """Decode the image at ``relative``; a TourError naming ``key`` when it cannot be."""
    path = loaded.resolve(relative)
    if not path.is_relative_to(loaded.folder.resolve()):
        # The loader refuses this already; a tour built from a hand-made model must not leak files either.
        raise loaded.error(key, f"{relative!r} is outside the tour's folder; copy the image next to the tour file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise loaded.error(key, f"{relative!r} cannot be read: {exc.strerror}") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            image.load()
            rotated = image.getexif().get(ExifTags.Base.Orientation, 1) in range(2, 9)
            upright = ImageOps.exif_transpose(image) if rotated else image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        limit = MAX_PIXELS // 1_000_000
        raise loaded.error(key, f"{relative!r} is too large an image; use one under {limit} megapixels") from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise loaded.error(key, f"{relative!r} is not a readable image; use a JPEG or PNG file") from None
    return SourceImage(path, data, upright, image.format or "unknown", rotated)


def jpeg_bytes(image: Image.Image, quality: int = 90) -> bytes:
    """RGB JPEG, no metadata (a photo's EXIF may hold where it was taken), same pixels → same bytes."""
    buffer = io.BytesIO()
    flat_rgb(image).save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def flat_rgb(image: Image.Image) -> Image.Image:
    """RGB, with any transparency laid on white (JPEG has none; black would show instead)."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def check_stop_images(loaded: LoadedTour) -> None:
    for index, stop in enumerate(loaded.tour.stops):
        if stop.image:
            open_image(loaded, ("stops", index, "image"), stop.image)


def publish_stop_images(loaded: LoadedTour, segments: Iterable[Segment],
                        folder: OutputFolder | None) -> dict[str, str]:
    """Copy each stop's image, as JPEG or PNG, to images/; returns segment id → published name.

    Without a folder, only the names (for publishing an existing build again)."""
    published: dict[str, str] = {}
    for entry in segments:
        if entry.stop is None or entry.stop.image is None or entry.stop_index is None:
            continue
        source = open_image(loaded, ("stops", entry.stop_index, "image"), entry.stop.image)
        extension = KEPT_FORMATS.get(source.format)
        if extension and not source.rotated and source.image.mode != "CMYK":
            name, data = f"images/{entry.stem}{extension}", source.data
        else:
            # Re-encoding is needed anyway: WebP, GIF, TIFF, print-ready CMYK, or a photo stored sideways.
            name, data = f"images/{entry.stem}.jpg", jpeg_bytes(source.image)
        if folder is not None:
            folder.write(name, data)
        published[entry.id] = name
    return published
