"""A scripted HTTP(S) server on 127.0.0.1 for the fetch tests: real sockets, real misbehaviour."""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import hashlib
import re
import socket
import ssl
import struct
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from radiocast.fetch import Fetcher
from radiocast.models import FetchSettings

Handler = Callable[["RequestHandler"], None]
ETAG = '"v1"'
LAST_MODIFIED = "Sun, 19 Dec 2021 06:11:14 GMT"


@dataclass
class Seen:
    path: str
    headers: dict[str, str]  # lower-cased names


@dataclass
class Server:
    """A scripted server: each path answers with its handlers in turn, the last one repeating."""

    port: int = 0
    scheme: str = "http"
    routes: dict[str, list[Handler]] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def route(self, path: str, *handlers: Handler) -> str:
        self.routes[path] = list(handlers)
        return self.url(path)

    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    app: Server

    def do_GET(self) -> None:
        self.app.seen.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
        handlers = self.app.routes.get(self.path)
        if not handlers:
            self.send_error(404)
            return
        handler = handlers.pop(0) if len(handlers) > 1 else handlers[0]
        handler(self)

    def do_HEAD(self) -> None:
        self.do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the client hanging up on a stalled or cut-off response is what the tests do


@contextlib.contextmanager
def running(tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    app = Server(scheme="https" if tls else "http")
    handler = type("Handler", (RequestHandler,), {"app": app})
    httpd = _QuietServer(("127.0.0.1", 0), handler)
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    app.port = httpd.server_port
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        app.stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 signed by nobody a client trusts, and its key (openssl CLI)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def respond(h: RequestHandler, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


def status(code: int, body: bytes = b"", **headers: str) -> Handler:
    return lambda h: respond(h, code, body, {k.replace("_", "-"): v for k, v in headers.items()})


def http_date(seconds: float) -> str:
    return email.utils.formatdate(seconds, usegmt=True)


def serve(
    data: bytes,
    *,
    etag: str | None = ETAG,
    last_modified: str | None = LAST_MODIFIED,
    date: str | None = None,
    content_type: str = "audio/mpeg",
    cut_at: int | None = None,
    ranges: bool = True,
    length_error: int = 0,
    coding: str | None = None,
) -> Handler:
    """Serve *data* like a web server does (conditional GET, Range, If-Range).

    *cut_at*: hang up once the file's bytes up to that offset are sent. *ranges*: False
    answers every Range with the whole file. *length_error*: Content-Length is off by that
    many bytes (the body is right), and the connection closes after it. *coding*: "gzip"
    sends the bytes gzip-coded, "gzip-label" only says so. *date*: the Date header (default now).
    """

    def handler(h: RequestHandler) -> None:
        validators = {"Content-Type": content_type}
        if ranges:
            validators["Accept-Ranges"] = "bytes"
        if etag:
            validators["ETag"] = etag
        if last_modified:
            validators["Last-Modified"] = last_modified
        if (etag and h.headers.get("If-None-Match") == etag) or (
            last_modified and h.headers.get("If-Modified-Since") == last_modified
        ):
            _start(h, 304, date, validators)
            h.end_headers()
            return
        start, code = 0, 200
        if ranges and (match := re.fullmatch(r"bytes=(\d+)-", h.headers.get("Range", ""))):
            if_range = h.headers.get("If-Range")
            if if_range is None or if_range in (etag, last_modified):
                start, code = int(match[1]), 206
        if start >= len(data) and code == 206:
            _start(h, 416, date, {"Content-Range": f"bytes */{len(data)}", "Content-Length": "0"})
            h.end_headers()
            return
        whole = data[start:]
        if coding == "gzip":
            whole = gzip.compress(whole, mtime=0)
        body = whole if cut_at is None else whole[: max(0, cut_at - start)]
        _start(h, code, date, validators)
        if coding:
            h.send_header("Content-Encoding", "gzip")
        if code == 206:
            h.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        h.send_header("Content-Length", str(len(whole) + length_error))
        if length_error:
            h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()
        if cut_at is not None or length_error:
            h.close_connection = True

    return handler


def _start(h: RequestHandler, code: int, date: str | None, headers: dict[str, str]) -> None:
    h.send_response_only(code)
    h.send_header("Server", "radiocast-test")
    h.send_header("Date", date or h.date_time_string())
    for name, value in headers.items():
        h.send_header(name, value)


def reset(h: RequestHandler, data: bytes, at: int) -> None:
    """Send the headers and *at* bytes, then abort the connection with a TCP RST."""
    h.send_response(200)
    h.send_header("Content-Type", "audio/mpeg")
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data[:at])
    h.wfile.flush()
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True


def drip(data: bytes, *, first: int, every_s: float) -> Handler:
    """Send *first* bytes, then one byte every *every_s* seconds."""

    def handler(h: RequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data[:first])
        h.wfile.flush()
        for i in range(first, len(data)):
            if h.app.stop.wait(every_s):
                break
            h.wfile.write(data[i : i + 1])
            h.wfile.flush()
        h.close_connection = True

    return handler


def stall(data: bytes, *, at: int) -> Handler:
    """Send the headers and *at* bytes of *data*, then nothing until the test ends."""

    def handler(h: RequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "audio/mpeg")
        h.send_header("Content-Length", str(len(data)))
        h.send_header("ETag", ETAG)
        h.end_headers()
        h.wfile.write(data[:at])
        h.wfile.flush()
        h.app.stop.wait(10)
        h.close_connection = True

    return handler


def redirect(location: str, code: int = 301) -> Handler:
    return status(code, Location=location)


def fetcher(**settings: float) -> Fetcher:
    defaults: dict[str, float] = {"connect_timeout_s": 2, "read_timeout_s": 2, "retries": 2}
    return Fetcher(FetchSettings(**(defaults | settings)), backoff_factor=0.01)  # type: ignore[arg-type]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def leftovers(dest: Path) -> list[str]:
    return sorted(p.name for p in dest.parent.iterdir())
