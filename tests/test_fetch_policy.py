"""fetch's policy: http(s) only, redirects too; credentials never shown; refused hosts and networks."""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from ipaddress import ip_network
from pathlib import Path

import pytest

from fetch_server import (
    RequestHandler,
    Server,
    fetcher,
    leftovers,
    redirect,
    running,
    serve,
    sha256,
    stall,
    status,
)
from radiocast.config import parse_config
from radiocast.errors import ConfigError, FetchError
from radiocast.fetch import Fetcher, fetch_bytes, remote_size
from radiocast.models import REFUSED_HOSTS, REFUSED_NETWORKS, FetchSettings
from radiocast.safexml import MAX_FEED_BYTES
from radiocast.urls import redact_url

# A station password in a seed's URL: it may reach the server and nothing else.
SECRET = "s3cr3t-pa55"  # noqa: S105
PODCAST = {
    "title": "Chính quyền đối thoại",
    "description": "Mô tả",
    "author": "Đài Truyền thanh huyện Lai Vung",
    "owner_name": "Đài",
    "owner_email": "podcast@example.vn",
    "base_url": "https://radio.example.vn/podcast/",
    "image": "audio/cover.jpg",
    "categories": ["Government"],
}


@pytest.fixture
def server() -> Iterator[Server]:
    with running() as app:
        yield app


@pytest.fixture
def mp3(sample_mp3: Path) -> bytes:
    return sample_mp3.read_bytes()


@pytest.fixture
def dest(tmp_path: Path) -> Path:
    return tmp_path / "partial" / "episode.mp3"


def with_credentials(url: str) -> str:
    return url.replace("http://", f"http://radio:{SECRET}@", 1)


# --- credentials in URLs -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("https://user:pass@host.vn/a.mp3", "https://***@host.vn/a.mp3"),
        ("https://user@host.vn/a.mp3", "https://***@host.vn/a.mp3"),
        ("http://u:p@ss@host.vn:8080/a?b=c@d", "http://***@host.vn:8080/a?b=c@d"),
        ("HTTP://U:P@HOST/", "HTTP://***@HOST/"),
        (
            "GET http://a:b@x.vn/1 (redirected to https://c:d@y.vn/2)",
            "GET http://***@x.vn/1 (redirected to https://***@y.vn/2)",
        ),
        ("'ftp://a:b@x.vn/f'", "'ftp://***@x.vn/f'"),
        ("https://host.vn/a@b.mp3", "https://host.vn/a@b.mp3"),  # an "@" in the path is no userinfo
        ("mail podcast@example.vn at https://host.vn/", "mail podcast@example.vn at https://host.vn/"),
    ],
)
def test_redact_url_hides_every_urls_credentials(text: str, shown: str) -> None:
    assert redact_url(text) == shown


def _handlers(mp3: bytes, server: Server) -> dict[str, list]:
    return {
        "404": [status(404)],
        "401": [status(401)],
        "503 then retries": [status(503, Retry_After="0")],
        "cut off every time": [serve(mp3, cut_at=len(mp3) // 2)],
        "stall": [stall(mp3, at=len(mp3) // 2)],
        "HTML page": [status(200, b"<!DOCTYPE html><html>", Content_Type="text/html")],
        "redirect to ftp": [redirect(f"ftp://radio:{SECRET}@127.0.0.1/ep.mp3")],
        "redirect to a refused host": [redirect(f"http://radio:{SECRET}@169.254.169.254/latest/meta-data/")],
        "redirect, then 404": [redirect(with_credentials(server.url("/gone.mp3")))],
    }


@pytest.mark.parametrize(
    "failure",
    ["404", "401", "503 then retries", "cut off every time", "stall", "HTML page", "redirect to ftp",
     "redirect to a refused host", "redirect, then 404"],
)  # fmt: skip
def test_credentials_are_never_in_errors_or_logs(
    server: Server, mp3: bytes, dest: Path, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    url = with_credentials(server.route("/ep.mp3", *_handlers(mp3, server)[failure]))

    with caplog.at_level(logging.DEBUG, logger="radiocast"), pytest.raises(FetchError) as raised:
        fetcher(read_timeout_s=0.2, retries=1).download(url, dest)

    error = raised.value
    shown = [error.message, error.hint or "", str(error)] + [r.getMessage() for r in caplog.records]
    assert all(SECRET not in line for line in shown), [line for line in shown if SECRET in line]
    assert f"http://***@127.0.0.1:{server.port}/ep.mp3" in error.message
    assert any("***@" in r.getMessage() for r in caplog.records if r.name.startswith("radiocast"))


def test_credentials_are_sent_but_not_logged(
    server: Server, mp3: bytes, dest: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = with_credentials(server.route("/ep.mp3", serve(mp3)))

    with caplog.at_level(logging.DEBUG, logger="radiocast"):
        result = fetcher().download(url, dest)

    assert result.sha256 == sha256(mp3)
    assert server.seen[0].headers["authorization"] == "Basic " + base64.b64encode(f"radio:{SECRET}".encode()).decode()
    assert all(SECRET not in r.getMessage() for r in caplog.records)
    assert next(r.getMessage() for r in caplog.records if r.name.startswith("radiocast.fetch")) == (
        f"Fetching http://***@127.0.0.1:{server.port}/ep.mp3"
    )


def test_fetch_bytes_hides_credentials_too(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    url = with_credentials(server.route("/feed.xml", status(503, Retry_After="0")))

    with caplog.at_level(logging.DEBUG, logger="radiocast"), pytest.raises(FetchError) as raised:
        fetch_bytes(url, FetchSettings(retries=1), max_bytes=MAX_FEED_BYTES)

    assert SECRET not in str(raised.value)
    assert all(SECRET not in r.getMessage() for r in caplog.records)


# --- refused hosts and networks ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "entry"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.0.0/16"),
        ("http://169.254.170.2/v2/credentials", "169.254.0.0/16"),
        ("http://[fe80::1]/", "fe80::/10"),
        ("http://[fd00:ec2::254]/latest/meta-data/", "fd00:ec2::254/128"),
        ("http://[::ffff:169.254.169.254]/", "169.254.0.0/16"),  # IPv4-mapped
        ("http://2852039166/latest/meta-data/", "169.254.0.0/16"),  # 169.254.169.254 as one number: resolved
        ("http://100.100.100.200/latest/meta-data/", "100.100.100.200/32"),
        ("http://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal"),
        ("http://METADATA.google.internal./computeMetadata/v1/", "metadata.google.internal"),
        ("http://metadata/computeMetadata/v1/", "metadata"),
    ],
)
def test_metadata_and_link_local_addresses_are_refused_by_default(dest: Path, url: str, entry: str) -> None:
    started = time.monotonic()
    with pytest.raises(FetchError) as raised:
        fetcher(connect_timeout_s=5).download(url, dest)

    assert time.monotonic() - started < 1  # refused, not tried
    assert type(raised.value) is FetchError  # not worth retrying later
    assert raised.value.message.startswith(f"GET {url} is refused: ")
    assert f"in fetch.refuse ({entry})" in raised.value.message
    assert (
        raised.value.hint
        == f"if this server is really safe to fetch from, remove {entry} from fetch.refuse in podcast.toml"
    )
    assert not dest.parent.exists() or leftovers(dest) == []


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/iam/", "//169.254.169.254/x", "http://metadata.google.internal/x"],
)
def test_a_redirect_to_a_refused_host_is_refused_before_it_is_sent(server: Server, dest: Path, target: str) -> None:
    url = server.route("/ep.mp3", redirect(target, 302))

    started = time.monotonic()
    with pytest.raises(
        FetchError, match=rf"^GET {url} redirects to http://\S+, which is refused: \S+ is in fetch\.refuse"
    ):
        fetcher(connect_timeout_s=5).download(url, dest)

    assert time.monotonic() - started < 1
    assert [s.path for s in server.seen] == ["/ep.mp3"]


def test_a_name_that_resolves_into_a_refused_network_is_refused(server: Server, dest: Path, mp3: bytes) -> None:
    server.route("/ep.mp3", serve(mp3))
    url = f"http://localhost:{server.port}/ep.mp3"
    settings = FetchSettings(refuse_networks=(ip_network("127.0.0.0/8"),), refuse_hosts=(), retries=0)

    with pytest.raises(
        FetchError, match=r"is refused: localhost resolves to 127\.0\.0\.1, in fetch\.refuse \(127\.0\.0\.0/8\)"
    ):
        Fetcher(settings).download(url, dest)
    assert server.seen == []

    Fetcher(replace(settings, refuse_networks=())).download(url, dest)  # refuse = []: nothing refused
    assert dest.read_bytes() == mp3


def test_loopback_is_allowed_by_default(server: Server, dest: Path, mp3: bytes) -> None:
    assert not any(n.overlaps(ip_network("127.0.0.0/8")) for n in REFUSED_NETWORKS if n.version == 4)
    url = server.route("/ep.mp3", serve(mp3))

    assert Fetcher(FetchSettings()).download(url.replace("127.0.0.1", "localhost"), dest).sha256 == sha256(mp3)


def test_a_refused_host_in_a_subdomain(dest: Path) -> None:
    settings = FetchSettings(refuse_hosts=("example.invalid",))

    with pytest.raises(FetchError, match=r"cdn\.example\.invalid is in fetch\.refuse \(example\.invalid\)"):
        Fetcher(settings).download("http://cdn.example.invalid/ep.mp3", dest)


def test_feeds_and_enclosure_sizes_follow_the_policy(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    feed = server.route("/feed.xml", redirect("http://169.254.169.254/feed.xml"))

    with pytest.raises(FetchError, match=r"redirects to http://169\.254\.169\.254/feed\.xml, which is refused"):
        fetch_bytes(feed, FetchSettings(), max_bytes=MAX_FEED_BYTES)
    with caplog.at_level(logging.WARNING):
        assert remote_size("http://169.254.169.254/ep.mp3", FetchSettings()) is None
    assert "is refused" in caplog.text


# --- podcast.toml [fetch] ----------------------------------------------------------------


def test_fetch_settings_from_podcast_toml() -> None:
    config = parse_config(
        {
            "podcast": PODCAST,
            "fetch": {
                "refuse": ["10.0.0.0/8", "192.168.1.7", "fd00::/8", "Internal.Example.VN.", "báo.vn"],
                "feed_deadline": 30,
            },
        },
        source=Path("podcast.toml"),
    )

    assert config.fetch.refuse_networks == (
        ip_network("10.0.0.0/8"),
        ip_network("192.168.1.7/32"),
        ip_network("fd00::/8"),
    )
    assert config.fetch.refuse_hosts == ("internal.example.vn", "xn--bo-mia.vn")  # IDNA, as "báo.vn".encode("idna")
    assert config.fetch.feed_deadline_s == 30


def test_fetch_defaults() -> None:
    config = parse_config({"podcast": PODCAST}, source=Path("podcast.toml"))

    assert config.fetch.refuse_networks == REFUSED_NETWORKS
    assert config.fetch.refuse_hosts == REFUSED_HOSTS
    assert ip_network("169.254.0.0/16") in REFUSED_NETWORKS
    assert "metadata.google.internal" in REFUSED_HOSTS


@pytest.mark.parametrize(
    ("fetch", "message"),
    [
        (
            {"refuse": ["169.254.0.0/33"]},
            r"fetch\.refuse entry '169\.254\.0\.0/33' is not an IP address, a network or a host name",
        ),
        ({"refuse": ["http://metadata/"]}, r"fetch\.refuse entry 'http://metadata/' is not"),
        ({"refuse": [""]}, r"fetch\.refuse entry '' is not"),
        ({"refuse": [42]}, r"fetch\.refuse entry 42 is not"),
        ({"refuse": "169.254.0.0/16"}, r"fetch\.refuse must be a list"),
        ({"feed_deadline": 0}, r"fetch\.feed_deadline = 0 must be positive"),
    ],
)
def test_bad_fetch_settings_name_the_key_and_the_file(fetch: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=rf"^podcast\.toml: {message}"):
        parse_config({"podcast": PODCAST, "fetch": fetch}, source=Path("podcast.toml"))


def test_redirects_to_other_schemes_never_reach_a_handler(server: Server, dest: Path) -> None:
    # requests would also refuse them (no adapter), but with the URL, credentials and all, in its message.
    url = server.route("/ep.mp3", redirect(f"file://radio:{SECRET}@localhost/etc/passwd"))

    with pytest.raises(FetchError) as raised:
        fetcher().download(url, dest)

    assert (
        raised.value.message == f"GET {url} redirects to file://***@localhost/etc/passwd, which is not an http(s) URL"
    )


def _unused(h: RequestHandler) -> None:  # pragma: no cover - a route no test should reach
    raise AssertionError(h.path)
