"""Published images carry pixels only: no GPS position, no camera, no serial number; sizes checked first."""
from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zlib
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from PIL import ExifTags, Image, ImageDraw, PngImagePlugin

from audiotour.errors import TourError
from audiotour.publish import prepare_images
from audiotour.publish.images import carries_only_pixels
from audiotour.tour import load_tour
from conftest import DATA, build_offline

SECRETS = [b"Canon", b"EOS R5", b"SN-0042-77", b"Exif\x00\x00", b"xmpmeta", b"Secret comment", b"Jane Doe"]
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Jane Doe</dc:creator>'
       b'</rdf:Description></rdf:RDF></x:xmpmeta>')


def exif(orientation: int | None = None) -> Image.Exif:
    data = Image.Exif()
    data[ExifTags.Base.Make] = "Canon"
    data[ExifTags.Base.Model] = "EOS R5"
    data[ExifTags.Base.Artist] = "Jane Doe"
    if orientation:
        data[ExifTags.Base.Orientation] = orientation
    details = data.get_ifd(ExifTags.IFD.Exif)
    details[ExifTags.Base.BodySerialNumber] = "SN-0042-77"
    details[ExifTags.Base.MakerNote] = b"Canon maker note SN-0042-77"
    gps = data.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (43.0, 25.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (6.0, 46.0, 6.0)
    return data


def drawing(size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size, "navy")
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2, size[1] // 3), fill="gold")  # the top-left corner
    return image


def spy_jpeg(size: tuple[int, int], orientation: int | None = None) -> bytes:
    buffer = io.BytesIO()
    drawing(size).save(buffer, "JPEG", quality=90, exif=exif(orientation), xmp=XMP, comment=b"Secret comment")
    return buffer.getvalue()


def spy_png(size: tuple[int, int]) -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Jane Doe")
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    buffer = io.BytesIO()
    drawing(size).save(buffer, "PNG", exif=exif(), pnginfo=text)
    return buffer.getvalue()


def assert_only_pixels(data: bytes, where: str) -> None:
    for secret in SECRETS:
        assert secret not in data, f"{where} carries {secret!r}"
    with Image.open(io.BytesIO(data)) as image:
        assert len(image.getexif()) == 0, where
        assert not {"exif", "xmp", "comment", "XML:com.adobe.xmp", "Author"} & set(image.info), where
    assert carries_only_pixels(data, "JPEG" if data[:2] == b"\xff\xd8" else "PNG"), where


@pytest.fixture(scope="module")
def spied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("spied")
    (root / "images").mkdir()
    text = (DATA / "publish" / "tour.yml").read_text("utf-8")
    text = text.replace("language: fr\n", "language: fr\ncover: images/cover.jpg\n")
    text = text.replace("    narration: Le sable est rouge. Fin de la visite.\n",
                        "    narration: Le sable est rouge. Fin de la visite.\n    image: images/plage.jpg\n")
    (root / "tour.yml").write_text(text, "utf-8")
    # A square cover of a size podcast apps take as is, a PNG, and a photo taken sideways.
    (root / "images" / "cover.jpg").write_bytes(spy_jpeg((1400, 1400)))
    (root / "images" / "port.png").write_bytes(spy_png((400, 300)))
    (root / "images" / "plage.jpg").write_bytes(spy_jpeg((400, 200), orientation=6))
    build_offline(root / "tour.yml", root / "out", root / "cache")
    return root / "out"


@pytest.mark.slow
def test_no_published_image_carries_metadata(spied: Path) -> None:
    published = sorted(p for p in spied.rglob("*") if p.suffix in (".jpg", ".jpeg", ".png"))
    assert {p.relative_to(spied).as_posix() for p in published} >= {
        "cover.jpg", "images/01-port.png", "images/02-la-plage.jpg"}
    for path in published:
        assert_only_pixels(path.read_bytes(), str(path.relative_to(spied)))
    covers = 0
    for mp3 in sorted(spied.glob("*.mp3")):
        for frame in ID3(mp3).getall("APIC"):
            assert_only_pixels(frame.data, f"the cover in {mp3.name}")
            covers += 1
    assert covers >= 4


def test_pixels_survive_and_the_sideways_photo_is_upright(spied: Path) -> None:
    with Image.open(spied / "images" / "01-port.png") as port:
        assert (port.format, port.size) == ("PNG", (400, 300))
        assert port.convert("RGB").getpixel((10, 10)) == (255, 215, 0)  # PNG: the very same pixels
    with Image.open(spied / "images" / "02-la-plage.jpg") as plage:
        # Orientation 6: the camera was turned; the top-left corner of the stored pixels is now top-right.
        assert plage.size == (200, 400)
        assert plage.convert("RGB").getpixel((190, 10)) == pytest.approx((255, 215, 0), abs=12)
        assert plage.convert("RGB").getpixel((10, 390)) == pytest.approx((0, 0, 128), abs=12)
    with Image.open(spied / "cover.jpg") as cover:
        assert cover.size == (1400, 1400)
        assert cover.convert("RGB").getpixel((10, 10)) == pytest.approx((255, 215, 0), abs=12)


def test_a_clean_file_is_published_byte_for_byte(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    drawing((1400, 1400)).save(buffer, "JPEG", quality=80)
    assert carries_only_pixels(buffer.getvalue(), "JPEG")
    (tmp_path / "cover.jpg").write_bytes(buffer.getvalue())
    text = (DATA / "mini.yml").read_text("utf-8").replace("language: fr\n", "language: fr\ncover: cover.jpg\n")
    (tmp_path / "tour.yml").write_text(text, "utf-8")
    assert prepare_images(load_tour(tmp_path / "tour.yml")).jpeg == buffer.getvalue()


def _jpeg_with(segment: bytes) -> bytes:
    buffer = io.BytesIO()
    drawing((16, 16)).save(buffer, "JPEG")
    data = buffer.getvalue()
    return data[:2] + segment + data[2:]


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


@pytest.mark.parametrize(("label", "data", "clean"), [
    ("EXIF", lambda: spy_jpeg((16, 16)), False),
    ("PNG with EXIF and text", lambda: spy_png((16, 16)), False),
    ("a comment", lambda: _jpeg_with(_segment(0xFE, b"hello")), False),
    ("IPTC", lambda: _jpeg_with(_segment(0xED, b"Photoshop 3.0\x00")), False),
    ("a second picture (MPF)", lambda: _jpeg_with(_segment(0xE2, b"MPF\x00")), False),
    ("a JFIF thumbnail", lambda: _jpeg_with(_segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x01\x01abc")),
     False),
    ("bytes after the end", lambda: _jpeg_with(b"") + b"trailing", False),
    ("bytes after the PNG's end", lambda: _png(b"") + b"x", False),
    ("a PNG time chunk", lambda: _png(_chunk(b"tIME", bytes(7))), False),
    ("a colour profile", lambda: _jpeg_with(_segment(0xE2, b"ICC_PROFILE\x00\x01\x01")), True),
    ("plain JPEG", lambda: _jpeg_with(b""), True),
    ("plain PNG", lambda: _png(b""), True),
    ("not an image", lambda: b"\xff\xd8\xff", False),
])
def test_metadata_is_recognised(label: str, data: object, clean: bool) -> None:
    made = data()  # type: ignore[operator]
    assert carries_only_pixels(made, "PNG" if made.startswith(b"\x89PNG") else "JPEG") is clean, label


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png(extra: bytes, size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    drawing(size).save(buffer, "PNG")
    data = buffer.getvalue()
    return data[:33] + extra + data[33:]  # after the signature and IHDR


def _header_only_png(width: int, height: int) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"")) + _chunk(b"IEND", b"")


def _tour_with_cover(folder: Path, name: str) -> Path:
    text = (DATA / "mini.yml").read_text("utf-8").replace("language: fr\n", f"language: fr\ncover: {name}\n")
    (folder / "tour.yml").write_text(text, "utf-8")
    return folder / "tour.yml"


def test_a_huge_file_is_refused_without_being_read(tmp_path: Path) -> None:
    with (tmp_path / "cover.jpg").open("wb") as handle:
        handle.write(b"\xff\xd8\xff")
        handle.truncate(3 * 2**30)  # sparse: 3 GB to the file system, nothing on the disk
    loaded = load_tour(_tour_with_cover(tmp_path, "cover.jpg"))
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(TourError) as raised:
            prepare_images(loaded)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert time.monotonic() - started < 1 and peak < 10 * 2**20
    assert str(raised.value) == (f"{loaded.path}:5: cover: 'cover.jpg' is 3072 MiB; use an image under 50 MiB "
                                 "(a phone screen needs far less)")


@pytest.mark.parametrize(("size", "reason"), [
    ((8000, 8000), "'huge.png' is 8000×8000 pixels (64 megapixels); use an image under 50 megapixels"),
    ((100_000, 100_000), "'huge.png' has more pixels than can be decoded safely (a decompression bomb, or a "
                         "mistake); use an image under 50 megapixels"),
])
def test_too_many_pixels_are_refused_from_the_header(tmp_path: Path, size: tuple[int, int], reason: str) -> None:
    (tmp_path / "huge.png").write_bytes(_header_only_png(*size))
    loaded = load_tour(_tour_with_cover(tmp_path, "huge.png"))
    started = time.monotonic()
    with pytest.raises(TourError) as raised:
        prepare_images(loaded)
    assert time.monotonic() - started < 1
    assert str(raised.value) == f"{loaded.path}:5: cover: {reason}"


def test_the_cli_refuses_a_bomb_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from audiotour.cli import cli

    (tmp_path / "huge.png").write_bytes(_header_only_png(100_000, 100_000))
    _tour_with_cover(tmp_path, "huge.png")
    monkeypatch.chdir(tmp_path)
    result = CliRunner(mix_stderr=False).invoke(cli, ["check", "tour.yml"], prog_name="audiotour")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: tour.yml:5: cover: 'huge.png' has more pixels than")
    assert result.stderr.count("\n") == 1
