"""fetch under network faults: one matrix of real misbehaving servers on 127.0.0.1.

Each case ends in a byte-correct episode (sha256 equal to the MP3 served) or in one clear
error: a radiocast.errors type, a one-line message naming the URL, a hint with the fix, and
nothing at the final path; where the error keeps a .part, the next run completes it.
CASES is the matrix as data (a report can count it); test_fault runs each case.
"""

from __future__ import annotations

import contextlib
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from fetch_server import (
    ETAG,
    Handler,
    RequestHandler,
    Server,
    fetcher,
    leftovers,
    redirect,
    reset,
    respond,
    running,
    self_signed_cert,
    serve,
    sha256,
    stall,
    status,
)
from radiocast.errors import FetchError
from radiocast.fetch._http import TransientError

READ_TIMEOUT_S = 0.3


@dataclass
class Env:
    """What a case sets up its URL with: the MP3 served, a plain server, a TLS one on demand."""

    mp3: bytes
    server: Server
    tls: Callable[[], Server]

    def route(self, *handlers: Handler) -> str:
        return self.server.route("/ep.mp3", *handlers)


@dataclass(frozen=True)
class Case:
    name: str
    url: Callable[[Env], str]
    # None: the download must succeed, byte for byte.
    error: type[FetchError] | None = None
    message: str = ""  # a regex the one-line message matches; {url} stands for the URL asked for
    hint: str = ""  # a regex the hint matches
    part_kept: bool = False  # the error keeps a .part that the next run resumes
    settings: dict[str, float] = field(default_factory=dict)
    min_seconds: float = 0.0  # e.g. a Retry-After honoured
    # The Range header of each request the server saw, in order (None: no Range), when it matters.
    ranges: Callable[[bytes], list[str | None]] | None = None


def _refused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again: nobody listens there


def _cut(env: Env, tenth: int) -> str:
    return env.route(serve(env.mp3, cut_at=len(env.mp3) * tenth // 10), serve(env.mp3))


def _hang_up(h: RequestHandler) -> None:
    h.close_connection = True  # read the request, answer nothing


def _not_http(h: RequestHandler) -> None:
    h.wfile.write(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    h.close_connection = True


def _loop(env: Env) -> str:
    env.server.route("/b", redirect("/ep.mp3", 302))
    return env.route(redirect("/b", 302))


def _oversized(env: Env) -> bytes:
    return env.mp3 * (2 * 1024 * 1024 // len(env.mp3))  # over 1 MiB, and still starts like an MP3


def _unsized(data: bytes) -> Handler:
    def handler(h: RequestHandler) -> None:
        h.send_response(200)  # no Content-Length: the body ends when the connection closes
        h.send_header("Content-Type", "audio/mpeg")
        h.end_headers()
        h.wfile.write(data)
        h.close_connection = True

    return handler


def _announced(size: int, data: bytes) -> Handler:
    def handler(h: RequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(size))
        h.end_headers()
        h.wfile.write(data[:1000])
        h.close_connection = True

    return handler


def _range_refused(data: bytes) -> Handler:
    """A broken server: 416 to any Range, even ``bytes=0-``; the plain file otherwise."""

    def handler(h: RequestHandler) -> None:
        if "Range" in h.headers:
            respond(h, 416, headers={"Content-Range": f"bytes */{len(data)}"})
        else:
            serve(data)(h)

    return handler


LATER = r"run publish again later"
SEED = r"check the audio URL in the seed"

CASES: tuple[Case, ...] = (
    # Below HTTP
    Case(
        "connection refused",
        lambda env: f"http://127.0.0.1:{_refused_port()}/ep.mp3",
        TransientError,
        r"connection to 127\.0\.0\.1:\d+ refused \(GET {url}\)",
        LATER,
    ),
    Case(
        "DNS failure",
        lambda env: "http://radiocast-faults.invalid/ep.mp3",
        TransientError,
        r"cannot resolve radiocast-faults\.invalid \(GET {url}\)",
        LATER,
    ),
    Case(
        "TLS: self-signed certificate",
        lambda env: env.tls().route("/ep.mp3", serve(env.mp3)),
        FetchError,
        r"TLS to 127\.0\.0\.1:\d+ failed for GET {url} \(.*certificate verify failed: self.signed certificate",
        r"HTTPS certificate is not trusted.*REQUESTS_CA_BUNDLE",
    ),
    Case(
        "connection closed before any answer, once",
        lambda env: env.route(_hang_up, serve(env.mp3)),
        ranges=lambda mp3: ["bytes=0-", "bytes=0-"],  # urllib3's retry
    ),
    Case(
        "connection closed before any answer, every time",
        lambda env: env.route(_hang_up),
        TransientError,
        r"connection to 127\.0\.0\.1:\d+ failed \(GET {url}\): .*Remote end closed connection without response",
        LATER,
    ),
    Case(
        "an answer that is not HTTP",
        lambda env: env.route(_not_http),
        FetchError,
        r"GET {url}: the server's answer is not HTTP \(.*SSH-2\.0",
        SEED,
    ),
    Case(
        "TCP reset mid-body, once",
        lambda env: env.route(lambda h: reset(h, env.mp3, len(env.mp3) // 3), serve(env.mp3)),
    ),
    # Timeouts
    Case(
        "stall mid-body, once",
        lambda env: env.route(stall(env.mp3, at=len(env.mp3) // 2), serve(env.mp3)),
        ranges=lambda mp3: ["bytes=0-", f"bytes={len(mp3) // 2}-"],
    ),
    Case(
        "stall mid-body, every time",
        lambda env: env.route(stall(env.mp3, at=len(env.mp3) // 2)),
        TransientError,
        r"GET {url} timed out after 0\.3 s without data \(fetch\.read_timeout\), 3 attempts, [\d.]+ KB of [\d.]+ KB received",
        LATER,
        part_kept=True,
    ),
    # A cut-off at every tenth of the file (0: after the headers), resumed with Range + If-Range
    *(
        Case(
            f"cut off at {tenth}/10, once",
            lambda env, tenth=tenth: _cut(env, tenth),
            ranges=lambda mp3, tenth=tenth: ["bytes=0-", f"bytes={len(mp3) * tenth // 10}-"],
        )
        for tenth in range(10)
    ),
    Case(
        "cut off at 5/10, every time",
        lambda env: env.route(serve(env.mp3, cut_at=len(env.mp3) // 2)),
        TransientError,
        r"GET {url} was cut off 3 times \(.*\), [\d.]+ KB of [\d.]+ KB received",
        LATER,
        part_kept=True,
    ),
    # Content-Length wrong (the body is right)
    Case(
        "Content-Length 100 bytes too short",
        lambda env: env.route(serve(env.mp3, length_error=-100)),
        TransientError,
        r"GET {url} was cut off 3 times \(.* received\), [\d.]+ KB of [\d.]+ KB received",
        LATER,
        part_kept=True,
    ),
    Case(
        "Content-Length 100 bytes too long",
        lambda env: env.route(serve(env.mp3, length_error=100)),
        ranges=lambda mp3: ["bytes=0-"],  # all that Content-Range promised arrived: done
    ),
    Case(
        "Content-Length 100 bytes too long, no ranges",
        lambda env: env.route(serve(env.mp3, length_error=100, ranges=False)),
        TransientError,
        r"GET {url} was cut off 3 times \(IncompleteRead.*\), [\d.]+ KB of [\d.]+ KB received",
        LATER,
        part_kept=True,
    ),
    # Range answers
    Case(
        "200 to a Range request",
        lambda env: env.route(serve(env.mp3, cut_at=len(env.mp3) // 2), serve(env.mp3, ranges=False)),
        ranges=lambda mp3: ["bytes=0-", f"bytes={len(mp3) // 2}-"],
    ),
    Case("416 to bytes=0-", lambda env: env.route(_range_refused(env.mp3)), ranges=lambda mp3: ["bytes=0-", None]),
    Case(
        "416 to a resume",
        lambda env: env.route(
            serve(env.mp3, cut_at=len(env.mp3) // 2),
            lambda h: respond(h, 416, headers={"Content-Range": f"bytes */{len(env.mp3) + 7}"}),
            serve(env.mp3),
        ),
        ranges=lambda mp3: ["bytes=0-", f"bytes={len(mp3) // 2}-", "bytes=0-"],
    ),
    # Busy or failing servers
    Case(
        "429 with Retry-After: 1, then the file",
        lambda env: env.route(status(429, Retry_After="1"), serve(env.mp3)),
        min_seconds=0.95,
    ),
    Case("503 with Retry-After: 0, then the file", lambda env: env.route(status(503, Retry_After="0"), serve(env.mp3))),
    Case(
        "429 every time",
        lambda env: env.route(status(429, Retry_After="0")),
        TransientError,
        r"GET {url} returned HTTP 429 Too Many Requests, still after 2 retries",
        r"rate-limiting downloads; run publish again later",
    ),
    Case(
        "503 every time",
        lambda env: env.route(status(503, Retry_After="0")),
        TransientError,
        r"GET {url} returned HTTP 503 Service Unavailable, still after 2 retries",
        r"the server is failing; run publish again later",
    ),
    # Redirects
    Case("redirect loop", _loop, FetchError, r"GET {url} redirects too many times", SEED),
    *(
        Case(
            f"redirect to {scheme}",
            lambda env, target=target: env.route(redirect(target)),
            FetchError,
            rf"GET {{url}} redirects to {re.escape(target)}, which is not an http\(s\) URL",
            SEED,
        )
        for scheme, target in (
            ("file:", "file:///etc/passwd"),
            ("ftp:", "ftp://127.0.0.1/ep.mp3"),
            ("javascript:", "javascript:alert(1)"),
        )
    ),
    # Content codings
    Case("gzip-coded MP3 despite Accept-Encoding: identity", lambda env: env.route(serve(env.mp3, coding="gzip"))),
    Case(
        "MP3 labelled gzip but not coded",
        lambda env: env.route(serve(env.mp3, coding="gzip-label")),
        ranges=lambda mp3: ["bytes=0-", "bytes=0-"],  # decoding failed at the first byte: fetched as sent
    ),
    # What the body is
    Case(
        "empty body with 200",
        lambda env: env.route(status(200, b"")),
        FetchError,
        r"GET {url} returned an empty body",
        SEED,
    ),
    Case(
        "empty file (416 to bytes=0-)",
        lambda env: env.route(serve(b"")),
        FetchError,
        r"GET {url} returned an empty body",
        SEED,
    ),
    Case(
        "HTML page with 200",
        lambda env: env.route(
            status(
                200,
                b"<!DOCTYPE html><html><body>Trang kh\xc3\xb4ng t\xe1\xbb\x93n t\xe1\xba\xa1i",
                Content_Type="text/html",
            )
        ),
        FetchError,
        r"GET {url} returned an HTML page, not MP3 audio",
        SEED,
    ),
    # Size cap
    Case(
        "over the size cap, announced",
        lambda env: env.route(_announced(2_254_857_830, env.mp3)),
        FetchError,
        r"GET {url} is 2\.1 GB, over the 1 MB limit \(fetch\.max_size_mb\)",
        r"raise fetch\.max_size_mb",
        settings={"max_size_mb": 1},
    ),
    Case(
        "over the size cap, not announced",
        lambda env: env.route(_unsized(_oversized(env))),
        FetchError,
        r"GET {url} sent more than the 1 MB limit \(fetch\.max_size_mb\)",
        r"raise fetch\.max_size_mb",
        settings={"max_size_mb": 1},
    ),
)


@pytest.fixture(scope="module")
def tls_context(tmp_path_factory: pytest.TempPathFactory) -> ssl.SSLContext:
    cert, key = self_signed_cert(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture
def env(sample_mp3: Path, tls_context: ssl.SSLContext) -> Iterator[Env]:
    with contextlib.ExitStack() as stack:
        yield Env(
            mp3=sample_mp3.read_bytes(),
            server=stack.enter_context(running()),
            tls=lambda: stack.enter_context(running(tls_context)),
        )


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fault(case: Case, env: Env, tmp_path: Path) -> None:
    dest = tmp_path / "partial" / "episode.mp3"
    url = case.url(env)
    settings: dict[str, float] = {"read_timeout_s": READ_TIMEOUT_S, "connect_timeout_s": 1, "retries": 2}
    download = fetcher(**(settings | case.settings)).download

    started = time.monotonic()
    if case.error is None:
        result = download(url, dest)
        assert time.monotonic() - started >= case.min_seconds
        assert sha256(dest.read_bytes()) == sha256(env.mp3) == result.sha256
        assert result.size_bytes == len(env.mp3)
        assert leftovers(dest) == ["episode.mp3"]
        if case.ranges is not None:
            assert [s.headers.get("range") for s in env.server.seen] == case.ranges(env.mp3)
        return

    with pytest.raises(case.error) as raised:
        download(url, dest)
    error = raised.value
    assert re.fullmatch(case.message.replace("{url}", re.escape(url)) + ".*", error.message), error.message
    assert "\n" not in error.message
    assert re.search(case.hint, error.hint or ""), error.hint
    assert not dest.exists()
    part = dest.with_name("episode.mp3.part")
    if not case.part_kept:
        assert not dest.parent.exists() or leftovers(dest) == []
        return
    prefix = part.read_bytes()
    assert 0 < len(prefix) <= len(env.mp3)
    assert prefix == env.mp3[: len(prefix)]  # a genuine prefix, worth resuming

    # The next run, once the server behaves, resumes it.
    env.route(serve(env.mp3))
    result = download(url, dest)
    assert env.server.seen[-1].headers["range"] == f"bytes={len(prefix)}-", [
        s.headers.get("range") for s in env.server.seen
    ]
    assert env.server.seen[-1].headers["if-range"] == ETAG
    assert result.sha256 == sha256(env.mp3)
    assert leftovers(dest) == ["episode.mp3"]
