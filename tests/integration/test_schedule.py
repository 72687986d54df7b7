"""Scheduled episodes: made ahead, held out of the feed and pages, released by a later publish."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
from click.testing import CliRunner
from lxml import etree
from station import Station

from radiocast import pipeline, queries
from radiocast.cli import cli

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AIR = datetime(2026, 12, 25, 8, 0, tzinfo=TZ)
SLUG = "ky-87-an-sinh-xa-hoi-o-lai-vung"


def _scheduled(station: Station, date: str = "25/12/2026 08:00:00") -> None:
    station.serve_mp3("ky-87.mp3", seconds=2)
    station.seed("ky-87.txt", title="Kỳ 87: An sinh xã hội ở Lai Vung", url=station.url("ky-87.mp3"), date=date)


def _guids(station: Station) -> list[str]:
    parsed = feedparser.parse((station.root / "feeds" / "podcast.xml").read_bytes())
    assert not parsed.bozo
    return [e.title for e in parsed.entries]


def _leaks(station: Station) -> list[str]:
    """Every published text that names the held episode (feed, pages, stylesheet, anything under feeds/)."""
    return [
        p.name
        for p in (station.root / "feeds").iterdir()
        if p.suffix in (".xml", ".html", ".xsl") and SLUG.encode() in p.read_bytes()
    ]


def test_future_episode_is_made_but_held_until_its_time(station: Station) -> None:
    _scheduled(station)
    before = AIR - timedelta(hours=2)
    report = pipeline.publish(station.root, now=before)
    assert not report.failed, report.results
    assert report.episodes_in_feed == 0
    # Processed and stored…
    assert (station.root / "audio" / f"{SLUG}.mp3").is_file()
    # …but in neither the feed nor the pages.
    assert _guids(station) == []
    assert _leaks(station) == []
    assert not (station.root / "feeds" / f"{SLUG}.html").exists()
    rows = queries.status(station.root)
    assert [(r.state, r.date, r.in_feed) for r in rows] == [("scheduled", AIR, False)]

    # A re-publish at the same time fetches nothing and changes no byte of the feed.
    feed = (station.root / "feeds" / "podcast.xml").read_bytes()
    pipeline.publish(station.root, now=before + timedelta(minutes=5))
    assert station.requests_for("ky-87.mp3") == 1
    assert (station.root / "feeds" / "podcast.xml").read_bytes() == feed

    # One second early: still held. At its time: released, with the seed's date as pubDate.
    pipeline.publish(station.root, now=AIR - timedelta(seconds=1))
    assert _guids(station) == []
    report = pipeline.publish(station.root, now=AIR)
    assert report.episodes_in_feed == 1
    assert station.requests_for("ky-87.mp3") == 1  # released, not made again
    root = etree.fromstring((station.root / "feeds" / "podcast.xml").read_bytes())
    assert root.xpath("/rss/channel/item/pubDate/text()") == ["Fri, 25 Dec 2026 08:00:00 +0700"]
    assert (station.root / "feeds" / f"{SLUG}.html").is_file()
    assert [r.state for r in queries.status(station.root)] == ["published"]


def test_moving_the_date_back_releases_at_the_next_publish(station: Station) -> None:
    _scheduled(station)
    now = datetime(2026, 12, 5, 20, 0, tzinfo=TZ)
    pipeline.publish(station.root, now=now)
    assert _guids(station) == []
    # The station brings it forward to this morning: the next run puts it out with the new date.
    _scheduled(station, date="05/12/2026 07:30:00")
    pipeline.publish(station.root, now=now)
    assert _guids(station) == ["Kỳ 87: An sinh xã hội ở Lai Vung"]
    root = etree.fromstring((station.root / "feeds" / "podcast.xml").read_bytes())
    assert root.xpath("/rss/channel/item/pubDate/text()") == ["Sat, 05 Dec 2026 07:30:00 +0700"]
    # Once out, its date is fixed: moving the seed into the future again takes nothing back.
    _scheduled(station, date="01/01/2027 08:00:00")
    pipeline.publish(station.root, now=now)
    root = etree.fromstring((station.root / "feeds" / "podcast.xml").read_bytes())
    assert root.xpath("/rss/channel/item/pubDate/text()") == ["Sat, 05 Dec 2026 07:30:00 +0700"]


def test_a_held_episode_beside_a_published_one(station: Station) -> None:
    station.serve_mp3("old.mp3", seconds=2)
    station.seed("old.txt", title="Kỳ 86: Đất đai", url=station.url("old.mp3"), date="25/11/2026 08:00:00")
    _scheduled(station)
    pipeline.publish(station.root, now=AIR - timedelta(days=1))
    assert _guids(station) == ["Kỳ 86: Đất đai"]
    assert _leaks(station) == []
    index = (station.root / "feeds" / "index.html").read_text(encoding="utf-8")
    assert "Kỳ 86" in index
    assert "Kỳ 87" not in index


def test_status_json_shows_scheduled(station: Station) -> None:
    _scheduled(station)
    pipeline.publish(station.root, now=AIR - timedelta(days=1))
    result = CliRunner().invoke(cli, ["--lang", "en", "-C", str(station.root), "status", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["state"] == "scheduled"
    assert row["date"] == "2026-12-25T08:00:00+07:00"
    assert row["in_feed"] is False
    table = CliRunner().invoke(cli, ["--lang", "en", "-C", str(station.root), "status"])
    assert "scheduled" in table.output
    assert "2026-12-25 08:00" in table.output
