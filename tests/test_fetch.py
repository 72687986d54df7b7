"""fetch: real downloads from a scripted HTTP server on 127.0.0.1, real MP3 bytes."""

from __future__ import annotations

import gzip
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fetch_server import (
    ETAG,
    LAST_MODIFIED,
    RequestHandler,
    Server,
    drip,
    fetcher,
    leftovers,
    redirect,
    respond,
    running,
    serve,
    sha256,
    status,
)
from radiocast import __version__
from radiocast.errors import FetchError
from radiocast.fetch import fetch_bytes, remote_size
from radiocast.fetch._http import CHUNK_BYTES
from radiocast.models import FetchSettings
from radiocast.safexml import MAX_FEED_BYTES

MakeMp3 = Callable[..., Path]


@pytest.fixture
def server() -> Iterator[Server]:
    with running() as app:
        yield app


@pytest.fixture
def mp3(sample_mp3: Path) -> bytes:
    return sample_mp3.read_bytes()


@pytest.fixture
def big_mp3(mp3_factory: MakeMp3, tmp_path: Path) -> bytes:
    """2.4 MB: more than two of the fetcher's chunks, so a cut-off leaves a prefix on disk."""
    data = mp3_factory(tmp_path / "big.mp3", seconds=60, bitrate="320k").read_bytes()
    assert len(data) > 2 * CHUNK_BYTES
    return data


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / ".radiocast" / "partial" / "episode.mp3"


def test_download_writes_verified_file_and_reports_progress(server: Server, big_mp3: bytes, dest: Path) -> None:
    url = server.route("/ep.mp3", serve(big_mp3))
    calls: list[tuple[int, int | None]] = []

    result = fetcher().download(url, dest, progress=lambda done, total: calls.append((done, total)))

    assert dest.read_bytes() == big_mp3
    assert result.path == dest
    assert result.size_bytes == len(big_mp3)
    assert result.sha256 == sha256(big_mp3)
    assert (result.etag, result.last_modified, result.not_modified) == (
        ETAG,
        LAST_MODIFIED,
        False,
    )
    assert leftovers(dest) == ["episode.mp3"]
    assert calls[-1] == (len(big_mp3), len(big_mp3))
    assert 2 <= len(calls) <= -(-len(big_mp3) // CHUNK_BYTES)  # per chunk written, not per read
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    headers = server.seen[0].headers
    assert headers["user-agent"] == f"radiocast/{__version__}"
    assert headers["accept-encoding"] == "identity"
    assert headers["range"] == "bytes=0-"  # so that Content-Range states the file's length


def test_mp3_without_id3_tag_is_accepted_by_its_frame_sync(server: Server, mp3: bytes, dest: Path) -> None:
    assert mp3[:3] == b"ID3"
    tag_size = 10 + sum((b & 0x7F) << (7 * (3 - i)) for i, b in enumerate(mp3[6:10]))  # syncsafe
    frames = mp3[tag_size:]
    assert frames[0] == 0xFF
    url = server.route("/raw.mp3", serve(frames))

    assert fetcher().download(url, dest).sha256 == sha256(frames)


def test_body_cut_off_midway_is_resumed_with_range(server: Server, big_mp3: bytes, dest: Path) -> None:
    cut = CHUNK_BYTES + CHUNK_BYTES // 2
    url = server.route("/ep.mp3", serve(big_mp3, cut_at=cut), serve(big_mp3))

    result = fetcher().download(url, dest)

    assert dest.read_bytes() == big_mp3
    assert result.sha256 == sha256(big_mp3)  # over the resumed prefix too
    assert len(server.seen) == 2
    resumed = server.seen[1].headers
    assert resumed["range"] == f"bytes={cut}-"  # every byte that arrived is kept
    assert resumed["if-range"] == ETAG
    assert leftovers(dest) == ["episode.mp3"]


def test_range_answer_shorter_than_its_content_range_is_resumed_again(
    server: Server, big_mp3: bytes, dest: Path
) -> None:
    def short_206(h: RequestHandler) -> None:
        start = int(h.headers["Range"].removeprefix("bytes=").removesuffix("-"))
        body = big_mp3[start : start + CHUNK_BYTES + 10]  # a complete body, but not the range it claims
        respond(h, 206, body, {"Content-Range": f"bytes {start}-{len(big_mp3) - 1}/{len(big_mp3)}", "ETag": ETAG})

    url = server.route("/ep.mp3", serve(big_mp3, cut_at=CHUNK_BYTES + 10), short_206, serve(big_mp3))

    result = fetcher().download(url, dest)

    assert [s.headers.get("range") for s in server.seen] == [
        "bytes=0-",
        f"bytes={CHUNK_BYTES + 10}-",
        f"bytes={2 * CHUNK_BYTES + 20}-",
    ]
    assert dest.read_bytes() == big_mp3
    assert result.sha256 == sha256(big_mp3)


def test_resume_refused_by_server_starts_over(server: Server, big_mp3: bytes, dest: Path) -> None:
    # No validators: the prefix is not resumed, and the second answer, a full 200, replaces it.
    url = server.route(
        "/ep.mp3",
        serve(big_mp3, etag=None, last_modified=None, cut_at=CHUNK_BYTES + 10),
        lambda h: respond(h, 200, big_mp3, {"Content-Type": "audio/mpeg"}),
    )

    result = fetcher().download(url, dest)

    assert server.seen[1].headers["range"] == "bytes=0-"
    assert "if-range" not in server.seen[1].headers
    assert dest.read_bytes() == big_mp3
    assert result.sha256 == sha256(big_mp3)


def _sloppy_ranges(data: bytes) -> Callable[[RequestHandler], None]:
    """A server that answers any Range from *data* whatever its If-Range says (many CDNs and caches)."""

    def handler(h: RequestHandler) -> None:
        start = int(h.headers["Range"].removeprefix("bytes=").removesuffix("-"))
        range_ = f"bytes {start}-{len(data) - 1}/{len(data)}"
        respond(h, 206, data[start:], {"Content-Type": "audio/mpeg", "Content-Range": range_})

    return handler


@pytest.mark.parametrize(
    "validators",
    [
        pytest.param({"etag": 'W/"v1"', "last_modified": None}, id="weak ETag"),
        pytest.param({"etag": None, "last_modified": LAST_MODIFIED, "date": LAST_MODIFIED}, id="Last-Modified = Date"),
        pytest.param({"etag": None, "last_modified": None}, id="no validator"),
    ],
)
def test_without_a_strong_validator_a_cut_off_starts_over_and_never_splices(
    server: Server, big_mp3: bytes, mp3_factory: MakeMp3, tmp_path: Path, dest: Path, validators: dict[str, str]
) -> None:
    # The newspaper replaces the file between the cut-off and the retry: a resume would glue two versions.
    second = mp3_factory(tmp_path / "v2.mp3", seconds=60, bitrate="320k", freq=330).read_bytes()
    assert second[: 2 * CHUNK_BYTES] != big_mp3[: 2 * CHUNK_BYTES]
    url = server.route("/ep.mp3", serve(big_mp3, cut_at=CHUNK_BYTES + 10, **validators), _sloppy_ranges(second))

    result = fetcher().download(url, dest)

    assert [s.headers.get("range") for s in server.seen] == ["bytes=0-", "bytes=0-"]
    assert "if-range" not in server.seen[1].headers
    assert dest.read_bytes() == second
    assert result.sha256 == sha256(second)


def test_cut_off_every_time_fails_and_keeps_the_prefix(server: Server, big_mp3: bytes, dest: Path) -> None:
    url = server.route("/ep.mp3", serve(big_mp3, cut_at=CHUNK_BYTES + 10))

    with pytest.raises(FetchError, match=r"GET http://127\.0\.0\.1:\d+/ep\.mp3 was cut off 2 times") as err:
        fetcher(retries=1).download(url, dest)

    assert err.value.hint
    assert not dest.exists()
    assert dest.with_name("episode.mp3.part").read_bytes() == big_mp3[: CHUNK_BYTES + 10]


def test_stale_part_from_an_earlier_run_is_resumed(server: Server, big_mp3: bytes, dest: Path) -> None:
    url = server.route("/ep.mp3", serve(big_mp3, cut_at=CHUNK_BYTES + 10), serve(big_mp3))
    with pytest.raises(FetchError):
        fetcher(retries=0).download(url, dest)
    assert dest.with_name("episode.mp3.part").stat().st_size == CHUNK_BYTES + 10

    result = fetcher().download(url, dest)  # a new Fetcher, as in the next `radiocast publish`

    assert server.seen[1].headers["range"] == f"bytes={CHUNK_BYTES + 10}-"
    assert server.seen[1].headers["if-range"] == ETAG
    assert dest.read_bytes() == big_mp3
    assert result.sha256 == sha256(big_mp3)
    assert leftovers(dest) == ["episode.mp3"]


def test_stale_part_of_a_changed_file_is_replaced(server: Server, big_mp3: bytes, dest: Path) -> None:
    new = big_mp3[: len(big_mp3) // 2] + big_mp3[: len(big_mp3) // 2]
    server.route(
        "/ep.mp3",
        serve(big_mp3, cut_at=CHUNK_BYTES + 10),
        serve(new, etag='"v2"', last_modified=None),
    )
    url = server.url("/ep.mp3")
    with pytest.raises(FetchError):
        fetcher(retries=0).download(url, dest)

    result = fetcher().download(url, dest)

    assert server.seen[1].headers["if-range"] == ETAG  # the server's "v2" does not match: a full 200
    assert dest.read_bytes() == new
    assert (result.sha256, result.etag) == (sha256(new), '"v2"')


def test_stale_part_that_is_not_audio_is_discarded(server: Server, big_mp3: bytes, dest: Path) -> None:
    url = server.route("/ep.mp3", serve(big_mp3, cut_at=CHUNK_BYTES + 10), serve(big_mp3))
    with pytest.raises(FetchError):
        fetcher(retries=0).download(url, dest)
    dest.with_name("episode.mp3.part").write_bytes(b"<!DOCTYPE html><html>502 Bad Gateway</html>")

    fetcher().download(url, dest)

    assert server.seen[1].headers["range"] == "bytes=0-"
    assert dest.read_bytes() == big_mp3


def test_part_without_its_validator_record_is_not_resumed(server: Server, mp3: bytes, dest: Path) -> None:
    dest.parent.mkdir(parents=True)
    dest.with_name("episode.mp3.part").write_bytes(mp3[:1000])
    url = server.route("/ep.mp3", serve(mp3))

    fetcher().download(url, dest)

    assert server.seen[0].headers["range"] == "bytes=0-"
    assert dest.read_bytes() == mp3


class StoppedByUserError(Exception):
    pass


def test_complete_part_left_before_the_rename_is_finished(server: Server, big_mp3: bytes, dest: Path) -> None:
    url = server.route("/ep.mp3", serve(big_mp3))

    def interrupt_at_the_end(done: int, total: int | None) -> None:
        if done == total:
            raise StoppedByUserError  # like Ctrl-C between the last byte and the rename

    with pytest.raises(StoppedByUserError):
        fetcher().download(url, dest, progress=interrupt_at_the_end)
    assert not dest.exists()
    assert dest.with_name("episode.mp3.part").read_bytes() == big_mp3

    result = fetcher().download(url, dest)

    assert server.seen[1].headers["range"] == f"bytes={len(big_mp3)}-"  # answered 416, nothing to add
    assert len(server.seen) == 2  # and not downloaded all over again
    assert dest.read_bytes() == big_mp3
    assert result.sha256 == sha256(big_mp3)
    assert leftovers(dest) == ["episode.mp3"]


def test_503_then_ok_is_retried(server: Server, mp3: bytes, dest: Path) -> None:
    url = server.route("/ep.mp3", status(503), serve(mp3))

    result = fetcher().download(url, dest)

    assert len(server.seen) == 2
    assert result.sha256 == sha256(mp3)


def test_5xx_every_time_fails_after_the_retries(server: Server, dest: Path) -> None:
    url = server.route("/ep.mp3", status(503))

    with pytest.raises(
        FetchError,
        match=r"/ep\.mp3 returned HTTP 503 Service Unavailable, still after 2 retries",
    ):
        fetcher(retries=2).download(url, dest)

    assert len(server.seen) == 3
    assert leftovers(dest) == []


def test_429_retry_after_is_honoured(server: Server, mp3: bytes, dest: Path) -> None:
    url = server.route("/ep.mp3", status(429, Retry_After="1"), serve(mp3))

    started = time.monotonic()
    result = fetcher().download(url, dest)
    waited = time.monotonic() - started

    assert result.sha256 == sha256(mp3)
    assert 0.95 <= waited < 2.5  # the backoff alone would be 0 s


def test_absurd_retry_after_fails_at_once(server: Server, mp3: bytes, dest: Path) -> None:
    url = server.route("/ep.mp3", status(429, Retry_After="86400"), serve(mp3))

    started = time.monotonic()
    with pytest.raises(
        FetchError,
        match=r"returned HTTP 429 asking to wait 86400 s before retrying, over radiocast's 300 s",
    ):
        fetcher().download(url, dest)

    assert time.monotonic() - started < 1
    assert len(server.seen) == 1


def test_a_station_recording_may_be_wav_but_an_article_mp3_may_not(server: Server, dest: Path) -> None:
    wav = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(2048)
    url = server.route("/ky-86.wav", serve(wav, content_type="audio/wav"), serve(wav, content_type="audio/wav"))

    result = fetcher().download(url, dest, any_audio=True)
    assert dest.read_bytes() == wav
    assert result.size_bytes == len(wav)

    dest.unlink()
    with pytest.raises(FetchError, match=r"data that is not MP3 audio \(it starts with 52 49 46 46"):
        fetcher().download(url, dest)
    assert leftovers(dest) == []


def test_html_page_with_200_is_refused(server: Server, dest: Path) -> None:
    page = b"<!DOCTYPE html>\n<html><body>Trang kh\xc3\xb4ng t\xe1\xbb\x93n t\xe1\xba\xa1i</body></html>"
    url = server.route("/ep.mp3", status(200, page, Content_Type="text/html; charset=utf-8"))

    with pytest.raises(FetchError, match=r"GET http://\S+/ep\.mp3 returned an HTML page, not MP3 audio") as err:
        fetcher().download(url, dest)

    assert err.value.hint
    assert leftovers(dest) == []  # no dest, no .part to corrupt a later resume


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"", "an empty body"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "data that is not MP3 audio"),
        (
            b"\xff\xf1\x50\x80" + b"\0" * 100,
            "data that is not MP3 audio",
        ),  # AAC (ADTS) shares the sync bits
        (b"ID", "data that is not MP3 audio"),
    ],
)
def test_body_that_is_not_mpeg_audio_is_refused(server: Server, dest: Path, body: bytes, what: str) -> None:
    url = server.route("/ep.mp3", status(200, body, Content_Type="application/octet-stream"))

    with pytest.raises(FetchError, match=f"returned {what}"):
        fetcher().download(url, dest)

    assert leftovers(dest) == []


def test_404_is_not_retried(server: Server, dest: Path) -> None:
    url = server.url("/missing.mp3")

    with pytest.raises(FetchError) as err:
        fetcher().download(url, dest)

    assert re.fullmatch(r"GET http://\S+/missing\.mp3 returned HTTP 404 Not Found", err.value.message)
    assert "seed" in (err.value.hint or "")
    assert len(server.seen) == 1
    assert not dest.exists()


def test_redirect_is_followed(server: Server, mp3: bytes, dest: Path) -> None:
    server.route("/new/ep.mp3", serve(mp3))
    url = server.route("/old.mp3", redirect("/tmp.mp3", 302))
    server.route("/tmp.mp3", redirect(server.url("/new/ep.mp3")))

    result = fetcher().download(url, dest)

    assert [s.path for s in server.seen] == ["/old.mp3", "/tmp.mp3", "/new/ep.mp3"]
    assert result.sha256 == sha256(mp3)


def test_redirect_to_another_scheme_is_refused(server: Server, dest: Path) -> None:
    url = server.route("/ep.mp3", redirect("ftp://127.0.0.1/ep.mp3"))

    with pytest.raises(
        FetchError, match=r"GET http://\S+/ep\.mp3 redirects to ftp://127\.0\.0\.1/ep\.mp3, which is not"
    ):
        fetcher().download(url, dest)


def test_slow_drip_beyond_the_read_timeout_fails(server: Server, mp3: bytes, dest: Path) -> None:
    url = server.route("/ep.mp3", drip(mp3, first=4096, every_s=0.5))

    started = time.monotonic()
    with pytest.raises(FetchError, match=r"GET http://\S+/ep\.mp3 timed out after 0\.2 s") as err:
        fetcher(read_timeout_s=0.2, retries=1).download(url, dest)

    assert time.monotonic() - started < 2
    assert "fetch.read_timeout" in err.value.message
    assert len(server.seen) == 2  # one resume attempt
    assert not dest.exists()


def test_server_that_never_answers_times_out(server: Server, dest: Path) -> None:
    def silent(h: RequestHandler) -> None:
        h.app.stop.wait(3)

    url = server.route("/ep.mp3", silent)

    with pytest.raises(FetchError, match=r"timed out after 0\.2 s waiting for the server"):
        fetcher(read_timeout_s=0.2, retries=0).download(url, dest)


def test_content_length_over_the_cap_is_refused_before_downloading(server: Server, dest: Path) -> None:
    def huge(h: RequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", str(2_254_857_830))
        h.end_headers()
        h.wfile.write(b"ID3" + b"\0" * 1000)
        h.close_connection = True

    url = server.route("/ep.mp3", huge)

    with pytest.raises(
        FetchError,
        match=r"/ep\.mp3 is 2\.1 GB, over the 1024 MB limit \(fetch\.max_size_mb\)",
    ):
        fetcher().download(url, dest)

    assert leftovers(dest) == []


def test_body_over_the_cap_without_content_length_is_aborted(server: Server, big_mp3: bytes, dest: Path) -> None:
    def unsized(h: RequestHandler) -> None:
        h.send_response(200)  # no Content-Length: the body ends when the connection closes
        h.end_headers()
        h.wfile.write(big_mp3)
        h.close_connection = True

    url = server.route("/ep.mp3", unsized)

    with pytest.raises(FetchError, match=r"sent more than the 1 MB limit \(fetch\.max_size_mb\)"):
        fetcher(max_size_mb=1).download(url, dest)

    assert leftovers(dest) == []


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/ep.mp3",
        "file:///etc/passwd",
        "127.0.0.1/ep.mp3",
        "http:///ep.mp3",
        "",
        "http://[::1/x",
    ],
)
def test_only_http_urls_are_fetched(server: Server, dest: Path, url: str) -> None:
    with pytest.raises(FetchError, match="only http:// and https:// URLs"):
        fetcher().download(url, dest)

    assert server.seen == []


def test_connection_refused(dest: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there

    with pytest.raises(FetchError, match=rf"connection to 127\.0\.0\.1:{port} refused"):
        fetcher(retries=1).download(f"http://127.0.0.1:{port}/ep.mp3", dest)


@pytest.mark.parametrize(
    ("kwargs", "header"),
    [
        ({"etag": ETAG}, "if-none-match"),
        ({"last_modified": LAST_MODIFIED}, "if-modified-since"),
    ],
)
def test_conditional_get_answered_304_is_not_modified(
    server: Server, mp3: bytes, dest: Path, kwargs: dict[str, str], header: str
) -> None:
    url = server.route("/ep.mp3", serve(mp3))

    result = fetcher().download(url, dest, etag=kwargs.get("etag"), last_modified=kwargs.get("last_modified"))

    assert server.seen[0].headers[header] == next(iter(kwargs.values()))
    assert result.not_modified
    assert (result.path, result.size_bytes, result.sha256) == (dest, 0, "")
    assert (result.etag, result.last_modified) == (ETAG, LAST_MODIFIED)
    assert leftovers(dest) == []


def test_conditional_get_of_a_changed_file_downloads_it(server: Server, mp3: bytes, dest: Path) -> None:
    url = server.route("/ep.mp3", serve(mp3, etag='"v2"'))

    result = fetcher().download(url, dest, etag=ETAG)

    assert not result.not_modified
    assert (result.etag, result.sha256) == ('"v2"', sha256(mp3))
    assert dest.read_bytes() == mp3


def test_concurrent_downloads_share_one_fetcher(server: Server, mp3: bytes, big_mp3: bytes, tmp_path: Path) -> None:
    urls = [server.route("/a.mp3", serve(big_mp3)), server.route("/b.mp3", serve(mp3))]
    dests = [tmp_path / "a.mp3", tmp_path / "b.mp3"]
    shared = fetcher()
    errors: list[BaseException] = []

    def run(url: str, dest: Path) -> None:
        try:
            shared.download(url, dest)
        except BaseException as e:  # noqa: BLE001 - reported by the assert below
            errors.append(e)

    threads = [threading.Thread(target=run, args=pair) for pair in zip(urls, dests, strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert [d.read_bytes() for d in dests] == [big_mp3, mp3]


def test_logs_start_finish_and_retries(
    server: Server, mp3: bytes, dest: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = server.route("/ep.mp3", status(503), serve(mp3))

    with caplog.at_level(logging.INFO, logger="radiocast.fetch"):
        fetcher().download(url, dest)

    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name.startswith("radiocast.fetch")]
    assert records[0] == ("INFO", f"Fetching {url}")
    assert records[1][0] == "INFO"  # a retry that then succeeds is not worth a warning
    assert "HTTP 503" in records[1][1]
    assert records[-1][0] == "INFO"
    assert records[-1][1].startswith(f"Fetched {url}: ")
    assert len(records) == 3


def test_unknown_host_fails_at_once_without_retries(dest: Path) -> None:
    # ".invalid" never resolves (RFC 2606): what an offline machine sees for every host.
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"cannot resolve radiocast-test\.invalid .*run publish again later"):
        fetcher().download("http://radiocast-test.invalid/ep.mp3", dest)
    assert time.monotonic() - started < 5
    assert not dest.exists()


FEED = "<?xml version='1.0' encoding='UTF-8'?>\n<rss><channel><title>Chính quyền đối thoại</title></channel></rss>"


def test_fetch_bytes_returns_a_small_document(server: Server) -> None:
    body = gzip.compress(FEED.encode())
    url = server.route("/feed.xml", status(200, body, Content_Type="application/rss+xml", Content_Encoding="gzip"))

    assert fetch_bytes(url, FetchSettings(), max_bytes=MAX_FEED_BYTES).decode() == FEED


def test_fetch_bytes_fails_with_the_feeds_url(server: Server) -> None:
    url = server.url("/feed.xml")

    with pytest.raises(FetchError, match=r"GET http://\S+/feed\.xml returned HTTP 404") as err:
        fetch_bytes(url, FetchSettings(), max_bytes=MAX_FEED_BYTES)

    assert "feed" in (err.value.hint or "")


def test_remote_size_asks_with_head(server: Server) -> None:
    def head(h: RequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "2402263")
        h.end_headers()

    url = server.route("/ep.mp3", head)

    assert remote_size(url, FetchSettings()) == 2402263
    assert server.seen[0].headers["accept-encoding"] == "identity"


def test_remote_size_is_none_when_it_cannot_tell(server: Server) -> None:
    settings = FetchSettings(retries=0)

    assert remote_size(server.url("/missing.mp3"), settings) is None
    assert remote_size("ftp://127.0.0.1/ep.mp3", settings) is None
