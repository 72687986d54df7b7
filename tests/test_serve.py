"""The preview server, over real HTTP on 127.0.0.1: ranges, conditional GET, gzip, types, refusals."""

from __future__ import annotations

import _thread
import gzip
import http.client
import logging
import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from PIL import Image
from werkzeug.serving import make_server

from radiocast.errors import ConfigError
from radiocast.serve import make_app, serve

MakeMp3 = Callable[..., Path]
SECRET = b"SECRET-MUST-NOT-LEAK"
FEED = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Chính quyền đối thoại</title>\n'
    + "".join(f"<item><title>Kỳ {n}: Tháo gỡ vướng mắc về đất đai</title></item>\n" for n in range(1, 80))
    + "</channel></rss>\n"
).encode()


@pytest.fixture
def workspace(tmp_path: Path, mp3_factory: MakeMp3) -> Path:
    """A published workspace, with private files and a file just outside it."""
    root = tmp_path / "ws"
    for folder in ("audio", "feeds", "seeds", ".radiocast", ".git"):
        (root / folder).mkdir(parents=True)
    mp3_factory(root / "audio" / "ky-85.mp3")
    Image.new("RGB", (64, 64), (200, 30, 30)).save(root / "audio" / "cover.jpg", quality=80)
    Image.new("RGB", (8, 8)).save(root / "audio" / "logo.png")
    (root / "feeds" / "podcast.xml").write_bytes(FEED)
    (root / "feeds" / "ky-85.vtt").write_text("WEBVTT\n\n00:00.000 --> 00:02.000\n<v Bình>Xin chào\n", encoding="utf-8")
    (root / "feeds" / "ky-85.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nXin chào\n", encoding="utf-8")
    (root / "feeds" / "ky-85.chapters.json").write_text('{"version": "1.2.0", "chapters": []}', encoding="utf-8")
    (root / "feeds" / "stats.json").write_text("{}", encoding="utf-8")
    (root / "feeds" / "notes.txt").write_text("Ghi chú", encoding="utf-8")
    (root / "feeds" / "page.html").write_text("<p>Trang</p>", encoding="utf-8")
    (root / "podcast.toml").write_bytes(b'[podcast]\ntitle = "' + SECRET + b'"\n')
    (root / ".radiocast" / "catalog.sqlite3").write_bytes(b"SQLite format 3\x00" + SECRET)
    (root / ".git" / "config").write_bytes(SECRET)
    (tmp_path / "outside.mp3").write_bytes(SECRET)
    (root / "audio" / "outside.mp3").symlink_to(tmp_path / "outside.mp3")
    (root / "audio" / "catalog.mp3").symlink_to(root / ".radiocast" / "catalog.sqlite3")
    (root / "audio" / "alias.mp3").symlink_to("ky-85.mp3")
    (root / ".hidden").symlink_to(root / "audio", target_is_directory=True)
    return root


@pytest.fixture
def base(workspace: Path) -> Iterator[str]:
    """make_app(workspace) behind a real threaded server on a free port."""
    server = make_server("127.0.0.1", 0, make_app(workspace), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def raw_get(base: str, path: str, method: str = "GET") -> tuple[int, bytes]:
    """Send *path* exactly as written (requests would resolve dot segments first)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        connection.request(method, path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def get(url: str, **headers: str) -> requests.Response:
    return requests.get(url, headers=headers, timeout=10, allow_redirects=False)


# -- byte ranges -----------------------------------------------------------------------------------


def test_range_first_two_bytes(base: str, workspace: Path) -> None:
    data = (workspace / "audio" / "ky-85.mp3").read_bytes()
    response = get(f"{base}/audio/ky-85.mp3", Range="bytes=0-1")
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes 0-1/{len(data)}"
    assert response.headers["Content-Length"] == "2"
    assert response.content == data[:2]
    assert response.headers["Accept-Ranges"] == "bytes"


def test_suffix_range(base: str, workspace: Path) -> None:
    data = (workspace / "audio" / "ky-85.mp3").read_bytes()
    response = get(f"{base}/audio/ky-85.mp3", Range="bytes=-100")
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {len(data) - 100}-{len(data) - 1}/{len(data)}"
    assert response.content == data[-100:]


def test_range_in_the_middle_and_open_ended(base: str, workspace: Path) -> None:
    data = (workspace / "audio" / "ky-85.mp3").read_bytes()
    assert get(f"{base}/audio/ky-85.mp3", Range="bytes=1000-1999").content == data[1000:2000]
    assert get(f"{base}/audio/ky-85.mp3", Range=f"bytes={len(data) - 5}-").content == data[-5:]


def test_unsatisfiable_range_is_416(base: str, workspace: Path) -> None:
    size = (workspace / "audio" / "ky-85.mp3").stat().st_size
    response = get(f"{base}/audio/ky-85.mp3", Range=f"bytes={size}-")
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{size}"


def test_whole_mp3_is_byte_exact_and_never_gzipped(base: str, workspace: Path) -> None:
    response = requests.get(
        f"{base}/audio/ky-85.mp3",
        headers={"Accept-Encoding": "gzip"},
        timeout=10,
        stream=True,
    )
    body = response.raw.read(decode_content=False)
    assert response.status_code == 200
    assert "Content-Encoding" not in response.headers
    assert body == (workspace / "audio" / "ky-85.mp3").read_bytes()


# -- HEAD and conditional GET ----------------------------------------------------------------------


def test_head_on_cover(base: str, workspace: Path) -> None:
    response = requests.head(f"{base}/audio/cover.jpg", timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str((workspace / "audio" / "cover.jpg").stat().st_size)
    assert response.headers["Content-Type"] == "image/jpeg"
    assert response.content == b""


@pytest.mark.parametrize("path", ["/feeds/podcast.xml", "/audio/ky-85.mp3", "/audio/cover.jpg"])
def test_if_none_match_gives_304(base: str, path: str) -> None:
    first = get(base + path)
    etag = first.headers["ETag"]
    second = get(base + path, **{"If-None-Match": etag})
    assert second.status_code == 304
    assert second.content == b""
    assert second.headers["ETag"] == etag
    assert get(base + path, **{"If-None-Match": '"something-else"'}).status_code == 200


@pytest.mark.parametrize("path", ["/feeds/podcast.xml", "/audio/ky-85.mp3"])
def test_if_modified_since_gives_304(base: str, path: str) -> None:
    last_modified = get(base + path).headers["Last-Modified"]
    assert get(base + path, **{"If-Modified-Since": last_modified}).status_code == 304
    assert get(base + path, **{"If-Modified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}).status_code == 200


def test_a_rewritten_file_gets_a_new_etag(base: str, workspace: Path) -> None:
    feed = workspace / "feeds" / "podcast.xml"
    etag = get(f"{base}/feeds/podcast.xml").headers["ETag"]
    feed.write_bytes(FEED.replace("Kỳ 1:".encode(), "Kỳ 1 (sửa):".encode()))
    os.utime(feed, (time.time() + 5, time.time() + 5))
    response = get(f"{base}/feeds/podcast.xml", **{"If-None-Match": etag})
    assert response.status_code == 200
    assert "Kỳ 1 (sửa):" in response.text
    assert response.headers["ETag"] != etag


@pytest.mark.parametrize("path", ["/feeds/podcast.xml", "/audio/ky-85.mp3", "/audio/cover.jpg"])
def test_cache_control_is_no_cache(base: str, path: str) -> None:
    assert get(base + path).headers["Cache-Control"] == "no-cache"


# -- gzip ------------------------------------------------------------------------------------------


def test_feed_is_gzipped_when_asked(base: str) -> None:
    response = requests.get(
        f"{base}/feeds/podcast.xml",
        headers={"Accept-Encoding": "gzip"},
        timeout=10,
        stream=True,
    )
    body = response.raw.read(decode_content=False)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert int(response.headers["Content-Length"]) == len(body) < len(FEED)
    assert gzip.decompress(body) == FEED


def test_feed_is_plain_without_accept_encoding(base: str) -> None:
    response = requests.get(
        f"{base}/feeds/podcast.xml",
        headers={"Accept-Encoding": "identity"},
        timeout=10,
        stream=True,
    )
    assert "Content-Encoding" not in response.headers
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.raw.read(decode_content=False) == FEED


def test_gzip_and_plain_feed_have_different_etags_and_each_revalidates(
    base: str,
) -> None:
    url = f"{base}/feeds/podcast.xml"
    zipped = get(url, **{"Accept-Encoding": "gzip"}).headers["ETag"]
    plain = get(url, **{"Accept-Encoding": "identity"}).headers["ETag"]
    assert zipped != plain
    assert get(url, **{"Accept-Encoding": "gzip", "If-None-Match": zipped}).status_code == 304
    assert get(url, **{"Accept-Encoding": "gzip;q=0", "If-None-Match": zipped}).status_code == 200


def test_range_on_the_feed_counts_the_file_bytes(base: str) -> None:
    response = get(f"{base}/feeds/podcast.xml", Range="bytes=0-4", **{"Accept-Encoding": "gzip"})
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert response.content == FEED[:5]


# -- content types and headers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/audio/ky-85.mp3", "audio/mpeg"),
        ("/feeds/podcast.xml", "application/xml; charset=utf-8"),
        ("/audio/cover.jpg", "image/jpeg"),
        ("/audio/logo.png", "image/png"),
        ("/feeds/stats.json", "application/json"),
        ("/feeds/ky-85.chapters.json", "application/json+chapters"),
        ("/feeds/ky-85.vtt", "text/vtt"),
        ("/feeds/ky-85.srt", "application/x-subrip"),
        ("/feeds/page.html", "text/html; charset=utf-8"),
        ("/feeds/notes.txt", "text/plain; charset=utf-8"),
    ],
)
@pytest.mark.parametrize("encoding", ["gzip", "identity"])
def test_content_types(base: str, path: str, expected: str, encoding: str) -> None:
    response = get(base + path, **{"Accept-Encoding": encoding})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == expected


def test_feeds_files_allow_any_origin(base: str) -> None:
    for path in (
        "/feeds/ky-85.vtt",
        "/feeds/ky-85.chapters.json",
        "/feeds/podcast.xml",
    ):
        assert get(base + path, Origin="https://player.example").headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in get(f"{base}/audio/ky-85.mp3").headers


def test_one_date_header(base: str) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", urlsplit(base).port, timeout=10)
    connection.request("GET", "/feeds/podcast.xml")
    response = connection.getresponse()
    response.read()
    connection.close()
    assert len(response.headers.get_all("Date") or []) == 1


def test_vietnamese_file_name(base: str, workspace: Path) -> None:
    (workspace / "feeds" / "bản-tin.txt").write_text("Bản tin", encoding="utf-8")
    response = get(f"{base}/feeds/b%E1%BA%A3n-tin.txt")
    assert response.status_code == 200
    assert response.content.decode("utf-8") == "Bản tin"


def test_post_is_405(base: str) -> None:
    response = requests.post(f"{base}/feeds/podcast.xml", data=b"x", timeout=10)
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


# -- refusals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/../outside.mp3",
        "/%2e%2e/outside.mp3",
        "/%2E%2E/outside.mp3",
        "/audio/../../outside.mp3",
        "/audio/%2e%2e/%2e%2e/outside.mp3",
        "/audio/..%2f..%2foutside.mp3",
        "/audio/../../etc/passwd",
        "/../../../../../../etc/passwd",
        "/audio/outside.mp3",  # a symlink pointing out of the workspace
    ],
)
def test_traversal_is_404(base: str, path: str) -> None:
    status, body = raw_get(base, path)
    assert status == 404
    assert SECRET not in body
    assert b"root:" not in body


def test_absolute_paths_are_404(base: str, workspace: Path) -> None:
    outside = (workspace.parent / "outside.mp3").as_posix()
    for path in ("/" + outside, "/%2F" + outside.lstrip("/"), "//etc/passwd"):
        status, body = raw_get(base, path)
        assert status == 404, path
        assert SECRET not in body


@pytest.mark.parametrize(
    "path",
    [
        "/.radiocast/catalog.sqlite3",
        "/%2eradiocast/catalog.sqlite3",
        "/podcast.toml",
        "/.git/config",
        "/audio/catalog.mp3",  # a public name for a private file
        "/.hidden/ky-85.mp3",  # a private name for a public file
    ],
)
def test_private_files_are_404(base: str, path: str) -> None:
    for method in ("GET", "HEAD"):
        status, body = raw_get(base, path, method)
        assert status == 404
        assert SECRET not in body


def test_a_symlink_inside_the_workspace_is_served(base: str, workspace: Path) -> None:
    assert get(f"{base}/audio/alias.mp3").content == (workspace / "audio" / "ky-85.mp3").read_bytes()


@pytest.mark.parametrize("path", ["/audio/", "/audio", "/feeds/", "/seeds/", "/audio/missing.mp3"])
def test_directories_and_missing_files_are_404(base: str, path: str) -> None:
    response = get(base + path)
    assert response.status_code == 404
    assert b"ky-85" not in response.content


def test_root_redirects_to_the_feed_then_to_the_index_page(base: str, workspace: Path) -> None:
    response = get(base + "/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/feeds/podcast.xml")
    (workspace / "feeds" / "index.html").write_text("<h1>Chính quyền</h1>", encoding="utf-8")
    response = get(base + "/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/feeds/index.html")


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not on PATH")
def test_curl_sees_ranges_and_no_traversal(base: str, workspace: Path) -> None:
    curl = shutil.which("curl") or "curl"
    ranged = subprocess.run(
        [curl, "-s", "-D", "-", "-r", "0-1", f"{base}/audio/ky-85.mp3"],
        capture_output=True,
        check=True,
        timeout=10,
    )
    size = (workspace / "audio" / "ky-85.mp3").stat().st_size
    assert b"206" in ranged.stdout.split(b"\r\n", 1)[0]
    assert f"Content-Range: bytes 0-1/{size}".encode() in ranged.stdout
    leak = subprocess.run(
        [curl, "-s", "--path-as-is", "-w", "%{http_code}", f"{base}/../outside.mp3"],
        capture_output=True,
        check=True,
        timeout=10,
    )
    assert leak.stdout.endswith(b"404")
    assert SECRET not in leak.stdout


# -- serve() ---------------------------------------------------------------------------------------


def start_serve(workspace: Path, **kwargs: object) -> tuple[str, threading.Event, threading.Thread]:
    urls: list[str] = []
    listening = threading.Event()

    def ready(url: str) -> None:
        urls.append(url)
        listening.set()

    stop = threading.Event()
    thread = threading.Thread(
        target=serve,
        args=(workspace,),
        kwargs={"port": 0, "ready": ready, "stop": stop, **kwargs},
        daemon=True,
    )
    thread.start()
    assert listening.wait(10)
    return urls[0], stop, thread


def test_serve_calls_ready_with_its_url_and_stops(workspace: Path) -> None:
    url, stop, thread = start_serve(workspace)
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/")
    assert urlsplit(url).port != 0
    assert requests.get(url + "feeds/podcast.xml", timeout=10).content == FEED
    assert requests.get(url + "podcast.toml", timeout=10).status_code == 404
    stop.set()
    thread.join(5)
    assert not thread.is_alive()
    with pytest.raises(requests.ConnectionError):
        requests.get(url + "feeds/podcast.xml", timeout=2)


def test_serve_returns_on_ctrl_c(workspace: Path) -> None:
    listening = threading.Event()
    statuses: list[int] = []
    urls: list[str] = []

    def client() -> None:
        if listening.wait(10):
            statuses.append(requests.get(urls[0] + "audio/cover.jpg", timeout=10).status_code)
            _thread.interrupt_main()  # what Ctrl-C does to the main thread

    def ready(url: str) -> None:
        urls.append(url)
        listening.set()

    helper = threading.Thread(target=client, daemon=True)
    helper.start()
    serve(workspace, port=0, ready=ready)  # blocks here until the "Ctrl-C"
    helper.join(5)
    assert statuses == [200]


def test_serve_on_a_busy_port_is_a_config_error(workspace: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"127.0.0.1:{port}") as caught:
            serve(workspace, port=port)
    assert caught.value.hint is not None
    assert "--port" in caught.value.hint


def test_serve_a_missing_workspace_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a directory"):
        serve(tmp_path / "nowhere", port=0)


def test_client_disconnecting_mid_download_is_quiet(
    workspace: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="radiocast.serve")
    big = workspace / "audio" / "big.mp3"
    big.write_bytes(bytes(range(256)) * 32_768)  # 8 MiB: more than the socket buffers hold
    url, stop, thread = start_serve(workspace)
    port = urlsplit(url).port or 0
    for _ in range(3):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as client:
            client.sendall(b"GET /audio/big.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            assert client.recv(4096).startswith(b"HTTP/1.1 200")
            # Close with a reset, as a player that seeks away does.
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and sum("closed the connection" in r.getMessage() for r in caplog.records) < 3:
        time.sleep(0.05)
    assert requests.get(url + "audio/cover.jpg", timeout=10).status_code == 200
    stop.set()
    thread.join(5)
    assert sum("closed the connection" in r.getMessage() for r in caplog.records) == 3
    captured = capfd.readouterr()
    assert "Traceback" not in captured.err
    assert "Error" not in captured.err
