"""WebSub and Podcast Index pings: one per changed feed, none otherwise, and never a lost publish."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qs

import feedparser
import pytest
from PIL import Image
from station import Station
from werkzeug import Request

from nginx import free_port
from radiocast import pipeline
from radiocast.errors import ConfigError
from radiocast.models import Outcome

FEED_URL = "https://radio.example.vn/laivung/feeds/podcast.xml"
COVER = "audio/cover.jpg"


def configure(station: Station, hub: str | None = None) -> str:
    hub = hub or station.server.url_for("/hub")
    pubnotify = station.server.url_for("/api/1.0/hub/pubnotify")
    config = station.root / "podcast.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[notify]\nhubs = ["{hub}"]\npodcast_index = true\npodcast_index_url = "{pubnotify}"\n',
        encoding="utf-8",
    )
    return hub


def hub_pings(station: Station) -> list[Request]:
    return [request for request, _ in station.server.log if request.path == "/hub"]


def index_pings(station: Station) -> list[Request]:
    return [request for request, _ in station.server.log if request.path == "/api/1.0/hub/pubnotify"]


def add_episode(station: Station, name: str, title: str, date: str) -> None:
    station.serve_mp3(f"{name}.mp3", seconds=2.0, freq=200 + len(name) * 40)
    station.seed(f"{name}.txt", title=title, url=station.url(f"{name}.mp3"), date=date)


def publish(station: Station) -> pipeline.PublishReport:
    report = pipeline.publish(station.root)
    assert all(r.outcome is not Outcome.FAILED for r in report.results), report.results
    return report


@pytest.fixture
def hub(station: Station) -> Station:
    configure(station)
    station.server.expect_request("/hub", method="POST").respond_with_data("", status=204)
    station.server.expect_request("/api/1.0/hub/pubnotify", method="GET").respond_with_json({"status": "true"})
    add_episode(station, "one", "Kỳ 85: Đường giao thông nông thôn xã Tân Hòa", "19/11/2021 08:00:00")
    return station


def test_one_ping_per_changed_feed_and_none_when_nothing_changed(hub: Station) -> None:
    report = publish(hub)
    assert [p.ok for p in report.pings] == [True, True]
    [ping] = hub_pings(hub)
    assert ping.method == "POST"
    assert ping.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(ping.get_data(as_text=True)) == {"hub.mode": ["publish"], "hub.url": [FEED_URL]}
    [index] = index_pings(hub)
    assert index.args.to_dict() == {"url": FEED_URL}

    assert publish(hub).pings == ()
    assert len(hub_pings(hub)) == 1

    add_episode(hub, "two", "Kỳ 86: Tháo gỡ vướng mắc về đất đai ở xã Tân Thành", "19/12/2021 08:00:00")
    publish(hub)
    assert len(hub_pings(hub)) == 2
    assert len(index_pings(hub)) == 2


def test_the_feed_names_its_hubs(hub: Station) -> None:
    publish(hub)
    parsed = feedparser.parse((hub.root / "feeds" / "podcast.xml").read_bytes())
    assert parsed.bozo == 0
    links = {(link["rel"], link["href"]) for link in parsed.feed.links}
    assert ("hub", hub.server.url_for("/hub")) in links
    assert ("self", FEED_URL) in links


def test_no_ping_while_the_gate_fails_and_one_once_it_passes(hub: Station) -> None:
    publish(hub)
    assert len(hub_pings(hub)) == 1
    # A new episode changes the feed, but the artwork now breaks Apple's rules: nobody is told.
    Image.new("RGB", (600, 600), "red").save(hub.root / COVER, "JPEG")
    add_episode(hub, "two", "Kỳ 86: Tháo gỡ vướng mắc về đất đai ở xã Tân Thành", "19/12/2021 08:00:00")
    assert publish(hub).pings == ()
    assert len(hub_pings(hub)) == 1
    # Fixing the artwork leaves the feed's bytes as they were; the ping still owed goes out once.
    Image.new("RGB", (1400, 1400), "blue").save(hub.root / COVER, "JPEG")
    assert [p.ok for p in publish(hub).pings] == [True, True]
    assert len(hub_pings(hub)) == 2
    publish(hub)
    assert len(hub_pings(hub)) == 2


def test_a_failing_hub_is_a_warning_and_is_asked_again(station: Station, caplog: pytest.LogCaptureFixture) -> None:
    configure(station)
    station.server.expect_oneshot_request("/hub", method="POST").respond_with_data("busy", status=503)
    station.server.expect_request("/hub", method="POST").respond_with_data("", status=202)
    station.server.expect_request("/api/1.0/hub/pubnotify").respond_with_json({"status": "true"})
    add_episode(station, "one", "Kỳ 85: Đường giao thông nông thôn xã Tân Hòa", "19/11/2021 08:00:00")
    with caplog.at_level(logging.WARNING):
        report = publish(station)
    assert report.episodes_in_feed == 1
    assert (station.root / "feeds" / "podcast.xml").is_file()
    assert [(p.ok, p.error) for p in report.pings] == [(False, "HTTP 503"), (True, None)]
    assert any("HTTP 503" in r.getMessage() and "/hub" in r.getMessage() for r in caplog.records)
    # Nothing changed, but the hub is still owed its ping (and Podcast Index is not asked twice).
    again = publish(station)
    assert [p.target for p in again.pings] == [station.server.url_for("/hub")]
    assert len(hub_pings(station)) == 2
    assert len(index_pings(station)) == 1
    assert publish(station).pings == ()


def test_an_unreachable_hub_never_fails_the_publish(station: Station) -> None:
    configure(station, hub=f"http://127.0.0.1:{free_port()}/hub")
    station.server.expect_request("/api/1.0/hub/pubnotify").respond_with_json({"status": "true"})
    add_episode(station, "one", "Kỳ 85: Đường giao thông nông thôn xã Tân Hòa", "19/11/2021 08:00:00")
    report = publish(station)
    assert [p.ok for p in report.pings] == [False, True]
    assert "127.0.0.1" in (report.pings[0].error or "")
    assert report.episodes_in_feed == 1


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ('hubs = ["http://pubsubhubbub.appspot.com/"]', "notify.hubs"),
        ('hubs = ["not a url"]', "notify.hubs"),
        ('podcast_index_url = "ftp://example.vn/"', "notify.podcast_index_url"),
        ("podping = true", "notify.podping"),
    ],
)
def test_a_wrong_notify_table_is_one_line_naming_the_key(station: Station, table: str, words: str) -> None:
    config = station.root / "podcast.toml"
    config.write_text(config.read_text(encoding="utf-8") + f"\n[notify]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        pipeline.publish(station.root)
    assert words in str(caught.value)
    assert str(Path("podcast.toml")) in str(caught.value)
    assert "\n" not in str(caught.value)
