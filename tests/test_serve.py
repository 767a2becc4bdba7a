"""audiotour serve: byte ranges, types, and nothing outside the folder, over 127.0.0.1 only."""
from __future__ import annotations

import http.client
import io
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from audiotour import serve as serve_module
from audiotour.errors import UsageError, WorldError
from audiotour.serve import TourServer, announce, make_server, serve, server_url

AUDIO = bytes(range(256)) * 40


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    (root / "secret.txt").write_text("outside", "utf-8")
    site = root / "site"
    (site / "sub").mkdir(parents=True)
    (site / "index.html").write_text("<!doctype html><title>t</title>", "utf-8")
    (site / "01-a.mp3").write_bytes(AUDIO)
    (site / "sub" / "index.html").write_text("sub", "utf-8")
    (site / "sub" / "empty").mkdir()
    for name in ("01-a.vtt", "manifest.webmanifest", "tour.gpx", "app.js", "style.css", "feed.xml",
                 "images.svg", "photo.JPG", "é x.txt", ".audiotour-tmp-1.mp3"):
        (site / name).write_text("x", "utf-8")
    (site / "link.txt").symlink_to(root / "secret.txt")
    (site / "out").symlink_to(root)
    return site


@pytest.fixture(scope="module")
def port(folder: Path) -> Iterator[int]:
    server = make_server(folder, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def get(port: int, path: str, headers: dict[str, str] | None = None,
        method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    # skip_host and a raw path: nothing normalises `..` on the way, as a hostile client would not.
    connection.putrequest(method, path, skip_accept_encoding=True)
    for name, value in (headers or {}).items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_serves_a_file_whole_with_its_type_and_ranges_announced(port: int) -> None:
    status, headers, body = get(port, "/01-a.mp3")
    assert (status, body) == (200, AUDIO)
    assert headers["content-type"] == "audio/mpeg"
    assert headers["accept-ranges"] == "bytes"
    assert headers["content-length"] == str(len(AUDIO))


@pytest.mark.parametrize(("asked", "start", "end"), [
    ("bytes=10-19", 10, 19), ("bytes=10000-", 10000, len(AUDIO) - 1), ("bytes=-5", len(AUDIO) - 5, len(AUDIO) - 1),
    ("bytes=0-999999", 0, len(AUDIO) - 1), ("bytes=0-0", 0, 0),
])
def test_answers_a_range_with_206(port: int, asked: str, start: int, end: int) -> None:
    status, headers, body = get(port, "/01-a.mp3", {"Range": asked})
    assert status == 206
    assert headers["content-range"] == f"bytes {start}-{end}/{len(AUDIO)}"
    assert headers["content-length"] == str(end - start + 1)
    assert body == AUDIO[start:end + 1]


@pytest.mark.parametrize("asked", ["bytes=20000-", "bytes=-0", "bytes=30-20"])
def test_refuses_a_range_it_cannot_satisfy(port: int, asked: str) -> None:
    status, headers, _ = get(port, "/01-a.mp3", {"Range": asked})
    assert status == 416
    assert headers["content-range"] == f"bytes */{len(AUDIO)}"


def test_several_ranges_or_a_stale_if_range_get_the_whole_file(port: int) -> None:
    assert get(port, "/01-a.mp3", {"Range": "bytes=0-1,5-6"})[0] == 200
    assert get(port, "/01-a.mp3", {"Range": "bytes=0-1", "If-Range": '"old"'})[0] == 200
    etag = get(port, "/01-a.mp3")[1]["etag"]
    assert get(port, "/01-a.mp3", {"Range": "bytes=0-1", "If-Range": etag})[0] == 206
    assert get(port, "/01-a.mp3", {"If-None-Match": etag})[0] == 304


def test_head_sends_headers_only(port: int) -> None:
    status, headers, body = get(port, "/01-a.mp3", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == str(len(AUDIO))


@pytest.mark.parametrize(("path", "kind"), [
    ("/", "text/html; charset=utf-8"), ("/01-a.vtt", "text/vtt; charset=utf-8"),
    ("/manifest.webmanifest", "application/manifest+json"), ("/tour.gpx", "application/gpx+xml"),
    ("/app.js", "text/javascript; charset=utf-8"), ("/style.css", "text/css; charset=utf-8"),
    ("/feed.xml", "application/xml"), ("/images.svg", "image/svg+xml"), ("/photo.JPG", "image/jpeg"),
    ("/%C3%A9%20x.txt", "text/plain; charset=utf-8"), ("/sub/", "text/html; charset=utf-8"),
    ("/01-a.mp3?v=123", "audio/mpeg"),
])
def test_names_each_type(port: int, path: str, kind: str) -> None:
    status, headers, _ = get(port, path)
    assert status == 200
    assert headers["content-type"] == kind
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt", "/%2E%2E%2Fsecret.txt",
    "/..%5csecret.txt", "/link.txt", "/out/secret.txt", "/.audiotour-tmp-1.mp3", "/missing.mp3",
    "/sub/empty/", "/01-a.mp3/x", "/%ff", "/%00", "secret.txt",
])
def test_never_serves_outside_the_folder(port: int, path: str) -> None:
    status, _, body = get(port, path)
    assert status in (400, 404)
    assert b"outside" not in body


def test_redirects_a_folder_to_its_slash(port: int) -> None:
    status, headers, _ = get(port, "/sub")
    assert (status, headers["location"]) == (301, "/sub/")


def test_binds_to_loopback_by_default(folder: Path) -> None:
    server = make_server(folder, port=0)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server_url(server, "127.0.0.1") == f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.server_close()


def test_all_interfaces_print_the_network_address(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve_module, "_network_address", lambda: "192.0.2.7")
    server = make_server(folder, "127.0.0.1", 0)  # bound on loopback all the same: the test sends nothing
    try:
        assert server_url(server, "0.0.0.0") == f"http://192.0.2.7:{server.server_address[1]}/"
    finally:
        server.server_close()


def test_a_missing_folder_or_a_busy_port_is_reported(folder: Path, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="is not a folder"):
        make_server(tmp_path / "nothing", "127.0.0.1", 0)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(WorldError, match="choose another port with --port"):
            make_server(folder, "127.0.0.1", taken.getsockname()[1])


def test_announce_prints_the_url_and_a_qr_code() -> None:
    out = io.StringIO()
    announce("http://127.0.0.1:8000/", "127.0.0.1", out)
    text = out.getvalue()
    lines = text.splitlines()
    assert lines[0] == "Serving the tour at http://127.0.0.1:8000/"
    qr = [line for line in lines if set(line) <= set("█▀▄ \xa0") and line.strip()]
    assert len(qr) >= 10 and len({len(line) for line in qr}) == 1
    assert "--host 0.0.0.0" in text and "Ctrl-C" in text


def test_serve_runs_until_interrupted(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(self: TourServer, poll_interval: float = 0.5) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(TourServer, "serve_forever", interrupted)
    out = io.StringIO()
    serve(folder, "127.0.0.1", 0, out)
    assert out.getvalue().startswith("Serving the tour at http://127.0.0.1:")
    assert out.getvalue().endswith("Stopped.\n")
