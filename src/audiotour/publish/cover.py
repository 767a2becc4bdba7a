"""Cover art: the tour's own image made podcast-ready, or one drawn from its title.

Podcast directories want a square RGB JPEG (or PNG) of 1400 to 3000 pixels.
The same tour always gives the same bytes, so an unchanged rebuild rewrites
neither `cover.jpg` nor the MP3s that embed it.
"""
from __future__ import annotations

import colorsys
import functools
import hashlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from ..context import Cover
from ..tour import LoadedTour
from .images import KEPT_FORMATS, flat_rgb, jpeg_bytes, open_image

COVER_NAME = "cover.jpg"
MIN_SIDE = 1400
MAX_SIDE = 3000
GENERATED_SIDE = 1400
"""The smallest size directories accept: the cover is embedded in every MP3, so bytes count."""


def prepare_cover(loaded: LoadedTour) -> Cover:
    """The tour's cover made podcast-ready, or one drawn from its title; a TourError naming
    `cover` when the image cannot be read. A build prepares it once and passes it along."""
    tour = loaded.tour
    if tour.cover is None:
        return Cover(_draw_cover(tour.title, tour.author))
    return _convert_user_cover(loaded, tour.cover)


def _convert_user_cover(loaded: LoadedTour, relative: str) -> Cover:
    source = open_image(loaded, ("cover",), relative)
    image = source.image
    width, height = image.size
    shape_ok = width == height and MIN_SIDE <= width <= MAX_SIDE and not source.rotated
    if shape_ok and source.format == "JPEG" and image.mode == "RGB" and source.clean:
        return Cover(source.data)
    if shape_ok and source.format in KEPT_FORMATS and image.mode != "CMYK":
        # A good PNG, a grey JPEG, or a photo carrying EXIF (where it was taken, the camera's serial
        # number): only the encoding changes, nothing the user would notice.
        return Cover(jpeg_bytes(image))

    # Resampling a palette image would fall back to nearest-neighbour: work in RGB.
    image = flat_rgb(image)
    done = []
    if source.rotated:
        done.append("turned upright")
    side = min(width, height)
    if width != height:
        left, top = (width - side) // 2, (height - side) // 2
        image = image.crop((left, top, left + side, top + side))
        done.append("cropped to a square")
    target = min(max(side, MIN_SIDE), MAX_SIDE)
    if target != side:
        image = image.resize((target, target), Image.Resampling.LANCZOS)
        done.append(f"{'enlarged' if target > side else 'reduced'} to {target}×{target} px")
    if source.format not in KEPT_FORMATS:
        done.append(f"converted from {source.format} to JPEG")
    elif source.image.mode == "CMYK":
        done.append("converted from CMYK to RGB")
    note = (f"{loaded.path.name}: cover: {relative} is a {width}×{height} {source.format}; "
            f"{', '.join(done)}, as podcast apps want a square JPEG or PNG of {MIN_SIDE} to {MAX_SIDE} px.")
    return Cover(jpeg_bytes(image), (note,))


# -- a cover drawn from the title -------------------------------------------------

MARGIN = 120
TITLE_SIZES = range(150, 59, -6)
LINE_SPACING = 1.12


@functools.lru_cache(maxsize=4)
def _draw_cover(title: str, author: str) -> bytes:
    side = GENERATED_SIDE
    # A colour of its own for each tour, stable across builds: the hue comes from the title.
    hue = hashlib.sha256(title.encode("utf-8")).digest()[0] / 255
    background = _rgb(hue, 0.22, 0.45)
    accent = _rgb(hue, 0.72, 0.65)
    image = Image.new("RGB", (side, side), background)
    draw = ImageDraw.Draw(image)

    draw.rectangle((MARGIN, MARGIN, MARGIN + 220, MARGIN + 18), fill=accent)
    width = side - 2 * MARGIN
    font, lines = _fit(draw, title, width, max_height=int(side * 0.6))
    y = MARGIN + 110
    for line in lines:
        draw.text((MARGIN, y), line, font=font, fill="white", anchor="la")
        y += int(font.size * LINE_SPACING)

    byline = _font(64)
    draw.text((MARGIN, side - MARGIN), _ellipsize(draw, author, byline, width - 200), font=byline,
              fill=accent, anchor="ls")
    _pin(draw, side - MARGIN - 60, side - MARGIN - 150, accent, background)
    return jpeg_bytes(image, quality=88)


def _pin(draw: ImageDraw.ImageDraw, x: int, y: int, fill: tuple[int, int, int],
         hole: tuple[int, int, int]) -> None:
    """A map pin: this is a tour of places."""
    radius = 60
    draw.polygon([(x - radius * 0.87, y + radius * 0.5), (x + radius * 0.87, y + radius * 0.5), (x, y + radius * 2.5)],
                 fill=fill)
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)
    draw.ellipse((x - radius * 0.4, y - radius * 0.4, x + radius * 0.4, y + radius * 0.4), fill=hole)


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int,
         max_height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest type at which ``text`` fits the box, wrapped on words."""
    for size in TITLE_SIZES:
        font = _font(size)
        lines = _wrap(draw, text, font, width)
        if len(lines) * size * LINE_SPACING <= max_height:
            return font, lines
    font = _font(TITLE_SIZES[-1])
    lines = _wrap(draw, text, font, width)
    keep = max(1, int(max_height // (font.size * LINE_SPACING)))
    if len(lines) > keep:
        lines = lines[:keep]
        lines[-1] = _ellipsize(draw, lines[-1] + "…", font, width)
    return font, lines


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        # A word wider than the box is cut where it must be.
        while draw.textlength(word, font=font) > width:
            cut = max(1, next(i for i in range(len(word), 0, -1) if draw.textlength(word[:i], font=font) <= width))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


def _ellipsize(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int) -> str:
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text.rstrip() + "…"


@functools.lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont:
    # Basic layout renders the same everywhere (Raqm may or may not be installed);
    # French needs no shaping.
    try:
        return ImageFont.truetype(str(_font_path()), size, layout_engine=ImageFont.Layout.BASIC)
    except (OSError, ImportError):
        # Pillow's own font lacks accented letters: readable, but only a fallback.
        return ImageFont.load_default(size)  # type: ignore[return-value]


def _font_path() -> Path:
    from importlib.resources import files

    return Path(str(files("font_source_sans_pro") / "files" / "SourceSansPro-Bold.ttf"))


def _rgb(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)
