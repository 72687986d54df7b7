"""The preview server under attack, over real HTTP on 127.0.0.1: traversal in every encoding, symlinks and
private files, 200 concurrent byte ranges, and slow clients that must not starve the others."""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import requests

from radiocast import serve as serve_module
from radiocast.serve import serve

MakeMp3 = Callable[..., Path]
SECRET = b"SECRET-MUST-NOT-LEAK"
PASSWD = b"root:x:0:0:"
FEED = '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Kỳ 85</title></channel></rss>\n'
MP3 = "/audio/ky-85.mp3"
# 400 for what the HTTP server cannot parse, 414 for a request line over its 64 KiB limit, 404 for the rest;
# no redirect either, not even one that stays inside.
REFUSED = frozenset({400, 404, 414})


@dataclass(frozen=True)
class Served:
    url: str
    port: int


@contextmanager
def serving(root: Path) -> Iterator[Served]:
    """The real `serve()` in a thread, on a free port, stopped on exit."""
    urls: list[str] = []
    listening = threading.Event()
    stop = threading.Event()

    def ready(url: str) -> None:
        urls.append(url)
        listening.set()

    thread = threading.Thread(target=serve, args=(root,), kwargs={"port": 0, "ready": ready, "stop": stop}, daemon=True)
    thread.start()
    assert listening.wait(10)
    try:
        yield Served(urls[0], urlsplit(urls[0]).port or 0)
    finally:
        stop.set()
        thread.join(10)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, mp3_factory: MakeMp3) -> Path:
    """A workspace whose private files, and one folder beside it, all hold SECRET; symlinks lead to them."""
    top = tmp_path_factory.mktemp("attack")
    root = top / "ws"
    for folder in ("audio", "feeds/.drafts", ".radiocast", ".git"):
        (root / folder).mkdir(parents=True)
    # 2.4 MB: more than the socket buffers of a client that stops reading hold, so its server thread blocks.
    mp3_factory(root / "audio" / "ky-85.mp3", seconds=60, bitrate="320k")
    (root / "feeds" / "podcast.xml").write_text(FEED, encoding="utf-8")
    for private in (
        "podcast.toml",
        ".radiocast/catalog.sqlite3",
        ".git/config",
        "audio/.x.mp3",
        "feeds/.drafts/podcast.xml",
    ):
        (root / private).write_bytes(b"[podcast]\ntitle = '" + SECRET + b"'\n")
    (top / "outside.mp3").write_bytes(SECRET)
    (top / "outside").mkdir()
    (top / "outside" / "secret.mp3").write_bytes(SECRET)
    links: dict[str, str | Path] = {
        "audio/outside.mp3": top / "outside.mp3",
        "audio/up.mp3": "../../outside.mp3",
        "audio/chain-1.mp3": "chain-2.mp3",
        "audio/chain-2.mp3": "chain-3.mp3",
        "audio/chain-3.mp3": "../../outside.mp3",
        "audio/outdir": top / "outside",
        "audio/state": "../.radiocast",
        "audio/catalog.mp3": "../.radiocast/catalog.sqlite3",
        "audio/config.mp3": "../podcast.toml",
        "feeds/ws": "..",
        ".hidden": "audio",
        "audio/loop.mp3": "loop.mp3",
        "audio/passwd.mp3": "/etc/passwd",
        "audio/alias.mp3": "ky-85.mp3",
    }
    for name, target in links.items():
        (root / name).symlink_to(target)
    return root


@pytest.fixture(scope="module")
def server(workspace: Path) -> Iterator[Served]:
    with serving(workspace) as served:
        yield served


def exchange(port: int, target: bytes, method: str = "GET", timeout: float = 10) -> bytes:
    """Send *target* byte for byte (http.client and requests would clean it) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as client:
        client.sendall(
            method.encode()
            + b" "
            + target
            + f" HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n".encode()
        )
        chunks = []
        while chunk := client.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def assert_refused(served: Served, target: str, method: str) -> None:
    answer = exchange(served.port, target.encode("utf-8"), method)
    status = status_of(answer)
    assert SECRET not in answer
    assert PASSWD not in answer
    assert status in REFUSED, (method, status)


def assert_still_serving(served: Served) -> None:
    answer = exchange(served.port, b"/feeds/podcast.xml")
    assert status_of(answer) == 200
    assert answer.endswith(FEED.encode())


# -- traversal in every encoding -------------------------------------------------------------------

# One ".." from the web root reaches outside.mp3 (SECRET); eight reach /etc/passwd (PASSWD).
TRAVERSALS = [
    "/../outside.mp3",
    "/../../../../../../../../etc/passwd",
    "/audio/../../outside.mp3",
    "/%2e%2e/outside.mp3",
    "/%2E%2E%2Foutside.mp3",
    "/.%2e/outside.mp3",
    "/audio/%2e%2e%2f%2e%2e%2foutside.mp3",
    "/" + "%2e%2e%2f" * 8 + "etc%2fpasswd",
    "/%2e%2e/outside.mp3?x=/feeds/podcast.xml",
    # double-encoded
    "/%252e%252e/outside.mp3",
    "/%252e%252e%252foutside.mp3",
    "/audio/%252e%252e%252f%252e%252e%252foutside.mp3",
    "/%252eradiocast/catalog.sqlite3",
    # overlong UTF-8 for "." and "/"
    "/%c0%ae%c0%ae/outside.mp3",
    "/%c0%ae%c0%ae%c0%afoutside.mp3",
    "/%e0%80%ae%e0%80%ae/outside.mp3",
    "/%c0%2e%c0%2e/outside.mp3",
    # backslashes, raw and encoded
    "/..\\outside.mp3",
    "/audio\\..\\..\\outside.mp3",
    "/..%5coutside.mp3",
    "/%2e%2e%5coutside.mp3",
    "/audio%5c..%5c..%5coutside.mp3",
    # NUL: a C library would stop reading the name there
    "/feeds/podcast.xml%00.mp3",
    "/audio/ky-85.mp3%00",
    "/podcast.toml%00.mp3",
    "/../outside.mp3%00.xml",
    "/podcast.toml\x00.mp3",
    # fullwidth and other look-alike dots and slashes
    "/%ef%bc%8e%ef%bc%8e/outside.mp3",
    "/%ef%bc%8e%ef%bc%8e%ef%bc%8foutside.mp3",
    "/\uff0e\uff0e/outside.mp3",
    "/%e2%80%a4%e2%80%a4/outside.mp3",
    "/%u002e%u002e/outside.mp3",
    # ";" path parameters, which some servers strip before resolving
    "/..;/outside.mp3",
    "/audio/..;/..;/outside.mp3",
    "/podcast.toml;.mp3",
    "/.radiocast;/catalog.sqlite3",
    "/feeds/podcast.xml;/../../outside.mp3",
    # absolute paths
    "//etc/passwd",
    "///etc/passwd",
    "/%2fetc%2fpasswd",
    "//{outside}",
    "/%2f{outside}",
    # absolute-form and other request targets
    "http://127.0.0.1:{port}/../outside.mp3",
    "http://127.0.0.1:{port}/%2e%2e/outside.mp3",
    "http://127.0.0.1:{port}/podcast.toml",
    "http://127.0.0.1:{port}//etc/passwd",
    "http://evil.invalid/../../../../../../../../etc/passwd",
    "file:///etc/passwd",
    "../outside.mp3",
    "*",
    # a symlink loop, and names and paths longer than the file system allows
    "/audio/loop.mp3",
    "/audio/" + "a" * 9000 + ".mp3",
    "/a" * 4500,
    "/%2e%2e" * 1500 + "/outside.mp3",
    "/audio/" + "%c0%ae" * 2000 + ".mp3",
    "/" + "x" * 70_000,
]


@pytest.mark.parametrize("target", TRAVERSALS, ids=[f"{n:02}-{t[:40]!r}" for n, t in enumerate(TRAVERSALS)])
def test_traversal_is_refused(
    server: Served, workspace: Path, target: str, record_property: Callable[[str, object], None]
) -> None:
    target = target.replace("{outside}", (workspace.parent / "outside.mp3").as_posix().lstrip("/"))
    target = target.replace("{port}", str(server.port))
    for method in ("GET", "HEAD"):
        assert_refused(server, target, method)
        assert_still_serving(server)
    record_property("attacks_refused", 2)


# -- symlinks, dotfiles and private files ----------------------------------------------------------

PRIVATE = [
    "/podcast.toml",
    "/.git/config",
    "/%2egit/config",
    "/.radiocast/catalog.sqlite3",
    "/audio/.x.mp3",
    "/audio/%2ex.mp3",
    "/feeds/.drafts/podcast.xml",
    "/audio/outside.mp3",  # a file symlink out of the workspace
    "/audio/up.mp3",  # the same, relative
    "/audio/chain-1.mp3",  # a chain of symlinks whose last link leaves
    "/audio/outdir/secret.mp3",  # a directory symlink out of the workspace
    "/audio/state/catalog.sqlite3",  # a directory symlink to .radiocast/
    "/audio/catalog.mp3",  # a public name for a private file
    "/audio/config.mp3",  # a public name for podcast.toml
    "/feeds/ws/podcast.toml",  # the workspace again, through a symlink
    "/feeds/ws/.radiocast/catalog.sqlite3",
    "/.hidden/outside.mp3",  # a private name for a directory
]


@pytest.mark.parametrize("path", PRIVATE)
def test_private_files_are_404(
    server: Served, workspace: Path, path: str, record_property: Callable[[str, object], None]
) -> None:
    # The file is really there (through its symlinks) and holds the secret: only the server stands in between.
    assert SECRET in (workspace / unquote(path).lstrip("/")).read_bytes()
    for method in ("GET", "HEAD"):
        answer = exchange(server.port, path.encode(), method)
        assert status_of(answer) == 404
        assert SECRET not in answer
    record_property("attacks_refused", 2)


def test_symlink_to_etc_passwd_is_404(server: Served) -> None:
    answer = exchange(server.port, b"/audio/passwd.mp3")
    assert status_of(answer) == 404
    assert PASSWD not in answer


@pytest.mark.parametrize("path", [MP3, "/audio/alias.mp3", "/audio/../audio/ky-85.mp3", "/.hidden/../audio/ky-85.mp3"])
def test_public_files_are_still_served(server: Served, workspace: Path, path: str) -> None:
    # The refusals above mean something only if the same server serves what is public.
    answer = exchange(server.port, path.encode())
    assert status_of(answer) == 200
    assert answer.endswith((workspace / "audio" / "ky-85.mp3").read_bytes())


# -- concurrency -----------------------------------------------------------------------------------


def test_200_concurrent_ranges_are_byte_exact(
    server: Served, workspace: Path, record_property: Callable[[str, object], None]
) -> None:
    data = (workspace / "audio" / "ky-85.mp3").read_bytes()
    size = len(data)
    rng = random.Random(85)  # noqa: S311  # the same ranges on every run
    ranges: list[tuple[str, bytes, str]] = []
    for n in range(200):
        length = rng.randrange(1, 65_536)
        start = rng.randrange(size - length)
        if n % 10 == 0:  # suffix ranges, as a player asking for the ID3v1 tag sends
            ranges.append((f"bytes=-{length}", data[-length:], f"bytes {size - length}-{size - 1}/{size}"))
        elif n % 10 == 1:  # open-ended, as a player seeking near the end sends
            ranges.append((f"bytes={size - length}-", data[-length:], f"bytes {size - length}-{size - 1}/{size}"))
        else:
            end = start + length - 1
            ranges.append((f"bytes={start}-{end}", data[start : end + 1], f"bytes {start}-{end}/{size}"))
    barrier = threading.Barrier(len(ranges))

    def fetch(spec: tuple[str, bytes, str]) -> tuple[bool, float]:
        header, expected, content_range = spec
        with requests.Session() as session:
            barrier.wait(30)  # every thread has its session: now all at once
            began = time.perf_counter()
            response = session.get(server.url + MP3.lstrip("/"), headers={"Range": header}, timeout=30)
            elapsed = time.perf_counter() - began
        right = (
            response.status_code == 206
            and response.headers["Content-Range"] == content_range
            and response.content == expected
        )
        return right, elapsed

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(ranges)) as pool:
        results = list(pool.map(fetch, ranges))
    wall = time.perf_counter() - began
    assert [right for right, _ in results] == [True] * len(ranges)
    record_property("concurrent_range_requests", len(ranges))
    record_property("concurrent_wall_seconds", round(wall, 3))
    record_property("slowest_range_request_seconds", round(max(elapsed for _, elapsed in results), 3))


# -- slow clients ----------------------------------------------------------------------------------


@contextmanager
def stalled_clients(port: int, count: int) -> Iterator[tuple[list[socket.socket], list[socket.socket]]]:
    """*count* clients stuck halfway through a request line, and *count* that asked for the MP3 and stopped
    reading once its status line came."""
    with ExitStack() as stack:
        slowloris, readers = [], []
        for _ in range(count):
            client = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=10))
            client.sendall(b"GET /feeds/podcast.xml HT")
            slowloris.append(client)
        for _ in range(count):
            client = stack.enter_context(socket.socket())
            client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
            client.settimeout(10)
            client.connect(("127.0.0.1", port))
            client.sendall(f"GET {MP3} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            readers.append(client)
        for client in readers:
            assert client.recv(12, socket.MSG_PEEK) == b"HTTP/1.1 200"
        yield slowloris, readers
        # Closing with unread bytes resets the connection, and werkzeug then leaves the MP3 open (a
        # ResourceWarning); a player that stalls and comes back reads on, so these do too.
        for client in readers:
            while client.recv(1 << 20):
                pass


def test_slow_clients_do_not_starve_others(workspace: Path, record_property: Callable[[str, object], None]) -> None:
    data = (workspace / "audio" / "ky-85.mp3").read_bytes()
    with serving(workspace) as served, stalled_clients(served.port, 20) as (slowloris, readers):
        began = time.perf_counter()
        feed = requests.get(served.url + "feeds/podcast.xml", timeout=10)
        ranged = requests.get(served.url + MP3.lstrip("/"), headers={"Range": "bytes=100000-199999"}, timeout=10)
        elapsed = time.perf_counter() - began
        assert feed.status_code == 200
        assert feed.text == FEED
        assert ranged.status_code == 206
        assert ranged.content == data[100_000:200_000]
        assert elapsed < 10
    record_property("stalled_clients", len(slowloris) + len(readers))
    record_property("served_beside_stalled_clients_seconds", round(elapsed, 3))


def test_stalled_clients_are_dropped_after_the_timeout(
    workspace: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    record_property: Callable[[str, object], None],
) -> None:
    caplog.set_level(logging.DEBUG, logger="radiocast.serve")
    # The real server drops a stalled client after half a minute; this test cannot wait that long.
    assert 0 < (serve_module._QuietHandler.timeout or 0) <= 60
    monkeypatch.setattr(serve_module._QuietHandler, "timeout", 1)
    size = (workspace / "audio" / "ky-85.mp3").stat().st_size
    with serving(workspace) as served, stalled_clients(served.port, 5) as (slowloris, readers):
        time.sleep(2)  # stall past the timeout
        began = time.perf_counter()
        for client in slowloris:
            assert client.recv(1) == b""  # the server hung up, without an answer
        for client in readers:
            received = 0
            while chunk := client.recv(1 << 20):
                received += len(chunk)
            # Dropped mid-body: what the socket buffers held when the server gave up, not the whole file.
            assert received < size
        hung_up = time.perf_counter() - began
        assert requests.get(served.url + "feeds/podcast.xml", timeout=10).text == FEED
    messages = [record.getMessage() for record in caplog.records]
    assert sum("Request timed out" in message for message in messages) == len(slowloris)
    assert sum("closed the connection" in message for message in messages) == len(readers)
    record_property("stalled_clients_dropped", len(slowloris) + len(readers))
    record_property("hang_up_seconds", round(hung_up, 3))
