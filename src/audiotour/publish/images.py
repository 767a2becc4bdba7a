"""Images the tour points at: read safely, and stop images published beside the audio.

Chapter art must be reachable from the feed's host, so each stop's image is
copied into the output as ``NN-<id>.jpg`` (or ``.png``), the name of its MP3.

Nothing but pixels is published: a photo's EXIF tells where it was taken
(GPS), with which camera (make, model, serial number), and XMP, comments and
maker notes tell more. A JPEG or PNG that carries none of it is published byte
for byte; any other is encoded again without it, its EXIF orientation applied
first. An image's size is checked from its file and its header before a pixel
is decoded.
"""
from __future__ import annotations

import io
import os
import re
import stat
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from ..errors import TourError
from ..outputs import OutputFolder
from ..segments import Segment
from ..tour import LoadedTour
from ..yamlsource import PathKey

KEPT_FORMATS = {"JPEG": ".jpg", "PNG": ".png"}
"""Formats every podcast app shows; anything else is converted to JPEG."""

MAX_PIXELS = 50_000_000
"""Larger than any camera's photo; beyond it an 'image' is a mistake or a decompression bomb."""

MAX_IMAGE_BYTES = 50 * 1024 * 1024
"""A camera's largest JPEG is a few tens of MB; larger files are refused before they are read."""

_JPEG_KEPT_SEGMENTS = (b"\xe0JFIF\x00", b"\xe2ICC_PROFILE\x00", b"\xeeAdobe")
"""APP segments that describe how to decode the pixels (JFIF, colour profile, Adobe's colour transform)."""

_PNG_KEPT_CHUNKS = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
                    b"bKGD", b"pHYs", b"cICP"}
"""Chunks about pixels and colour; text, EXIF and time chunks are metadata."""

@dataclass(frozen=True)
class SourceImage:
    path: Path
    data: bytes
    image: Image.Image
    """Decoded, EXIF orientation applied."""
    format: str
    rotated: bool
    """True when the EXIF orientation had to be applied: the file's own pixels are sideways."""
    clean: bool
    """True when the file carries nothing but pixels and colour (no EXIF, XMP, comment...): publishable as is."""


def open_image(loaded: LoadedTour, key: PathKey, relative: str) -> SourceImage:
    """Decode the image at ``relative``; a TourError naming ``key`` when it cannot be."""
    path = loaded.resolve(relative)
    if not path.is_relative_to(loaded.folder.resolve()):
        # The loader refuses this already; a tour built from a hand-made model must not leak files either.
        raise loaded.error(key, f"{relative!r} is outside the tour's folder; copy the image next to the tour file")
    data = _read_bounded(loaded, key, relative, path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            _check_pixels(loaded, key, relative, image.width, image.height)
            image.load()
            rotated = image.getexif().get(ExifTags.Base.Orientation, 1) in range(2, 9)
            upright = ImageOps.exif_transpose(image) if rotated else image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _bomb(loaded, key, relative) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError):
        raise loaded.error(key, f"{relative!r} is not a readable image; use a JPEG or PNG file") from None
    format = image.format or "unknown"
    return SourceImage(path, data, upright, format, rotated, carries_only_pixels(data, format))


def _read_bounded(loaded: LoadedTour, key: PathKey, relative: str, path: Path) -> bytes:
    """The file's bytes, once its size (from the file system, then its header) is known to be sane."""
    try:
        # Checked before opening too: opening a named pipe would wait for a writer.
        if not stat.S_ISREG(path.stat().st_mode):
            raise loaded.error(key, f"{relative!r} is not a file; give the path of a JPEG or PNG image")
        with path.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise loaded.error(key, f"{relative!r} is not a file; give the path of a JPEG or PNG image")
            if info.st_size > MAX_IMAGE_BYTES:
                raise loaded.error(key, f"{relative!r} is {_megabytes(info.st_size)}; use an image under "
                                              f"{_megabytes(MAX_IMAGE_BYTES)} (a phone screen needs far less)")
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error", Image.DecompressionBombWarning)
                    with Image.open(handle) as header:  # reads the header only
                        _check_pixels(loaded, key, relative, header.width, header.height)
            except (Image.DecompressionBombError, Image.DecompressionBombWarning):
                raise _bomb(loaded, key, relative) from None
            except (UnidentifiedImageError, ValueError, SyntaxError, EOFError):
                pass  # said below, where the whole file is decoded
            handle.seek(0)
            data = handle.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise loaded.error(key, f"{relative!r} cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_IMAGE_BYTES:  # it grew meanwhile
        raise loaded.error(key, f"{relative!r} is over {_megabytes(MAX_IMAGE_BYTES)}; use a smaller image")
    return data


def _check_pixels(loaded: LoadedTour, key: PathKey, relative: str, width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise loaded.error(key, f"{relative!r} is {width}×{height} pixels "
                                      f"({width * height / 1_000_000:.0f} megapixels); use an image under "
                                      f"{MAX_PIXELS // 1_000_000} megapixels")


def _bomb(loaded: LoadedTour, key: PathKey, relative: str) -> TourError:
    """Pillow's own limit, met before our count (it refuses while reading the header): the same advice."""
    return loaded.error(key, f"{relative!r} has more pixels than can be decoded safely (a decompression "
                                   f"bomb, or a mistake); use an image under {MAX_PIXELS // 1_000_000} megapixels")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MiB" if size >= 2**20 else f"{size} bytes"


def carries_only_pixels(data: bytes, format: str) -> bool:
    """Whether a JPEG or PNG file holds its pixels and colour profile and nothing else (no EXIF, XMP, text...).

    False whenever in doubt: the image is then encoded again, which loses nothing that matters.
    """
    if format == "JPEG":
        return _jpeg_carries_only_pixels(data)
    if format == "PNG":
        return _png_carries_only_pixels(data)
    return False


def _jpeg_carries_only_pixels(data: bytes) -> bool:
    if data[:2] != b"\xff\xd8":
        return False
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return False
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xDA:  # start of scan: what follows is compressed pixels
            break
        length = int.from_bytes(data[at + 2:at + 4], "big")
        segment = bytes([marker]) + data[at + 4:at + 2 + length]  # the marker, then the payload
        if marker == 0xFE or (0xE0 <= marker <= 0xEF and not segment.startswith(_JPEG_KEPT_SEGMENTS)):
            return False  # a comment, EXIF, XMP, IPTC, maker data, a second picture (MPF)...
        if marker == 0xE0 and segment.startswith(b"\xe0JFIF\x00") and segment[13:15] != b"\x00\x00":
            return False  # a JFIF thumbnail
        at += 2 + length
    else:
        return False
    # Between and after the scans: any further APP or comment segment, or anything after the end.
    if re.search(rb"\xff[\xe1-\xef\xfe]", data[at:]):
        return False
    return data.rstrip(b"\x00").endswith(b"\xff\xd9")


def _png_carries_only_pixels(data: bytes) -> bool:
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return False
    at = 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        if kind not in _PNG_KEPT_CHUNKS:
            return False
        at += 12 + length
        if kind == b"IEND":
            return at == len(data)
    return False


def jpeg_bytes(image: Image.Image, quality: int = 90) -> bytes:
    """RGB JPEG, no metadata (a photo's EXIF may hold where it was taken), same pixels → same bytes.

    An RGB colour profile is kept (wide-gamut photos would look dull without it); nothing else
    the source carried is, not even a comment, which Pillow would otherwise copy."""
    profile = image.info.get("icc_profile") if image.mode in ("RGB", "RGBA", "P", "PA") else None
    rgb = flat_rgb(image)
    rgb.info = {}
    buffer = io.BytesIO()
    rgb.save(buffer, "JPEG", quality=quality, optimize=True, **({"icc_profile": profile} if profile else {}))
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    """The same pixels as PNG, with transparency and colour profile but no text, EXIF or time."""
    kept = {k: v for k, v in image.info.items() if k in ("transparency", "gamma", "icc_profile", "dpi")}
    clean = image.copy()
    clean.info = {}
    buffer = io.BytesIO()
    clean.save(buffer, "PNG", **kept)
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
            # Kept as is when it carries nothing but pixels; else the same pixels, without the rest.
            data = source.data if source.clean else png_bytes(source.image) if extension == ".png" \
                else jpeg_bytes(source.image, quality=95)
            name = f"images/{entry.stem}{extension}"
        else:
            # Re-encoding is needed anyway: WebP, GIF, TIFF, print-ready CMYK, or a photo stored sideways.
            name, data = f"images/{entry.stem}.jpg", jpeg_bytes(source.image)
        if folder is not None:
            folder.write(name, data)
        published[entry.id] = name
    return published


ART_MIN_SIDE = 1400
ART_MAX_SIDE = 3000
"""Apple's bounds for episode art (`itunes:image`): a square JPEG or PNG of 1400 to 3000 pixels."""

CHAPTER_SIDE = 640
"""Chapter pictures ride inside tour.mp3 (APIC in CHAP): big enough for a phone's player, small in bytes."""


def art_name(stem: str) -> str:
    """Where a stop's episode art is published: its picture cropped square, at a size directories accept."""
    return f"images/{stem}-art.jpg"


def episode_art(loaded: LoadedTour, segment: Segment) -> bytes | None:
    """The stop's picture as episode art: the centre square, 1400 to 3000 px, JPEG; None without a picture."""
    source = _segment_image(loaded, segment)
    if source is None:
        return None
    image = flat_rgb(source.image)
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    image = image.crop((left, top, left + side, top + side))
    target = min(max(side, ART_MIN_SIDE), ART_MAX_SIDE)
    if target != side:
        image = image.resize((target, target), Image.Resampling.LANCZOS)
    return jpeg_bytes(image, quality=85)


def chapter_picture(loaded: LoadedTour, segment: Segment) -> bytes | None:
    """The stop's picture, at most 640 px on its longer side, JPEG; None without a picture."""
    source = _segment_image(loaded, segment)
    if source is None:
        return None
    image = flat_rgb(source.image)
    if max(image.size) > CHAPTER_SIDE:
        image.thumbnail((CHAPTER_SIDE, CHAPTER_SIDE), Image.Resampling.LANCZOS)
    return jpeg_bytes(image, quality=80)


def _segment_image(loaded: LoadedTour, segment: Segment) -> SourceImage | None:
    if segment.stop is None or segment.stop.image is None or segment.stop_index is None:
        return None
    return open_image(loaded, ("stops", segment.stop_index, "image"), segment.stop.image)
