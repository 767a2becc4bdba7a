"""audiotour serve: byte ranges, types, and nothing outside the folder, over 127.0.0.1 only."""
from __future__ import annotations

import http.client
import io
import socket
import threading
import time
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
    for name in ("01-a.vtt", "01-a.srt", "01-a.chapters.json", "icon-192.png", "manifest.webmanifest", "tour.gpx", "app.js", "style.css", "feed.xml",
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


def get(port: int, path: str, headers: dict[str, str | bytes] | None = None,
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


@pytest.mark.parametrize("asked", [
    "bytes=20000-", "bytes=-0", "bytes=10240-10240", "bytes=20000-,30000-40000", "bytes=" + "9" * 5000 + "-",
    "bytes=" + "1" * 30 + "-" + "2" * 30,
])
def test_refuses_a_range_it_cannot_satisfy(port: int, asked: str) -> None:
    status, headers, _ = get(port, "/01-a.mp3", {"Range": asked})
    assert status == 416
    assert headers["content-range"] == f"bytes */{len(AUDIO)}"


@pytest.mark.parametrize(("asked", "start", "end"), [
    ("bytes=0-" + "9" * 5000, 0, len(AUDIO) - 1), ("bytes=-" + "9" * 5000, 0, len(AUDIO) - 1),
    ("bytes=" + "0" * 5000 + "5-9", 5, 9), ("BYTES = 1-2", 1, 2), ("bytes=1-2,", 1, 2), ("bytes= 7 - 8", None, None),
])
def test_reads_numbers_of_any_length(port: int, asked: str, start: int | None, end: int | None) -> None:
    status, headers, body = get(port, "/01-a.mp3", {"Range": asked})
    if start is None or end is None:
        assert (status, body) == (200, AUDIO)
        return
    assert (status, headers["content-range"]) == (206, f"bytes {start}-{end}/{len(AUDIO)}")
    assert body == AUDIO[start:end + 1]


@pytest.mark.parametrize("asked", [
    "bytes=30-20", "bytes=5-2", "bytes=abc", "bytes=", "bytes=-", "bytes=1-2,x", "items=0-5", "bytes=0-1;5",
    "bytes=+1-2", "bytes=0x10-", "bytes=1-2,5-3", "bytes=" + "9" * 40 + "-" + "9" * 39, "bytes=٣-٤".encode(), b"bytes=\xb2-\xb3",
])
def test_ignores_an_invalid_range(port: int, asked: str | bytes) -> None:
    status, headers, body = get(port, "/01-a.mp3", {"Range": asked})
    assert (status, body) == (200, AUDIO)
    assert "content-range" not in headers


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
    ("/01-a.srt", "application/x-subrip; charset=utf-8"), ("/01-a.chapters.json", "application/json"),
    ("/icon-192.png", "image/png"),
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


# -- hostile clients: each gets a short answer or a closed connection, and the server goes on ----------

def raw(port: int, data: bytes, *, wait_s: float = 5.0) -> bytes:
    """Send ``data`` as is and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=wait_s) as connection:
        try:
            connection.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may hang up before it has read everything: that is the point
        received = b""
        try:
            while chunk := connection.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
    return received


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.") else 0


@pytest.fixture
def logged(folder: Path) -> Iterator[tuple[int, list[str]]]:
    lines: list[str] = []
    server = make_server(folder, "127.0.0.1", 0, log=lines.append)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server.server_address[1], lines
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("request_bytes", "status"), [
    (b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\n" + b"X-Big: " + b"b" * 70_000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(2_000)) + b"\r\n", 431),
    (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(150)) + b"\r\n", 431),
    (b"\x00\xff\xfe garbage \x1b[31m\r\n\r\n", 400),
    (b"GET / HTTP/9.9\r\n\r\n", 505),
    (b"GET\r\n\r\n", 400),
    (b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 501),
    (b"GET /" + b"n" * 4000 + b".mp3 HTTP/1.1\r\n\r\n", 404),
    (b"GET /" + b"d/" * 3000 + b" HTTP/1.1\r\n\r\n", 404),
    (b"GET /%00%ff%2e%2e/ HTTP/1.1\r\n\r\n", 404),
    (b"GET http://example.org/01-a.mp3 HTTP/1.1\r\n\r\n", 200),
    (b"GET /01-a.mp3 HTTP/1.1\r\nRange: bytes=" + b"7" * 20_000 + b"-\r\n\r\n", 416),
    (b"GET /01-a.mp3 HTTP/1.1\r\nIf-None-Match: " + b"\xff" * 1000 + b"\r\nRange: \x00\r\n\r\n", 200),
    (b"GET /01-a.mp3 HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 200),
    (b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 200),
])
def test_a_hostile_request_gets_a_short_answer_and_the_server_goes_on(
        logged: tuple[int, list[str]], request_bytes: bytes, status: int, capfd: pytest.CaptureFixture[str]) -> None:
    port, lines = logged
    request_bytes = request_bytes.replace(b"HTTP/1.1\r\n", b"HTTP/1.1\r\nConnection: close\r\n", 1)
    answer = raw(port, request_bytes)
    assert status_of(answer) == status, answer[:200]
    assert get(port, "/01-a.mp3")[:3:2] == (200, AUDIO)
    assert "Traceback" not in capfd.readouterr().err
    assert all(line.isprintable() for line in lines)


def test_a_client_that_hangs_up_mid_answer_does_not_stop_the_server(port: int) -> None:
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"GET /01-a.mp3 HTTP/1.1\r\n\r\n")
            connection.recv(10)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(b"GET /01-a.mp3 HTTP/1.1\r\nRange: bytes=0-")
    assert get(port, "/01-a.mp3")[:3:2] == (200, AUDIO)


def test_the_log_cannot_be_forged(logged: tuple[int, list[str]]) -> None:
    port, lines = logged
    raw(port, b"GET /x\x1b[2J\rfake HTTP/1.1\r\nConnection: close\r\n\r\n")
    raw(port, b"GET /%1b%5b2J%0a HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert lines and all(line.isprintable() for line in lines)
    assert any("\\x1b" in line for line in lines)


def test_keep_alive_serves_several_requests_on_one_connection(port: int) -> None:
    answer = raw(port, b"GET /01-a.mp3 HTTP/1.1\r\nRange: bytes=0-1\r\n\r\n"
                       b"HEAD /01-a.mp3 HTTP/1.1\r\n\r\nGET /index.html HTTP/1.1\r\nConnection: close\r\n\r\n")
    assert answer.count(b"HTTP/1.1 ") == 3 and answer.endswith(b"<title>t</title>")


@pytest.fixture
def impatient(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TourServer]:
    monkeypatch.setattr(serve_module, "IDLE_TIMEOUT_S", 0.5)
    monkeypatch.setattr(serve_module, "HEAD_TIMEOUT_S", 1.5)
    server = TourServer(("127.0.0.1", 0), folder.resolve(), None, max_connections=3)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_an_idle_connection_is_closed(impatient: TourServer) -> None:
    port = impatient.server_address[1]
    started = time.monotonic()
    assert raw(port, b"") == b""  # nothing said, nothing answered: just closed
    assert time.monotonic() - started < 3
    started = time.monotonic()
    answer = raw(port, b"GET /index.html HTTP/1.1\r\n\r\n")  # kept alive, then idle
    assert status_of(answer) == 200 and time.monotonic() - started < 3


@pytest.mark.slow
def test_a_head_sent_a_byte_at_a_time_is_cut_off(impatient: TourServer) -> None:
    port = impatient.server_address[1]
    started = time.monotonic()
    received = b""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
        try:
            for byte in b"GET /index.html HTTP/1.1\r\n" + b"X: " + b"y" * 1000:
                connection.sendall(bytes([byte]))
                time.sleep(0.1)
                if time.monotonic() - started > 10:
                    break
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            received = connection.recv(1000)
        except (ConnectionResetError, TimeoutError):
            pass
    assert time.monotonic() - started < 4
    assert status_of(received) in (0, 408)


def test_connections_beyond_the_limit_get_503_and_the_server_recovers(impatient: TourServer) -> None:
    port = impatient.server_address[1]
    idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(3)]
    try:
        time.sleep(0.1)
        started = time.monotonic()
        answer = raw(port, b"GET /index.html HTTP/1.1\r\n\r\n")
        assert status_of(answer) == 503 and b"Retry-After: 1" in answer
        assert time.monotonic() - started < 1
    finally:
        for connection in idle:
            connection.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if status_of(raw(port, b"GET /index.html HTTP/1.1\r\nConnection: close\r\n\r\n")) == 200:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the server did not recover its connections")


def test_a_bug_of_ours_is_one_log_line_and_a_500(logged: tuple[int, list[str]], monkeypatch: pytest.MonkeyPatch,
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    port, lines = logged
    original = serve_module.TourHandler._answer_file

    def broken(self: serve_module.TourHandler, url_path: str, target: Path | None, with_body: bool) -> None:
        if url_path == "/boom":
            raise RuntimeError("boom")
        original(self, url_path, target, with_body)

    monkeypatch.setattr(serve_module.TourHandler, "_answer_file", broken)
    assert get(port, "/boom")[0] == 500
    assert any(line.endswith("internal error (RuntimeError: boom)") for line in lines)
    assert get(port, "/01-a.mp3")[:3:2] == (200, AUDIO)
    assert "Traceback" not in capfd.readouterr().err
