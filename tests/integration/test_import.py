"""radiocast import: another tool's feed taken over, every GUID and pubDate kept through publish."""

from __future__ import annotations

import calendar
import io
import uuid
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import podcastparser
import pytest
from click.testing import CliRunner
from old_feed import OldFeed, OldItem, three_episodes
from station import Station

from radiocast import importer, pipeline
from radiocast.catalog import Catalog
from radiocast.cli import cli
from radiocast.errors import ConfigError, FeedInputError
from radiocast.feed import podcast_guid
from radiocast.models import Outcome
from radiocast.scaffold import create_workspace
from radiocast.workspace import Workspace

OLD_FEED_PATH = "/old/rss.xml"


def serve_old_feed(station: Station, feed: OldFeed) -> str:
    """The old host: its feed and its MP3s on 127.0.0.1."""
    for n, name in enumerate(("ky-1.mp3", "ky-2.mp3", "ky-3.mp3")):
        station.serve_mp3(name, seconds=2.0 + n, freq=220 + 110 * n)
    station.server.expect_request(OLD_FEED_PATH).respond_with_data(feed.xml(), content_type="application/rss+xml")
    return station.server.url_for(OLD_FEED_PATH)


EPISODE_GUIDS = ["https://old-host.example.vn/tap/1", "tag:old-host.example.vn,2019:tap-2", "a1b2c3-ky-3"]


def episodes_only(published: dict[str, int]) -> dict[str, int]:
    return {guid: published[guid] for guid in EPISODE_GUIDS}


def by_podcastparser(url: str, data: bytes) -> dict[str, int]:
    """guid → published (Unix time), as gPodder reads them."""
    parsed = podcastparser.parse(url, io.BytesIO(data))
    return {episode["guid"]: episode["published"] for episode in parsed["episodes"]}


def by_feedparser(data: bytes) -> dict[str, int]:
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.bozo_exception
    return {entry.id: calendar.timegm(entry.published_parsed) for entry in parsed.entries}


def test_import_then_publish_keeps_every_guid_and_pubdate(station: Station) -> None:
    old = three_episodes(station.url)
    old_url = serve_old_feed(station, old)
    old_bytes = old.xml()

    report = importer.import_feed(station.root, old_url)
    assert [item.guid for _, item in report.written] == EPISODE_GUIDS
    assert len(report.skipped) == 2
    # The old feed had no podcast:guid: it is the one §2.2 gives its URL, not the new one's.
    assert report.podcast_guid == podcast_guid(old_url)

    published = pipeline.publish(station.root)
    assert [r.outcome for r in published.results] == [Outcome.PUBLISHED] * 3, published.results
    ours = (station.root / "feeds" / "podcast.xml").read_bytes()
    new_url = "https://radio.example.vn/laivung/feeds/podcast.xml"

    # The old feed's items that are not episodes (no audio) are not in ours.
    assert by_podcastparser(new_url, ours) == episodes_only(by_podcastparser(old_url, old_bytes))
    assert by_feedparser(ours) == episodes_only(by_feedparser(old_bytes))
    parsed = feedparser.parse(ours)
    assert parsed.feed.podcast_guid == podcast_guid(old_url)
    titles = {entry.title for entry in parsed.entries}
    assert "Kỳ 2: Tháo gỡ vướng mắc về đất đai – xã Tân Thành" in titles
    notes = next(e for e in parsed.entries if e.id.endswith("/tap/1")).summary
    assert "Nguyễn Văn Bình" in notes
    assert "<b>" not in notes
    assert "đất đai &amp; nhà ở" in notes  # the old notes' text, escaped once as HTML again


def test_a_second_import_and_publish_change_nothing(station: Station, snapshot) -> None:  # type: ignore[no-untyped-def]
    old_url = serve_old_feed(station, three_episodes(station.url))
    importer.import_feed(station.root, old_url)
    pipeline.publish(station.root)
    before = snapshot(station.root / "seeds"), (station.root / "feeds" / "podcast.xml").read_bytes()

    again = importer.import_feed(station.root, old_url)
    assert again.written == ()
    assert len(again.kept) == 3
    report = pipeline.publish(station.root)
    assert [r.outcome for r in report.results] == [Outcome.UNCHANGED] * 3
    assert (snapshot(station.root / "seeds"), (station.root / "feeds" / "podcast.xml").read_bytes()) == before


def test_the_date_keeps_its_seconds_and_offset(station: Station) -> None:
    old_url = serve_old_feed(station, three_episodes(station.url))
    report = importer.import_feed(station.root, old_url)
    third = next(seed for seed, item in report.written if item.guid == "a1b2c3-ky-3")
    text = (station.root / third).read_text(encoding="utf-8")
    assert 'date = "2019-05-15 21:45:59-05:00"' in text
    assert 'guid = "a1b2c3-ky-3"' in text
    pipeline.publish(station.root)
    feed = (station.root / "feeds" / "podcast.xml").read_text(encoding="utf-8")
    # The same instant, said in the podcast's own offset.
    assert "<pubDate>Thu, 16 May 2019 09:45:59 +0700</pubDate>" in feed
    assert parsedate_to_datetime("Thu, 16 May 2019 09:45:59 +0700") == parsedate_to_datetime(
        "Wed, 15 May 2019 21:45:59 -0500"
    )


def test_dry_run_lists_and_writes_nothing(station: Station, snapshot) -> None:  # type: ignore[no-untyped-def]
    old_url = serve_old_feed(station, three_episodes(station.url))
    before = snapshot(station.root)
    result = CliRunner().invoke(cli, ["-C", str(station.root), "import", old_url, "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("\n") == 3
    assert "seeds/2019-05-16-ky-3-giai-quyet-y-kien-kien-nghi-cua-cu-tri.toml\ta1b2c3-ky-3\t" in result.stdout
    assert "dry run: 3 manifests to write, 0 already imported, 2 skipped" in result.stderr
    assert snapshot(station.root) == before


def test_items_that_are_not_episodes_are_skipped_with_one_line_each(station: Station) -> None:
    old_url = serve_old_feed(station, three_episodes(station.url))
    result = CliRunner().invoke(cli, ["-C", str(station.root), "import", old_url])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("radiocast: warning:")]
    assert warnings == [
        f"radiocast: warning: {old_url}: skipped 'Thông báo lịch phát sóng': no enclosure",
        f"radiocast: warning: {old_url}: skipped 'Video: toàn cảnh buổi đối thoại': its enclosure is video/mp4, not audio",
    ]
    assert "3 manifests written, 0 already imported, 2 skipped" in result.stderr


def test_two_items_with_one_guid_are_refused_naming_both(station: Station) -> None:
    feed = OldFeed(
        items=[
            OldItem(
                title="Kỳ 1", guid="same", pub_date="Sat, 02 Mar 2019 18:30:05 +0700", enclosure=station.url("ky-1.mp3")
            ),
            OldItem(
                title="Kỳ 2", guid="same", pub_date="Sun, 03 Mar 2019 18:30:05 +0700", enclosure=station.url("ky-2.mp3")
            ),
        ]
    )
    old_url = serve_old_feed(station, feed)
    with pytest.raises(FeedInputError, match=r"items 'Kỳ 1' and 'Kỳ 2' share the guid 'same'"):
        importer.import_feed(station.root, old_url)
    assert not list((station.root / "seeds").glob("*.toml"))


def test_the_old_podcast_guid_is_adopted(station: Station, tmp_path: Path) -> None:
    kept = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    feed = three_episodes(station.url)
    feed.podcast_guid = kept
    serve_old_feed(station, feed)
    saved = tmp_path / "old.xml"
    saved.write_bytes(feed.xml())
    report = importer.import_feed(station.root, str(saved), feed_url="https://old-host.example.vn/rss")
    assert report.podcast_guid == kept
    assert [r.outcome for r in pipeline.publish(station.root).results] == [Outcome.PUBLISHED] * 3
    assert feedparser.parse(station.root / "feeds" / "podcast.xml").feed.podcast_guid == kept


def test_a_saved_copy_without_podcast_guid_needs_the_old_url(station: Station, tmp_path: Path) -> None:
    saved = tmp_path / "old.xml"
    saved.write_bytes(three_episodes(station.url).xml())
    result = CliRunner().invoke(cli, ["-C", str(station.root), "import", str(saved)])
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] + "\n" == (
        f"radiocast: error: {saved} has no podcast:guid and radiocast cannot tell the old feed's URL to derive one"
        " — give it with --feed-url URL\n"
    )
    ok = CliRunner().invoke(
        cli, ["-C", str(station.root), "import", str(saved), "--feed-url", "https://old-host.example.vn/rss"]
    )
    assert ok.exit_code == 0, ok.output
    assert f"podcast:guid {podcast_guid('https://old-host.example.vn/rss')}" in ok.stderr


def test_a_workspace_with_published_episodes_keeps_its_podcast_guid(station: Station) -> None:
    station.serve_mp3("own.mp3")
    station.seed("own.txt", title="Đổi mới lề lối làm việc", url=station.url("own.mp3"))
    pipeline.publish(station.root)
    feed = three_episodes(station.url)
    feed.podcast_guid = str(uuid.uuid4())
    old_url = serve_old_feed(station, feed)
    with pytest.raises(ConfigError, match=r"is not this workspace's .*, which has published episodes"):
        importer.import_feed(station.root, old_url)
    assert not list((station.root / "seeds").glob("*.toml"))
    with Catalog(Workspace(station.root).catalog_path) as catalog:
        assert catalog.meta("podcast_guid") == podcast_guid("https://radio.example.vn/laivung/feeds/podcast.xml")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"<html><body>Not found</body></html>", "is not an RSS feed (its root is <html>)"),
        (b"<rss><channel><item>", "is not well-formed XML"),
    ],
)
def test_an_unreadable_feed_is_one_line(station: Station, body: bytes, expected: str) -> None:
    station.server.expect_request("/broken.xml").respond_with_data(body, content_type="text/html")
    url = station.server.url_for("/broken.xml")
    result = CliRunner().invoke(cli, ["-C", str(station.root), "import", url])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"radiocast: error: {url} ")
    assert expected in result.stderr


def test_a_missing_file_is_one_line(station: Station, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.xml"
    result = CliRunner().invoke(cli, ["-C", str(station.root), "import", str(missing)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"radiocast: error: {missing}: no such feed file — give the old feed's http(s) URL or the path of a saved copy\n"
    )


def manifest(station: Station, name: str, *, guid: str | None, audio: str) -> Path:
    path = station.root / "seeds" / name
    kept = f'guid = "{guid}"\n' if guid else ""
    path.write_text(f'title = "Kỳ 86: Đất đai"\ndate = "2021-12-25 08:00"\naudio = "{audio}"\n{kept}', encoding="utf-8")
    return path


def test_a_published_episode_s_guid_cannot_change(station: Station) -> None:
    station.serve_mp3("ky-86.mp3")
    manifest(station, "ky-86.toml", guid="tag:old-host.example.vn,2021:86", audio=station.url("ky-86.mp3"))
    pipeline.publish(station.root)
    feed = (station.root / "feeds" / "podcast.xml").read_bytes()

    manifest(station, "ky-86.toml", guid="tag:old-host.example.vn,2021:86-sua", audio=station.url("ky-86.mp3"))
    report = pipeline.publish(station.root)
    assert [r.error for r in report.failed] == [
        "seeds/ky-86.toml: guid 'tag:old-host.example.vn,2021:86-sua' differs from the published episode's "
        "'tag:old-host.example.vn,2021:86' — a GUID never changes once published: put the old guid back"
    ]
    assert (station.root / "feeds" / "podcast.xml").read_bytes() == feed


def test_two_manifests_with_one_guid(station: Station) -> None:
    station.serve_mp3("ky-86.mp3")
    station.serve_mp3("ky-87.mp3", freq=330)
    manifest(station, "a.toml", guid="same", audio=station.url("ky-86.mp3"))
    manifest(station, "b.toml", guid="same", audio=station.url("ky-87.mp3"))
    report = pipeline.publish(station.root)
    assert [r.error for r in report.failed] == [
        "seeds/b.toml: has the same guid as seeds/a.toml (same) — remove one of the two seeds"
    ]
    assert report.episodes_in_feed == 1


def test_an_old_podcast_guid_that_is_not_a_uuid_is_refused(station: Station) -> None:
    feed = three_episodes(station.url)
    feed.podcast_guid = "laivung-podcast"
    old_url = serve_old_feed(station, feed)
    with pytest.raises(FeedInputError, match=r"its podcast:guid 'laivung-podcast' is not a UUID"):
        importer.import_feed(station.root, old_url)
    assert not list((station.root / "seeds").glob("*.toml"))


@pytest.mark.parametrize("locked", ["yes", "Yes"])
def test_a_locked_feed_is_not_imported(station: Station, locked: str) -> None:
    feed = three_episodes(station.url)
    feed.locked = locked
    old_url = serve_old_feed(station, feed)
    result = CliRunner().invoke(cli, ["-C", str(station.root), "import", old_url])
    assert result.exit_code == 1
    assert result.stderr == (
        f"radiocast: error: {old_url} is locked against import (<podcast:locked>yes</podcast:locked>)"
        " — its owner sets podcast:locked to no on the old host for the move, then imports again\n"
    )
    assert not list((station.root / "seeds").glob("*.toml"))


def test_a_radiocast_feed_moving_away_is_imported_by_the_new_host(station: Station, tmp_path: Path) -> None:
    station.serve_mp3("own.mp3")
    station.seed("own.txt", title="Đổi mới lề lối làm việc", url=station.url("own.mp3"))
    pipeline.publish(station.root)
    feed = station.root / "feeds" / "podcast.xml"
    with pytest.raises(FeedInputError, match="is locked against import"):
        importer.import_feed(station.root, str(feed))

    config = station.root / "podcast.toml"
    moved_to = "https://new-host.example.vn/podcast/feeds/podcast.xml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("[podcast]\n", f'[podcast]\nnew_feed_url = "{moved_to}"\n'),
        encoding="utf-8",
    )
    pipeline.publish(station.root)
    published = feedparser.parse(feed.read_bytes())

    new_host = tmp_path / "new"
    create_workspace(
        new_host,
        title="Đối thoại",
        base_url="https://new-host.example.vn/podcast/",
        author="Đài Truyền thanh huyện Lai Vung",
        email="podcast@example.vn",
    )
    report = importer.import_feed(new_host, str(feed))
    assert report.podcast_guid == published.feed.podcast_guid
    assert [item.guid for _, item in report.written] == [entry.id for entry in published.entries]
    assert [item.published for _, item in report.written] == [
        parsedate_to_datetime(entry.published) for entry in published.entries
    ]
