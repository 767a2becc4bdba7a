"""Cover art: the tour's own image made podcast-ready, or one drawn from its title.

Podcast directories want a square RGB JPEG (or PNG) of 1400 to 3000 pixels.
The same tour always gives the same bytes, so an unchanged rebuild rewrites
neither `cover.jpg` nor the MP3s that embed it.
"""
from __future__ import annotations

import colorsys
import functools
import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

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
        return Cover(_draw_cover(tour.title, tour.author, tour.language))
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
def _draw_cover(title: str, author: str, language: str = "") -> bytes:
    side = GENERATED_SIDE
    # What can be drawn of the title (a character no face has is left out, not drawn as a box).
    shown = _drawable(title, language) or "…"
    # A colour of its own for each tour, stable across builds: the hue comes from the title.
    hue = hashlib.sha256((title if shown == title else shown).encode("utf-8")).digest()[0] / 255
    background = _rgb(hue, 0.22, 0.45)
    accent = _rgb(hue, 0.72, 0.65)
    image = Image.new("RGB", (side, side), background)
    draw = ImageDraw.Draw(image)

    draw.rectangle((MARGIN, MARGIN, MARGIN + 220, MARGIN + 18), fill=accent)
    width = side - 2 * MARGIN
    lettering, lines = _fit(draw, shown, width, max_height=int(side * 0.6), language=language)
    y = MARGIN + 110
    for line in lines:
        lettering.draw(draw, MARGIN, y, line, "white", width, top=True)
        y += int(lettering.size * LINE_SPACING)

    byline = Lettering(64, language)
    author = _drawable(author, language)
    if author:
        byline.draw(draw, MARGIN, side - MARGIN, byline.ellipsize(draw, author, width - 200), accent, width - 200,
                    top=False)
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


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, max_height: int,
         language: str = "") -> tuple[Lettering, list[str]]:
    """The largest type at which ``text`` fits the box, wrapped on words."""
    for size in TITLE_SIZES:
        lettering = Lettering(size, language)
        lines = _wrap(draw, text, lettering, width)
        if len(lines) * size * LINE_SPACING <= max_height:
            return lettering, lines
    lettering = Lettering(TITLE_SIZES[-1], language)
    lines = _wrap(draw, text, lettering, width)
    keep = max(1, int(max_height // (lettering.size * LINE_SPACING)))
    if len(lines) > keep:
        lines = lines[:keep]
        lines[-1] = lettering.ellipsize(draw, lines[-1] + "…", width)
    return lettering, lines


def _wrap(draw: ImageDraw.ImageDraw, text: str, lettering: Lettering, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if lettering.width(draw, candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        # A word wider than the box (or a line of Chinese, which has no spaces) is cut where it must be.
        while lettering.width(draw, word) > width:
            cut = max(1, next((i for i in range(len(word), 0, -1)
                               if lettering.width(draw, word[:i]) <= width), 1))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    if current:
        lines.append(current)
    return lines


# -- type for every script ------------------------------------------------------------
#
# Source Sans Pro draws Latin titles (the covers of French and English tours stay as they were);
# any letter it lacks comes from the first Noto face that has it: Noto Sans (Greek, Cyrillic,
# Vietnamese…), the Noto Sans of each script, Noto Sans Symbols, Noto Emoji, and Noto Sans CJK
# (Chinese, Japanese, Korean; its regional forms follow the tour's language). A character no face
# has is left out, rather than drawn as a box. Right-to-left titles are set from the right margin;
# scripts that join or reorder their letters are shaped by Raqm where Pillow has it.

_NOTO_SCRIPTS = ("Hebrew", "Arabic", "Devanagari", "Bengali", "Gurmukhi", "Gujarati", "Oriya", "Tamil", "Telugu",
                 "Kannada", "Malayalam", "Sinhala", "Thai", "Lao", "Myanmar", "Khmer", "Georgian", "Armenian",
                 "Ethiopic")
_CJK_INDEX = {"ja": 0, "ko": 1, "zh": 2, "zh-hans": 2, "zh-cn": 2, "zh-sg": 2, "zh-hant": 3, "zh-tw": 3,
              "zh-hk": 4, "zh-mo": 4}
"""Faces in Noto Sans CJK's collection: JP, KR, SC, TC, HK."""
BOLD = 700
_MISSING = "\U0010fffd"
"""A private-use character no font has: what a missing glyph looks like in a face."""


@dataclass(frozen=True)
class Face:
    path: str
    index: int = 0
    variable: bool = False
    """A variable font, set to bold."""
    spaces: bool = True
    """Whether its spaces are a text's (an emoji font's are as wide as an emoji)."""


@functools.lru_cache(maxsize=8)
def _faces(language: str) -> tuple[Face, ...]:
    faces = [Face(str(_font_path()))]
    noto = _package_folder("manimgx_fonts")
    if noto is not None:
        faces.append(Face(str(noto / "NotoSans[wght].ttf"), variable=True))
        faces += [Face(str(noto / f"NotoSans{script}[wght].ttf"), variable=True) for script in _NOTO_SCRIPTS]
        faces += [Face(str(noto / "NotoSansSymbols[wght].ttf"), variable=True, spaces=False),
                  Face(str(noto / "NotoEmoji[wght].ttf"), variable=True, spaces=False)]
    cjk = _package_folder("manimgx_fonts_cjk")
    if cjk is not None:
        tag = language.lower()
        index = _CJK_INDEX.get(tag, _CJK_INDEX.get(tag.split("-")[0], 2))
        faces.append(Face(str(cjk / "NotoSansCJK-VF.otf.ttc"), index, variable=True))
    return tuple(f for f in faces if Path(f.path).is_file())


class Lettering:
    """Text at one size, each character from the first face that has it."""

    def __init__(self, size: int, language: str = "") -> None:
        self.size = size
        self.language = language
        self.faces = _faces(language)

    def runs(self, text: str) -> list[tuple[Face, str]]:
        """``text`` cut into runs of one face each; characters no face has are left out."""
        runs: list[tuple[Face, str]] = []
        for char in text:
            face = _face_for(self.faces, char, runs[-1][0] if runs else None)
            if face is None:
                continue
            if runs and runs[-1][0] == face:
                runs[-1] = (face, runs[-1][1] + char)
            else:
                runs.append((face, char))
        return runs

    def width(self, draw: ImageDraw.ImageDraw, text: str) -> float:
        return sum(draw.textlength(_visual(self._font(face), run), font=self._font(face))
                   for face, run in self.runs(text))

    def ellipsize(self, draw: ImageDraw.ImageDraw, text: str, width: int) -> str:
        if self.width(draw, text) <= width:
            return text
        while text and self.width(draw, text + "…") > width:
            text = text[:-1]
        return text.rstrip() + "…"

    def draw(self, draw: ImageDraw.ImageDraw, x: int, y: int, text: str, fill: str | tuple[int, ...], width: int,
             top: bool) -> None:
        """Draw one line from (x, y): ``top`` places the line's top there, else its baseline."""
        runs = self.runs(text)
        if len(runs) == 1 and runs[0][0] == self.faces[0]:
            # Latin alone: exactly as covers always were drawn.
            draw.text((x, y), text, font=self._font(self.faces[0]), fill=fill, anchor="la" if top else "ls")
            return
        baseline = y + (self._font(self.faces[0]).getmetrics()[0] if top else 0)
        rtl = _right_to_left(text)
        if rtl:
            runs = runs[::-1]
            x = x + width - int(self.width(draw, text))
        for face, run in runs:
            font = self._font(face)
            shown = _visual(font, run)
            draw.text((x, baseline), shown, font=font, fill=fill, anchor="ls")
            x += int(round(draw.textlength(shown, font=font)))

    def _font(self, face: Face) -> ImageFont.FreeTypeFont:
        return _font_of(face, self.size, self.language)


def _face_for(faces: Sequence[Face], char: str, current: Face | None) -> Face | None:
    if char.isspace() or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        # Spaces, combining marks and joiners stay with the letters they go with.
        if current is not None and (current.spaces or not char.isspace()) and _has_glyph(current, char):
            return current
        if char.isspace():
            return faces[0]
    return next((face for face in faces if _has_glyph(face, char)), None)


@functools.lru_cache(maxsize=4096)
def _has_glyph(face: Face, char: str) -> bool:
    font = _font_of(face, 24, "", basic=True)
    return _glyph_signature(font, char) != _glyph_signature(font, _MISSING)


def _glyph_signature(font: ImageFont.FreeTypeFont, char: str) -> tuple[object, ...]:
    mask = font.getmask(char)
    return mask.size, bytes(mask), font.getlength(char)


def _right_to_left(text: str) -> bool:
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def _visual(font: ImageFont.FreeTypeFont, run: str) -> str:
    """Without Raqm, a right-to-left run is turned round by hand (its letters then stand unjoined)."""
    if font.layout_engine == ImageFont.Layout.BASIC and _right_to_left(run):
        return run[::-1]
    return run


def _drawable(text: str, language: str) -> str:
    """``text`` without what no face can draw, its spaces folded."""
    lettering = Lettering(24, language)
    return " ".join("".join(run for _, run in lettering.runs(text)).split())


@functools.lru_cache(maxsize=64)
def _font_of(face: Face, size: int, language: str, basic: bool = False) -> ImageFont.FreeTypeFont:
    # Basic layout renders the same everywhere (Raqm may or may not be installed), and Latin needs no
    # shaping: the Latin face always uses it. Other scripts are shaped by Raqm when Pillow has it.
    first = face.path == str(_font_path())
    layout = ImageFont.Layout.BASIC if basic or first or not features.check("raqm") else ImageFont.Layout.RAQM
    try:
        font = ImageFont.truetype(face.path, size, index=face.index, layout_engine=layout)
    except (OSError, ImportError):
        # Pillow's own font lacks accented letters: readable, but only a fallback.
        return ImageFont.load_default(size)  # type: ignore[return-value]
    if face.variable:
        try:
            axes = font.get_variation_axes()
            font.set_variation_by_axes([min(max(BOLD, axis["minimum"] or 0), axis["maximum"] or BOLD)
                                        for axis in axes])
        except (OSError, AttributeError):
            pass  # a FreeType without variations draws the default weight
    return font


def _package_folder(name: str) -> Path | None:
    from importlib.resources import files

    try:
        return Path(str(files(name)))
    except (ModuleNotFoundError, TypeError):
        return None


def _font_path() -> Path:
    from importlib.resources import files

    return Path(str(files("font_source_sans_pro") / "files" / "SourceSansPro-Bold.ttf"))


def _rgb(hue: float, lightness: float, saturation: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)
