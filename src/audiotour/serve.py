"""`audiotour serve`: the output folder over HTTP, for a phone on the same network.

Byte ranges are answered (phones seek in MP3s with them, Safari asks for
nothing else), every response names its real type, and no request can reach a
file outside the folder: not with `..`, not with an encoded `%2e%2e`, not
through a symbolic link.
"""
from __future__ import annotations

import email.utils
import os
import re
import socket
import sys
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO, TextIO
from urllib.parse import quote, unquote, urlsplit

from .errors import UsageError, WorldError

MIME_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".webmanifest": "application/manifest+json",
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".gpx": "application/gpx+xml",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
}
"""Explicit, so that the answer does not depend on the machine's mime.types."""

CHUNK = 64 * 1024
RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")

Log = Callable[[str], None]


class _Unsatisfiable(Exception):
    """A range wholly past the end of the file: 416."""


class TourServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], root: Path, log: Log | None) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.root = root
        self.log = log
        super().__init__(address, TourHandler)


class TourHandler(BaseHTTPRequestHandler):
    server: TourServer
    server_version = "audiotour"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.log is not None:
            self.server.log(f"{self.address_string()} {format % args}")

    # -- what is asked ------------------------------------------------------------

    def _answer(self, with_body: bool) -> None:
        url_path = urlsplit(self.path).path
        target = self._resolve(url_path)
        if target is None:
            return self._fail(HTTPStatus.NOT_FOUND)
        if target.is_dir():
            if not url_path.endswith("/"):
                return self._redirect(quote(url_path) + "/")
            target = target / "index.html"
            if not target.is_file():
                return self._fail(HTTPStatus.NOT_FOUND)
        try:
            handle = target.open("rb")
        except OSError:
            return self._fail(HTTPStatus.NOT_FOUND)
        with handle:
            self._send_file(handle, target, with_body)

    def _resolve(self, url_path: str) -> Path | None:
        """The file a URL path names inside the root, or None for anything else."""
        try:
            path = unquote(url_path, errors="strict")
        except UnicodeDecodeError:
            return None
        if "\x00" in path or "\\" in path or not path.startswith("/"):
            return None
        parts = [p for p in path.split("/") if p not in ("", ".")]
        # Hidden names include the build's half-written temporaries.
        if any(p == ".." or p.startswith(".") for p in parts):
            return None
        root = self.server.root
        target = root.joinpath(*parts).resolve()
        if target != root and not target.is_relative_to(root):
            return None  # a symbolic link pointing out of the folder
        return target if target.exists() else None

    # -- what is answered ---------------------------------------------------------

    def _send_file(self, handle: BinaryIO, target: Path, with_body: bool) -> None:
        stat = os.fstat(handle.fileno())
        size = stat.st_size
        etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        headers = {
            "Content-Type": MIME_TYPES.get(target.suffix.lower(), "application/octet-stream"),
            "Accept-Ranges": "bytes", "ETag": etag, "Last-Modified": modified,
            # Revalidate every time: a rebuilt tour shows at once; the page's service worker keeps offline copies.
            "Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff",
        }
        if target.suffix.lower() == ".svg":
            headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        if etag in self.headers.get("If-None-Match", ""):
            return self._head(HTTPStatus.NOT_MODIFIED, {k: v for k, v in headers.items() if k != "Content-Type"})

        try:
            span = self._range(size, etag, modified)
        except _Unsatisfiable:
            return self._head(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                              {"Content-Range": f"bytes */{size}", "Content-Length": "0"})
        if span is None:
            start, end, status = 0, size - 1, HTTPStatus.OK
        else:
            start, end = span
            status = HTTPStatus.PARTIAL_CONTENT
            headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        headers["Content-Length"] = str(max(0, end - start + 1))
        self._head(status, headers)
        if with_body:
            self._copy(handle, start, end - start + 1)

    def _range(self, size: int, etag: str, modified: str) -> tuple[int, int] | None:
        """(start, end) of a satisfiable single range; None to send everything."""
        header = self.headers.get("Range")
        if not header:
            return None
        condition = self.headers.get("If-Range")
        if condition and condition not in (etag, modified):
            return None  # the file changed since the client's first part: start over
        match = RANGE.match(header.strip())
        if not match or match.group(1) == match.group(2) == "":
            return None  # several ranges, or another unit: the whole file is a valid answer
        first, last = match.groups()
        if first == "":
            suffix = int(last)
            if suffix == 0 or size == 0:
                raise _Unsatisfiable
            return max(0, size - suffix), size - 1
        start = int(first)
        end = size - 1 if last == "" else min(int(last), size - 1)
        if start >= size or start > end:
            raise _Unsatisfiable
        return start, end

    def _copy(self, handle: BinaryIO, start: int, length: int) -> None:
        handle.seek(start)
        try:
            while length > 0:
                chunk = handle.read(min(CHUNK, length))
                if not chunk:
                    break
                self.wfile.write(chunk)
                length -= len(chunk)
        except (BrokenPipeError, ConnectionResetError):
            # Media players drop connections as soon as they have the bytes they wanted.
            self.close_connection = True

    def _head(self, status: HTTPStatus, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _fail(self, status: HTTPStatus) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self._head(status, {"Content-Type": "text/plain; charset=utf-8", "Content-Length": str(len(body)),
                            "X-Content-Type-Options": "nosniff"})
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self._head(HTTPStatus.MOVED_PERMANENTLY, {"Location": location, "Content-Length": "0"})


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000, log: Log | None = None) -> TourServer:
    """A bound server, not yet serving: call `serve_forever()` (tests do, in a thread, on port 0)."""
    root = directory.resolve()
    if not root.is_dir():
        raise UsageError(f"{directory} is not a folder; build a tour first (audiotour build)", field="DIR")
    try:
        return TourServer((host, port), root, log)
    except OSError as exc:
        raise WorldError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                         "choose another port with --port") from None


def server_url(server: TourServer, host: str) -> str:
    """The address to type on the phone: the machine's network address when bound to all of them."""
    port = server.server_address[1]
    if host in ("", "0.0.0.0", "::"):
        host = _network_address()
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


def _network_address() -> str:
    """This machine's address on its local network, without sending anything."""
    try:
        for family, _, _, _, address in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            if family == socket.AF_INET and not str(address[0]).startswith("127."):
                return str(address[0])
        # Asking the routing table which interface would be used; a UDP connect sends no packet.
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"


def announce(url: str, host: str, out: TextIO) -> None:
    """The URL, a QR code of it for the phone's camera, and what this address can and cannot do."""
    import qrcode

    out.write(f"Serving the tour at {url}\n")
    code = qrcode.QRCode(border=2)
    code.add_data(url)
    code.make(fit=True)
    colour = out.isatty() and not os.environ.get("NO_COLOR")
    # On a terminal, colours make the code scan on any theme; elsewhere assume light text on dark.
    code.print_ascii(out=out, tty=colour, invert=not colour)
    if host in ("127.0.0.1", "localhost", "::1"):
        out.write("Only this computer can open it; for a phone on the same Wi-Fi: audiotour serve --host 0.0.0.0\n")
    else:
        out.write("Phones open the stops and play them by hand from here; following the position and "
                  "offline use need an https:// host.\n")
    out.write("Press Ctrl-C to stop.\n")
    out.flush()


def serve(directory: Path, host: str, port: int, out: TextIO) -> None:
    """Serve `directory` until Ctrl-C; requests are logged on stderr."""
    server = make_server(directory, host, port, log=lambda line: print(line, file=sys.stderr))
    announce(server_url(server, host), host, out)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        out.write("Stopped.\n")
    finally:
        server.server_close()
