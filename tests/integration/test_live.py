"""The live broadcast: a manifest's [live] slot in the feed as podcast:liveItem, pending → live → ended
as publish's clock passes (no sleeping), then replaced by the recording's episode."""

from __future__ import annotations

import io
import json
import shutil
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import feedparser
import podcastparser
from click.testing import CliRunner
from lxml import etree
from station import Station

from radiocast import check, pipeline, queries
from radiocast.broadcast import ENDED_KEPT
from radiocast.cli import cli
from radiocast.validate import Severity

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NS = {"podcast": "https://podcastindex.org/namespace/1.0"}
START = datetime(2026, 12, 25, 8, 0, tzinfo=TZ)
END = datetime(2026, 12, 25, 9, 30, tzinfo=TZ)
TITLE = "Kỳ 88: Giải quyết khiếu nại về đất đai"
SUMMARY = "Lãnh đạo huyện trả lời trực tiếp câu hỏi của người dân xã Tân Thành."
STREAM = "https://radio.example.vn/laivung/truc-tiep.mp3"
SITE = "https://radio.example.vn/laivung/feeds/index.html"
LIVE = f"""\
title = "{TITLE}"
summary = "{SUMMARY}"

[live]
start = "2026-12-25 08:00"
end = "2026-12-25 09:30"
stream = "{STREAM}"
"""


def _manifest(station: Station, body: str = LIVE, name: str = "ky-88.toml") -> None:
    (station.root / "seeds" / name).write_text(body, encoding="utf-8")


def _with_recording(station: Station) -> None:
    (station.root / "recordings").mkdir(exist_ok=True)
    station.mp3_factory(station.root / "recordings" / "ky-88.mp3", seconds=2)
    _manifest(station, 'audio = "recordings/ky-88.mp3"\n' + LIVE)


def _feed(station: Station) -> bytes:
    return (station.root / "feeds" / "podcast.xml").read_bytes()


def _live_items(station: Station) -> list[etree._Element]:
    return etree.fromstring(_feed(station)).findall("channel/podcast:liveItem", NS)


def _publish(station: Station, now: datetime, *seeds: str) -> None:
    report = pipeline.publish(station.root, [station.root / "seeds" / s for s in seeds] or None, now=now)
    assert not report.failed, report.results


def _status(station: Station, now: datetime) -> str:
    """The live item's status, after checking the feed is still what apps read unharmed."""
    (live,) = _live_items(station)
    parsed = feedparser.parse(_feed(station))
    assert not parsed.bozo
    # feedparser takes a stray <link> or <description> for the channel's: the channel's own must win.
    assert parsed.feed.title == "Chính quyền đối thoại với Nhân dân qua sóng phát thanh"
    assert parsed.feed.link == SITE
    assert parsed.feed.description != SUMMARY
    assert parsed.feed.podcast_liveitem["status"] == live.get("status")
    channel = podcastparser.parse("https://radio.example.vn/laivung/feeds/podcast.xml", io.BytesIO(_feed(station)))
    assert channel["title"] == parsed.feed.title
    # The live item is no episode: only the real items are.
    assert [e["guid"] for e in channel["episodes"]] == etree.fromstring(_feed(station)).xpath(
        "channel/item/guid/text()"
    )
    assert [e.id for e in parsed.entries] == [e["guid"] for e in channel["episodes"]]
    problems = check.check_feed(station.root)
    assert [p for p in problems if p.severity is Severity.ERROR] == [], problems
    assert [p.rule for p in problems if p.rule.startswith("live")] == [], problems
    return str(live.get("status"))


def test_pending_live_ended_then_the_recording_replaces_it(station: Station) -> None:
    _manifest(station)
    _publish(station, START - timedelta(days=3))
    (live,) = _live_items(station)
    assert live.attrib == {
        "status": "pending",
        "start": "2026-12-25T08:00:00+07:00",
        "end": "2026-12-25T09:30:00+07:00",
    }
    assert live.findtext("title") == TITLE
    assert live.findtext("description") == SUMMARY
    enclosure = live.find("enclosure")
    assert enclosure is not None
    assert (enclosure.get("url"), enclosure.get("type")) == (STREAM, "audio/mpeg")
    assert live.find("podcast:contentLink", NS).get("href") == SITE  # type: ignore[union-attr]
    live_guid = live.findtext("guid")
    assert live.find("guid").get("isPermaLink") == "false"  # type: ignore[union-attr]
    # Before the items and ahead of the channel's link and description (feedparser reads the last one).
    channel = live.getparent()
    assert channel is not None
    assert [c.tag for c in channel][:3] == ["title", f"{{{NS['podcast']}}}liveItem", "link"]
    assert _status(station, START - timedelta(days=3)) == "pending"
    # Nothing was made: there is no recording before the broadcast.
    assert list((station.root / "audio").glob("*.mp3")) == []

    for now, status in [
        (START - timedelta(seconds=1), "pending"),
        (START, "live"),
        (END - timedelta(seconds=1), "live"),
        (END, "ended"),
        (END + timedelta(hours=3), "ended"),
    ]:
        _publish(station, now)
        assert _status(station, now) == status, now

    # The recording arrives: the episode takes the live item's place and its GUID.
    _with_recording(station)
    _publish(station, END + timedelta(hours=4))
    assert _live_items(station) == []
    root = etree.fromstring(_feed(station))
    assert root.xpath("/rss/channel/item/guid/text()") == [live_guid]
    assert root.xpath("/rss/channel/item/pubDate/text()") == ["Fri, 25 Dec 2026 08:00:00 +0700"]
    parsed = podcastparser.parse("https://radio.example.vn/laivung/feeds/podcast.xml", io.BytesIO(_feed(station)))
    assert [e["guid"] for e in parsed["episodes"]] == [live_guid]
    assert [r.state for r in queries.status(station.root, now=END + timedelta(hours=4))] == ["published"]


def test_the_feed_changes_only_when_the_status_does(station: Station) -> None:
    _manifest(station)
    _publish(station, START - timedelta(hours=2))
    pending = _feed(station)
    _publish(station, START - timedelta(hours=1))
    assert _feed(station) == pending
    _publish(station, START + timedelta(minutes=1))
    assert _feed(station) != pending
    assert _status(station, START) == "live"


def test_the_slot_is_in_the_catalog_when_other_seeds_are_published(station: Station) -> None:
    station.serve_mp3("ky-87.mp3", seconds=2)
    station.seed("ky-87.txt", title="Kỳ 87: An sinh xã hội", url=station.url("ky-87.mp3"), date="25/11/2026 08:00:00")
    _manifest(station)
    _publish(station, START - timedelta(days=1))
    _publish(station, START + timedelta(minutes=10), "ky-87.txt")
    assert _status(station, START) == "live"
    assert etree.fromstring(_feed(station)).xpath("/rss/channel/item/title/text()") == ["Kỳ 87: An sinh xã hội"]


def test_removing_the_live_table_or_the_manifest_drops_the_slot(station: Station) -> None:
    _manifest(station)
    _publish(station, START - timedelta(days=1))
    assert len(_live_items(station)) == 1
    # The station cancels the broadcast: the programme keeps its manifest, dated later, without [live].
    _manifest(station, f'title = "{TITLE}"\ndate = "2027-01-25 08:00"\naudio = "recordings/ky-88.mp3"\n')
    (station.root / "recordings").mkdir()
    station.mp3_factory(station.root / "recordings" / "ky-88.mp3", seconds=2)
    _publish(station, START - timedelta(days=1))
    assert _live_items(station) == []
    assert [r.state for r in queries.status(station.root, now=START)] == ["scheduled"]

    _manifest(station, LIVE, name="ky-89.toml")
    _publish(station, START - timedelta(days=1))
    assert len(_live_items(station)) == 1
    (station.root / "seeds" / "ky-89.toml").unlink()
    _publish(station, START - timedelta(days=1))
    assert _live_items(station) == []


def test_an_ended_slot_without_recording_leaves_after_a_week(station: Station) -> None:
    _manifest(station)
    _publish(station, END + ENDED_KEPT - timedelta(seconds=1))
    assert _status(station, END) == "ended"
    _publish(station, END + ENDED_KEPT)
    assert _live_items(station) == []
    (row,) = queries.status(station.root, now=END + ENDED_KEPT)
    assert (row.state, row.in_feed) == ("live-ended", False)
    # The recording may still come later: it is published as the programme's episode.
    _with_recording(station)
    _publish(station, END + ENDED_KEPT + timedelta(days=1))
    assert [r.state for r in queries.status(station.root, now=END + ENDED_KEPT)] == ["published"]


def test_status_shows_the_slot_and_its_state(station: Station) -> None:
    # The CLI reads the real clock: a slot placed around it.
    now = datetime.now(TZ).replace(second=0, microsecond=0)
    start, end = now + timedelta(days=1), now + timedelta(days=1, hours=1)
    body = LIVE.replace("2026-12-25 08:00", f"{start:%Y-%m-%d %H:%M}").replace(
        "2026-12-25 09:30", f"{end:%Y-%m-%d %H:%M}"
    )
    _manifest(station, body)
    _publish(station, now)
    assert [(r.state, r.in_feed) for r in queries.status(station.root, now=start)] == [("live", True)]
    result = CliRunner().invoke(cli, ["--lang", "en", "-C", str(station.root), "status", "--json"])
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.output)
    assert row["state"] == "live-pending"
    assert row["seed"] == "seeds/ky-88.toml"
    assert row["date"] == start.isoformat()
    assert row["in_feed"] is True
    assert row["live"]["start"] == start.isoformat()
    assert row["live"]["end"] == end.isoformat()
    assert row["live"]["stream"] == STREAM
    assert row["live"]["guid"] == _live_items(station)[0].findtext("guid")
    table = CliRunner().invoke(cli, ["--lang", "en", "-C", str(station.root), "status"])
    assert "live, upcoming" in table.output
    assert f"{start:%Y-%m-%d %H:%M}" in table.output
    vietnamese = CliRunner().invoke(cli, ["--lang", "vi", "-C", str(station.root), "status"])
    assert "live, upcoming" not in vietnamese.output


def test_the_workspace_moves_without_its_slot_being_lost(station: Station, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    """The feed is derived: deleting feeds/ and publishing again gives the same live item."""
    _manifest(station)
    _publish(station, START)
    before = _feed(station)
    shutil.rmtree(station.root / "feeds")
    _publish(station, START)
    assert _feed(station) == before


def test_a_recording_taken_back_before_its_release_is_not_published(station: Station) -> None:
    (station.root / "recordings").mkdir()
    station.mp3_factory(station.root / "recordings" / "ky-88.mp3", seconds=2)
    _manifest(station, 'date = "2026-12-26 08:00"\naudio = "recordings/ky-88.mp3"\n' + LIVE)
    _publish(station, START - timedelta(days=1))
    assert sorted(r.state for r in queries.status(station.root, now=START - timedelta(days=1))) == [
        "live-pending",
        "scheduled",
    ]
    _manifest(station)
    _publish(station, START - timedelta(days=1))
    assert [r.state for r in queries.status(station.root, now=START - timedelta(days=1))] == ["live-pending"]
    _publish(station, START + timedelta(days=2))
    assert etree.fromstring(_feed(station)).findall("channel/item") == []
    assert _status(station, START + timedelta(days=2)) == "ended"


def _announced(station: Station) -> str | None:
    """The live section of the programme's page (the liveItem's contentLink): its text, or None."""
    page = etree.HTML((station.root / "feeds" / "index.html").read_bytes())
    (section,) = page.xpath("//section[@id='truc-tiep']") or [None]
    if section is None:
        return None
    streams = section.xpath(".//audio/@src")
    return " ".join(" ".join(section.itertext()).split()) + (f" [{streams[0]}]" if streams else "")


def test_the_programme_page_announces_the_broadcast(station: Station) -> None:
    _manifest(station)
    _publish(station, START - timedelta(days=1))
    assert _announced(station) == (
        f"Phát trực tiếp {TITLE} Sắp phát trực tiếp · Thứ Sáu, 25/12/2026, 08:00–09:30 {SUMMARY}"
    )
    _publish(station, START + timedelta(minutes=5))
    assert _announced(station) == (
        f"Phát trực tiếp {TITLE} Đang phát trực tiếp · Thứ Sáu, 25/12/2026, 08:00–09:30 {SUMMARY} "
        f"Mở luồng phát trực tiếp [{STREAM}]"
    )
    _publish(station, END)
    assert "Đã phát xong" in (_announced(station) or "")
    _with_recording(station)
    _publish(station, END + timedelta(hours=1))
    assert _announced(station) is None
