"""Whole `publish` runs through radiocast.pipeline.publish, read back as a client would."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import podcastparser
from lxml import etree
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from pytest_httpserver import HTTPServer
from station import Station
from werkzeug import Response

from radiocast import pipeline, queries
from radiocast.catalog import Catalog
from radiocast.config import load_config
from radiocast.models import Outcome
from radiocast.validate import Severity, validate_feed
from radiocast.workspace import Workspace

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
}
TITLE_1 = "Đổi mới lề lối làm việc theo hướng tận tâm, tận tụy phục vụ Nhân dân"
TITLE_2 = "Kỳ 86: Tháo gỡ vướng mắc về đất đai ở xã Tân Thành"


def two_episodes(station: Station) -> None:
    station.serve_mp3("one.mp3", seconds=3.0)
    station.serve_mp3("two.mp3", seconds=2.0, freq=330)
    station.seed("a.txt", title=TITLE_1, url=station.url("one.mp3"))
    station.seed("b.txt", title=TITLE_2, url=station.url("two.mp3"), date="25/12/2021 08:00:00")


def local_size(station: Station) -> Callable[[str], int | None]:
    def size(url: str) -> int | None:
        prefix = "https://radio.example.vn/laivung/"
        path = station.root / url.removeprefix(prefix)
        return path.stat().st_size if url.startswith(prefix) and path.is_file() else None

    return size


def test_publish_fetches_tags_and_builds_a_feed_clients_accept(
    station: Station,
) -> None:
    two_episodes(station)
    report = pipeline.publish(station.root)

    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED, Outcome.PUBLISHED]
    assert report.episodes_in_feed == 2
    one = station.root / "audio" / "doi-moi-le-loi-lam-viec-theo-huong-tan-tam-tan-tuy-phuc-vu-nhan-dan.mp3"
    two = station.root / "audio" / "ky-86-thao-go-vuong-mac-ve-dat-dai-o-xa-tan-thanh.mp3"
    assert one.is_file()
    assert two.is_file()

    tags = ID3(one)
    assert tags.version == (2, 3, 0)
    assert str(tags["TIT2"]) == TITLE_1
    assert str(tags["TALB"]) == "Chính quyền đối thoại với Nhân dân qua sóng phát thanh"
    assert str(tags["TPE1"]) == "Ngọc Tâm"
    assert str(tags["TCON"]) == "Podcast"
    assert tags.getall("COMM")[0].text[0] == "Thời gian qua, lề lối làm việc của cấp ủy được đổi mới."
    assert tags.getall("APIC")[0].mime == "image/jpeg"
    assert str(tags["WOAS"].url) == station.url("one.mp3")

    feed = (station.root / "feeds" / "podcast.xml").read_bytes()
    parsed = feedparser.parse(feed)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == [TITLE_2, TITLE_1]  # newest first
    gpodder = podcastparser.parse("https://radio.example.vn/laivung/feeds/podcast.xml", io.BytesIO(feed))
    by_title = {e["title"]: e for e in gpodder["episodes"]}
    enclosure = by_title[TITLE_1]["enclosures"][0]
    assert enclosure["url"] == "https://radio.example.vn/laivung/audio/" + one.name
    assert enclosure["file_size"] == one.stat().st_size
    assert enclosure["mime_type"] == "audio/mpeg"
    assert by_title[TITLE_1]["total_time"] == round(MP3(one).info.length)

    root = etree.fromstring(feed)
    assert root.xpath(f"string(/rss/channel/item[title='{TITLE_1}']/pubDate)") == "Sun, 19 Dec 2021 06:08:40 +0700"
    assert root.xpath("/rss/channel/podcast:guid/text()", namespaces=NS)
    errors = [p for p in validate_feed(feed, enclosure_size=local_size(station)) if p.severity is Severity.ERROR]
    assert errors == []


def test_second_run_fetches_nothing_and_changes_nothing(
    station: Station, snapshot: Callable[[Path], dict[str, bytes]]
) -> None:
    two_episodes(station)
    pipeline.publish(station.root)
    before = snapshot(station.root / "audio") | snapshot(station.root / "feeds")
    requests_before = len(station.server.log)

    report = pipeline.publish(station.root)

    assert {r.outcome for r in report.results} == {Outcome.UNCHANGED}
    assert len(station.server.log) == requests_before
    assert snapshot(station.root / "audio") | snapshot(station.root / "feeds") == before


def test_deleting_feeds_and_publishing_gives_the_same_feed(station: Station) -> None:
    two_episodes(station)
    pipeline.publish(station.root)
    feed = (station.root / "feeds" / "podcast.xml").read_bytes()
    shutil.rmtree(station.root / "feeds")
    pipeline.publish(station.root)
    assert (station.root / "feeds" / "podcast.xml").read_bytes() == feed


def test_bad_seeds_and_bad_urls_fail_alone(station: Station, httpserver: HTTPServer) -> None:
    two_episodes(station)
    httpserver.expect_request("/audio/missing.mp3").respond_with_data("not here", status=404)
    httpserver.expect_request("/audio/page.mp3").respond_with_data(
        "<!DOCTYPE html><html><body>Lỗi</body></html>", content_type="text/html"
    )
    station.seed("c-404.txt", title="Bài không có âm thanh", url=station.url("missing.mp3"))
    station.seed("d-html.txt", title="Bài trả về trang HTML", url=station.url("page.mp3"))
    (station.root / "seeds" / "e-no-date.txt").write_text("Tiêu đề\nhttp://x.vn/a.mp3\n", encoding="utf-8")

    report = pipeline.publish(station.root)

    outcomes = {r.seed: r for r in report.results}
    assert outcomes["seeds/a.txt"].outcome is Outcome.PUBLISHED
    assert outcomes["seeds/b.txt"].outcome is Outcome.PUBLISHED
    assert "seeds/c-404.txt" in (outcomes["seeds/c-404.txt"].error or "")
    assert "404" in (outcomes["seeds/c-404.txt"].error or "")
    assert "HTML" in (outcomes["seeds/d-html.txt"].error or "")
    assert (outcomes["seeds/e-no-date.txt"].error or "").startswith("seeds/e-no-date.txt: no date")
    assert len(report.failed) == 3
    assert report.episodes_in_feed == 2
    assert sorted(p.name for p in (station.root / "audio").iterdir()) == [
        "cover.jpg",
        "doi-moi-le-loi-lam-viec-theo-huong-tan-tam-tan-tuy-phuc-vu-nhan-dan.mp3",
        "ky-86-thao-go-vuong-mac-ve-dat-dai-o-xa-tan-thanh.mp3",
    ]
    partial = station.root / ".radiocast" / "partial"
    assert not any(p.suffix == ".mp3" for p in partial.iterdir()) if partial.exists() else True
    rows = {r.seed: r for r in queries.status(station.root)}
    assert rows["seeds/c-404.txt"].state == "failed"
    assert rows["seeds/e-no-date.txt"].state == "failed"
    assert rows["seeds/a.txt"].state == "published"


def test_title_fix_retags_without_moving_identity(station: Station) -> None:
    two_episodes(station)
    pipeline.publish(station.root)
    feed_before = etree.fromstring((station.root / "feeds" / "podcast.xml").read_bytes())
    guid_before = feed_before.xpath(f"string(/rss/channel/item[title='{TITLE_1}']/guid)")
    fetches = station.requests_for("one.mp3")

    station.seed("a.txt", title=TITLE_1 + " (cập nhật)", url=station.url("one.mp3"))
    report = pipeline.publish(station.root)

    assert {r.seed: r.outcome for r in report.results}["seeds/a.txt"] is Outcome.RETAGGED
    assert station.requests_for("one.mp3") == fetches  # re-tagged in place, not fetched
    path = station.root / "audio" / "doi-moi-le-loi-lam-viec-theo-huong-tan-tam-tan-tuy-phuc-vu-nhan-dan.mp3"
    assert str(ID3(path)["TIT2"]) == TITLE_1 + " (cập nhật)"
    feed = etree.fromstring((station.root / "feeds" / "podcast.xml").read_bytes())
    item = feed.xpath("/rss/channel/item[title='%s']" % (TITLE_1 + " (cập nhật)"))[0]
    assert item.findtext("guid") == guid_before
    assert item.find("enclosure").get("url").endswith(path.name)
    assert int(item.find("enclosure").get("length")) == path.stat().st_size


def test_same_audio_linked_twice_is_one_episode(station: Station) -> None:
    two_episodes(station)
    station.seed("c-copy.txt", title="Bản sao", url=station.url("one.mp3"))
    report = pipeline.publish(station.root)
    copy = {r.seed: r for r in report.results}["seeds/c-copy.txt"]
    assert copy.outcome is Outcome.FAILED
    assert "same audio as seeds/a.txt" in (copy.error or "")
    assert report.episodes_in_feed == 2


def test_same_title_gets_a_unique_slug(station: Station) -> None:
    station.serve_mp3("one.mp3")
    station.serve_mp3("two.mp3", freq=330)
    station.seed("a.txt", title="Chính quyền đối thoại", url=station.url("one.mp3"))
    station.seed(
        "b.txt",
        title="Chính quyền đối thoại",
        url=station.url("two.mp3"),
        date="20/01/2022 08:00",
    )
    pipeline.publish(station.root)
    assert sorted(p.name for p in (station.root / "audio").glob("*.mp3")) == [
        "chinh-quyen-doi-thoai-2.mp3",
        "chinh-quyen-doi-thoai.mp3",
    ]


def test_corrected_url_before_first_publish_keeps_the_slug(station: Station, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/audio/typo.mp3").respond_with_data("", status=404)
    station.seed("a.txt", title=TITLE_1, url=station.url("typo.mp3"))
    assert pipeline.publish(station.root).failed
    station.serve_mp3("one.mp3")
    station.seed("a.txt", title=TITLE_1, url=station.url("one.mp3"))
    report = pipeline.publish(station.root)
    assert not report.failed
    assert report.results[0].slug == "doi-moi-le-loi-lam-viec-theo-huong-tan-tam-tan-tuy-phuc-vu-nhan-dan"


def test_refresh_uses_a_conditional_get(station: Station, httpserver: HTTPServer) -> None:
    data = station.mp3_factory(seconds=2.0).read_bytes()
    station.seed("a.txt", title=TITLE_1, url=station.url("one.mp3"))

    def handler(request):  # type: ignore[no-untyped-def]
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304)
        return Response(data, content_type="audio/mpeg", headers={"ETag": '"v1"'})

    httpserver.expect_request("/audio/one.mp3").respond_with_handler(handler)
    pipeline.publish(station.root)
    report = pipeline.publish(station.root, refresh=True)
    assert report.results[0].outcome is Outcome.UNCHANGED
    last_request = [r for r, _ in httpserver.log if r.path == "/audio/one.mp3"][-1]
    assert last_request.headers.get("If-None-Match") == '"v1"'


def test_many_episodes_in_parallel(station: Station) -> None:
    for i in range(6):
        station.serve_mp3(f"{i}.mp3", seconds=1.0, freq=200 + 40 * i)
        station.seed(
            f"{i}.txt",
            title=f"Kỳ {i}: Đối thoại với Nhân dân",
            url=station.url(f"{i}.mp3"),
            date=f"0{i + 1}/01/2022 08:00",
        )
    report = pipeline.publish(station.root, jobs=3)
    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED] * 6
    assert report.episodes_in_feed == 6


def test_a_workspace_that_refuses_writes_fails_the_episode_not_the_run(station: Station) -> None:
    two_episodes(station)
    # A file where the partial-download folder belongs: even root cannot write under it.
    (station.root / ".radiocast").mkdir(exist_ok=True)
    (station.root / ".radiocast" / "partial").write_text("not a folder", encoding="utf-8")
    report = pipeline.publish(station.root)
    assert [r.outcome for r in report.results] == [Outcome.FAILED, Outcome.FAILED]
    for result in report.results:
        assert result.error is not None
        assert result.error.startswith(f"{result.seed}: cannot ")
        assert "partial" in result.error
    assert not list((station.root / "audio").glob("*.mp3"))
    (station.root / ".radiocast" / "partial").unlink()
    assert {r.outcome for r in pipeline.publish(station.root).results} == {Outcome.PUBLISHED}


def test_a_transcript_that_cannot_be_read_fails_that_episode_in_one_line(station: Station) -> None:
    two_episodes(station)
    station.serve_mp3("ky-87.mp3", seconds=2.0)
    # A transcript that exists but whose read fails (EIO), even for root: a link to /proc/self/mem.
    (station.root / "recordings").mkdir()
    (station.root / "recordings" / "ky-87.vtt").symlink_to("/proc/self/mem")
    (station.root / "seeds" / "ky-87.toml").write_text(
        f'title = "Kỳ 87"\ndate = "2022-01-29 08:00"\naudio = "{station.url("ky-87.mp3")}"\n'
        'transcript = "recordings/ky-87.vtt"\n',
        encoding="utf-8",
    )
    report = pipeline.publish(station.root)
    outcomes = {r.seed: r for r in report.results}
    failed = outcomes["seeds/ky-87.toml"]
    assert failed.outcome is Outcome.FAILED
    assert failed.error is not None
    assert failed.error.startswith("seeds/ky-87.toml: cannot read recordings/ky-87.vtt")
    assert "\n" not in failed.error
    assert {outcomes["seeds/a.txt"].outcome, outcomes["seeds/b.txt"].outcome} == {Outcome.PUBLISHED}
    assert report.episodes_in_feed == 2
    assert [r.state for r in queries.status(station.root) if r.seed == "seeds/ky-87.toml"] == ["failed"]


def test_an_unchanged_publish_renders_nothing_and_a_change_renders_again(station: Station) -> None:
    """The pages and feeds are remade only when what they are made from, or a file of them, changed."""
    two_episodes(station)
    pipeline.publish(station.root)
    index = station.root / "feeds" / "index.html"
    written = index.read_bytes()
    before = index.stat()
    # Same size, same mtime: only a render would notice the difference, and there is nothing to render.
    index.write_bytes(written.replace(b"<html", b"<HTML", 1))
    os.utime(index, ns=(before.st_atime_ns, before.st_mtime_ns))
    pipeline.publish(station.root)
    assert index.read_bytes().startswith(written.split(b"<html", 1)[0] + b"<HTML")

    # A file of the render that is gone, or changed on disk, is written again.
    (station.root / "feeds" / "podcast.xml").unlink()
    pipeline.publish(station.root)
    assert (station.root / "feeds" / "podcast.xml").is_file()
    assert index.read_bytes() == written

    # A changed input renders again: a retitled episode reaches its page and the feed.
    station.seed("a.txt", title=TITLE_1 + " (cập nhật)", url=station.url("one.mp3"))
    pipeline.publish(station.root)
    assert "(cập nhật)" in index.read_text(encoding="utf-8")
    assert "(cập nhật)" in (station.root / "feeds" / "podcast.xml").read_text(encoding="utf-8")


def test_planning_reads_the_catalog_and_changes_nothing(station: Station) -> None:
    """Every seed is planned before the catalog changes: a plan is what will be written, not a write."""
    two_episodes(station)
    pipeline.publish(station.root)
    station.seed("a.txt", title=TITLE_1 + " (sửa)", url=station.url("one.mp3"))
    station.serve_mp3("three.mp3", seconds=2.0, freq=440)
    station.seed("c.txt", title="Bài mới", url=station.url("three.mp3"))
    ws = Workspace(station.root)
    config = load_config(ws.config_path)
    db = ws.catalog_path

    def rows() -> list[tuple[object, ...]]:
        with sqlite3.connect(db) as connection:
            return connection.execute("SELECT * FROM episodes ORDER BY guid").fetchall()

    before = rows()
    with Catalog(db) as catalog:
        context = pipeline._context(
            ws, config, catalog, pipeline._check_inputs(ws, config), pipeline._Silent(), datetime.now(UTC)
        )
        plans = [
            pipeline._plan(context, station.root / "seeds" / name, f"seeds/{name}", {}, set(), refresh=False, slots={})
            for name in ("a.txt", "c.txt")
        ]
        assert rows() == before
        assert [(plan.new, plan.changed) for plan in plans] == [(False, True), (True, True)]
        _, jobs = pipeline._plan_all(context, [station.root / "seeds" / "c.txt"], refresh=False, every_seed=False)
    assert [job.episode.title for job in jobs] == ["Bài mới"]
    assert len(rows()) == len(before) + 1
