"""`audiotour serve`: the output folder over HTTP, for a phone on the same network.

Byte ranges are answered as RFC 9110 says (phones seek in MP3s with them,
Safari asks for nothing else), every response names its real type, and no
request can reach a file outside the folder: not with `..`, not with an
encoded `%2e%2e`, not through a symbolic link.

Whoever shares the network may send anything, so every request is bounded: its
head in bytes and in time, the connection's idle time, the number of
connections served at once. A broken request gets a status line, a failure of
ours one log line, and the server goes on.
"""
from __future__ import annotations

import email.utils
import os
import re
import socket
import sys
import threading
import time
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
    ".srt": "application/x-subrip; charset=utf-8",
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
RANGE_UNIT = re.compile(r"^\s*bytes\s*=(.*)$", re.IGNORECASE | re.DOTALL)
RANGE_SPEC = re.compile(r"^([0-9]*)-([0-9]*)$")

MAX_REQUEST_LINE = 8 * 1024
MAX_HEAD_BYTES = 64 * 1024
"""The request line and every header together; a browser sends a few kB."""
HEAD_TIMEOUT_S = 30.0
"""A request's head must arrive within this, however slowly its bytes drip."""
IDLE_TIMEOUT_S = 15.0
"""A kept-alive connection that sends nothing for this long is closed."""
SEND_TIMEOUT_S = 60.0
"""A client that stops reading for this long is dropped."""
MAX_CONNECTIONS = 32
"""Connections served at once (a thread each); beyond, 503 at once. A phone opens about six."""

Log = Callable[[str], None]


class _Unsatisfiable(Exception):
    """A range wholly past the end of the file: 416."""


class _HeadTooLarge(Exception):
    pass


class _HeadReader:
    """The connection's incoming bytes, read line by line within a byte budget and a deadline.

    Stands in for the handler's buffered `rfile` (only `readline` is used: we read no
    bodies). A socket timeout alone bounds each wait, not a head sent a byte at a time.
    """

    def __init__(self, connection: socket.socket) -> None:
        self.connection = connection
        self.buffer = bytearray()
        self.budget = MAX_HEAD_BYTES
        self.deadline = time.monotonic() + HEAD_TIMEOUT_S
        self.taken = 0

    def start(self) -> None:
        """A new request: a fresh budget and deadline."""
        self.budget, self.taken = MAX_HEAD_BYTES, 0
        self.deadline = time.monotonic() + HEAD_TIMEOUT_S

    @property
    def started(self) -> bool:
        """Whether any byte of the current request has come."""
        return bool(self.taken or self.buffer)

    def readline(self, limit: int = -1) -> bytes:
        while True:
            end = self.buffer.find(b"\n") + 1
            if 0 <= limit <= len(self.buffer) and not 0 < end <= limit:
                return self._take(limit)
            if end and (limit < 0 or end <= limit):
                return self._take(end)
            if self.taken + len(self.buffer) > self.budget:
                raise _HeadTooLarge
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the request's head took too long")
            # Each wait is bounded by the idle time, the whole head by its deadline.
            self.connection.settimeout(min(remaining, IDLE_TIMEOUT_S))
            data = self.connection.recv(CHUNK)
            if not data:
                return self._take(len(self.buffer))
            self.buffer += data

    def _take(self, count: int) -> bytes:
        line = bytes(self.buffer[:count])
        del self.buffer[:count]
        self.taken += len(line)
        if self.taken > self.budget:
            raise _HeadTooLarge
        return line

    def close(self) -> None:
        self.buffer.clear()


class TourServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], root: Path, log: Log | None,
                 max_connections: int = MAX_CONNECTIONS) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.root = root
        self.log = log
        self.slots = threading.BoundedSemaphore(max_connections)
        super().__init__(address, TourHandler)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        """A thread per connection, up to the limit; beyond it a short 503 from this thread."""
        if not self.slots.acquire(blocking=False):
            self._refuse_busy(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def _refuse_busy(self, request: socket.socket) -> None:
        body = b"503 Service Unavailable: too many connections\n"
        try:
            request.settimeout(1.0)
            request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
                            b"Retry-After: 1\r\nConnection: close\r\n"
                            + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        except OSError:
            pass
        finally:
            self.shutdown_request(request)

    def handle_error(self, request: object, client_address: object) -> None:
        """One line for what no handler caught, never a traceback: the server goes on."""
        kind, error, _ = sys.exc_info()
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the client went away or fell silent: nothing of ours to report
        if self.log is not None:
            self.log(f"{_printable(str(client_address))} internal error "
                     f"({kind.__name__ if kind else 'unknown'}: {_printable(str(error))})")


class TourHandler(BaseHTTPRequestHandler):
    server: TourServer
    server_version = "audiotour"
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.1"
    """Answer even a garbled request with a status line (nobody speaks HTTP/0.9 any more)."""
    error_message_format = "%(code)d %(message)s\n"
    error_content_type = "text/plain; charset=utf-8"
    reader: _HeadReader

    def setup(self) -> None:
        super().setup()
        self.reader = _HeadReader(self.connection)
        self.rfile.close()
        self.rfile = self.reader  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        """One request: its head read within bounds, then answered; the connection closed on any doubt."""
        self.close_connection = True
        self._answered = False
        self.command, self.request_version, self.requestline = None, "HTTP/1.1", ""  # type: ignore[assignment]
        self.reader.start()
        try:
            self.raw_requestline = self.reader.readline(MAX_REQUEST_LINE + 1)
            if not self.raw_requestline:
                return
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.parse_request():  # answers 400, 431 (over 100 headers), 505 itself
                return
            self.connection.settimeout(SEND_TIMEOUT_S)
            if self.headers.get("Content-Length", "0").strip() not in ("", "0") or "Transfer-Encoding" in self.headers:
                self.close_connection = True  # a body we do not read must not be taken for the next request
            handler = getattr(self, f"do_{self.command}", None)
            if handler is None:
                self.send_error(HTTPStatus.NOT_IMPLEMENTED)
                return
            handler()
            self.wfile.flush()
        except _HeadTooLarge:
            self.close_connection = True
            self._give_up(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE)
        except TimeoutError:
            self.close_connection = True
            if self.reader.started:  # a silent kept-alive connection is simply closed
                self._give_up(HTTPStatus.REQUEST_TIMEOUT)
        except OSError:
            self.close_connection = True  # the client went away
        except Exception as error:  # a bug of ours: one log line, a 500, the server goes on
            self.close_connection = True
            self.log_message("internal error (%s: %s)", type(error).__name__, error)
            self._give_up(HTTPStatus.INTERNAL_SERVER_ERROR)

    def _give_up(self, status: HTTPStatus) -> None:
        """An error status, unless an answer has begun; the connection may already be broken."""
        if self._answered:
            return
        try:
            self.connection.settimeout(1.0)
            self.send_error(status)
            self.wfile.flush()
        except OSError:
            pass

    def send_response(self, code: int, message: str | None = None) -> None:
        self._answered = True
        super().send_response(code, message)

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def log_message(self, format: str, *args: object) -> None:
        if self.server.log is not None:
            self.server.log(_printable(f"{self.address_string()} {format % args}"))

    # -- what is asked ------------------------------------------------------------

    def _answer(self, with_body: bool) -> None:
        try:
            url_path = urlsplit(self.path).path
            target = self._resolve(url_path)
        except (OSError, ValueError):
            return self._fail(HTTPStatus.NOT_FOUND)  # a name too long for the system, a malformed URL
        try:
            self._answer_file(url_path, target, with_body)
        except OSError:
            if not self._answered:
                return self._fail(HTTPStatus.NOT_FOUND)
            self.close_connection = True

    def _answer_file(self, url_path: str, target: Path | None, with_body: bool) -> None:
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
        return byte_range(header, size)

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


def byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The (first, last) byte a Range header asks of ``size`` bytes, as RFC 9110 section 14 reads it.

    None (answer 200 with everything) for another unit or an invalid range set (``bytes=5-2``,
    ``bytes=x``), as the RFC allows; None too for several ranges, as it also allows. `_Unsatisfiable`
    (answer 416) when no range overlaps the file. Numbers of any length are read without converting
    them whole.
    """
    unit = RANGE_UNIT.match(header)
    if not unit:
        return None
    specs = [part.strip() for part in unit.group(1).split(",")]
    spans: list[tuple[int, int]] = []
    for spec in specs:
        if not spec:
            continue  # the list syntax allows empty elements
        match = RANGE_SPEC.match(spec)
        if not match or match.group(1) == match.group(2) == "":
            return None
        if match.group(1) and match.group(2) and _number_key(match.group(2)) < _number_key(match.group(1)):
            return None  # an invalid range-spec makes the whole header invalid: ignored
        first, last = (_bounded(group, size) if group else None for group in match.groups())
        if first is None:
            assert last is not None
            if last > 0 and size > 0:
                spans.append((max(0, size - last), size - 1))
            continue
        if first < size:
            spans.append((first, size - 1 if last is None else min(last, size - 1)))
    if not specs or all(not spec for spec in specs):
        return None
    if not spans:
        raise _Unsatisfiable
    return spans[0] if len(spans) == 1 and len([s for s in specs if s]) == 1 else None


def _bounded(digits: str, size: int) -> int:
    """``int(digits)``, or ``size + 1`` when larger: only its order against the file's size matters."""
    digits = digits.lstrip("0") or "0"
    if len(digits) > len(str(size)) + 1:
        return size + 1
    return min(int(digits), size + 1)


def _number_key(digits: str) -> tuple[int, str]:
    """Orders decimal numbers of any length as numbers, without converting them."""
    digits = digits.lstrip("0") or "0"
    return len(digits), digits


def _printable(text: str) -> str:
    """A log line a client cannot use to move the terminal's cursor or forge another line."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


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
