"""Large archives for real: 7 published episodes with [feed] max_items = 3, the archive pages checked,
deployed, served by nginx and walked by gPodder."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import podcastparser
import pytest
import requests
from click.testing import CliRunner
from lxml import etree
from station import Station
from test_gpodder import GPO, gpo

from nginx import needs_nginx, nginx
from radiocast import pipeline
from radiocast.check import check_workspace
from radiocast.cli import cli
from radiocast.deploy import deploy
from radiocast.probe import check_online
from radiocast.produce import Outcome
from radiocast.validate import Severity
from radiocast.workspace import episode_page_path

FEED = "feeds/podcast.xml"
PAGE_1, PAGE_2 = "feeds/archive/1.xml", "feeds/archive/2.xml"
FH = "http://purl.org/syndication/history/1.0"


def title(n: int) -> str:
    return f"Kỳ {n}: Người dân xã Tân Thành hỏi về đất đai, lãnh đạo huyện trả lời"


def add_episodes(station: Station, numbers: range) -> None:
    for n in numbers:
        station.serve_mp3(f"{n}.mp3", seconds=2.0)
        station.seed(f"{n:02d}.txt", title=title(n), url=station.url(f"{n}.mp3"), date=f"{n:02d}/12/2021 08:00:00")


def set_max_items(station: Station, max_items: int) -> None:
    config = station.root / "podcast.toml"
    text = config.read_text(encoding="utf-8").split("[feed]")[0]
    config.write_text(f"{text}[feed]\nmax_items = {max_items}\n", encoding="utf-8")


def publish(station: Station, base_url: str | None = None) -> None:
    report = pipeline.publish(station.root, base_url=base_url)
    assert all(r.outcome is not Outcome.FAILED for r in report.results), report.results


def titles(path: Path) -> list[str]:
    return [item.findtext("title") or "" for item in etree.parse(str(path)).iterfind("channel/item")]


@pytest.fixture
def seven(station: Station) -> Station:
    """Seven episodes, dated 1 to 7 December 2021, the feed keeping three."""
    set_max_items(station, 3)
    add_episodes(station, range(1, 8))
    return station


def test_the_feed_keeps_the_newest_three_and_two_archive_pages_the_rest(seven: Station) -> None:
    publish(seven)
    root = seven.root
    assert titles(root / FEED) == [title(n) for n in (7, 6, 5)]
    assert titles(root / PAGE_2) == [title(4)]
    assert titles(root / PAGE_1) == [title(n) for n in (3, 2, 1)]
    assert sorted((root / "feeds" / "archive").iterdir()) == [root / PAGE_1, root / PAGE_2]
    # An archived episode keeps its page and its file.
    slugs = [path.stem for path in (root / "audio").glob("ky-*.mp3")]
    assert len(slugs) == 7
    assert all((root / episode_page_path(slug)).is_file() for slug in slugs)
    assert check_workspace(root) == []


def test_a_new_episode_changes_the_feed_and_the_newest_page_never_a_full_one(seven: Station, tmp_path: Path) -> None:
    publish(seven)
    www = tmp_path / "www"
    www.mkdir()
    order: list[str] = []
    deploy(seven.root, www.as_uri() + "/", progress=order.append)
    assert order[-1] == FEED
    assert order.index(PAGE_1) < order.index(FEED)
    assert order.index(PAGE_2) < order.index(FEED)

    page_1 = (seven.root / PAGE_1).stat()
    feed = (seven.root / FEED).read_bytes()
    add_episodes(seven, range(8, 9))
    publish(seven)
    assert (seven.root / FEED).read_bytes() != feed
    assert titles(seven.root / FEED) == [title(n) for n in (8, 7, 6)]
    assert titles(seven.root / PAGE_2) == [title(n) for n in (5, 4)]
    # Not even rewritten: its mtime (and so its ETag) stays.
    assert (seven.root / PAGE_1).stat().st_mtime_ns == page_1.st_mtime_ns
    again = deploy(seven.root, www.as_uri() + "/")
    assert PAGE_1 not in again.uploaded
    # The changed page before the feed that links it, the feed last (the search index changed too).
    assert again.uploaded[-1] == FEED
    assert PAGE_2 in again.uploaded


def test_raising_max_items_takes_the_archive_back_into_the_feed(seven: Station) -> None:
    publish(seven)
    set_max_items(seven, 10)
    publish(seven)
    assert titles(seven.root / FEED) == [title(n) for n in range(7, 0, -1)]
    assert list((seven.root / "feeds" / "archive").glob("*.xml")) == []
    assert b"prev-archive" not in (seven.root / FEED).read_bytes()
    assert check_workspace(seven.root) == []
    set_max_items(seven, 3)
    publish(seven)
    assert titles(seven.root / PAGE_1) == [title(n) for n in (3, 2, 1)]


def chain_findings(root: Path) -> set[tuple[str, str]]:
    return {(f.where, f.rule) for f in check_workspace(root) if f.severity is Severity.ERROR}


def test_check_names_a_missing_page(seven: Station) -> None:
    publish(seven)
    (seven.root / PAGE_1).unlink()
    assert chain_findings(seven.root) == {(PAGE_2, "archive.link")}


def test_check_names_a_page_without_its_archive_marker(seven: Station) -> None:
    publish(seven)
    page = seven.root / PAGE_1
    page.write_bytes(page.read_bytes().replace(b"<fh:archive/>", b""))
    assert chain_findings(seven.root) == {(PAGE_1, "archive.marker")}


def test_check_names_an_episode_in_two_documents(seven: Station) -> None:
    publish(seven)
    page = seven.root / PAGE_1
    tree = etree.parse(str(page))
    tree.getroot()[0].append(etree.parse(str(seven.root / FEED)).find("channel/item"))
    tree.write(str(page), encoding="UTF-8", xml_declaration=True)
    assert chain_findings(seven.root) == {(PAGE_1, "archive.duplicate")}


def test_check_lints_the_archive_pages(seven: Station) -> None:
    publish(seven)
    page = seven.root / PAGE_1
    page.write_bytes(
        page.read_bytes()
        .replace(b"<itunes:author>", b"<itunes:writer>", 1)
        .replace(b"</itunes:author>", b"</itunes:writer>", 1)
    )
    assert (PAGE_1, "channel.author") in chain_findings(seven.root)


def test_a_client_walks_rel_next_over_http_from_the_feed_to_the_oldest_page(seven: Station, served: str) -> None:
    publish(seven, base_url=served)
    url: str | None = served + FEED
    seen: list[str] = []
    walked: list[str] = []
    while url:
        walked.append(url.removeprefix(served))
        response = requests.get(url, timeout=10)
        assert response.status_code == 200
        parsed = podcastparser.parse(url, BytesIO(response.content))
        seen += [episode["title"] for episode in parsed["episodes"]]
        url = parsed.get("paged_feed_next")
    assert walked == [FEED, PAGE_2, PAGE_1]
    assert sorted(seen) == sorted(title(n) for n in range(1, 8))


@needs_nginx
@pytest.mark.nginx
def test_check_online_probes_the_archive_pages(seven: Station, tmp_path: Path) -> None:
    publish(seven)
    www = tmp_path / "www"
    www.mkdir()
    deploy(seven.root, www.as_uri() + "/")
    with nginx(www, tmp_path / "nginx") as url:
        assert check_online(seven.root, base_url=url) == []
        (www / PAGE_1).unlink()
        findings = check_online(seven.root, base_url=url)
    assert {(f.where, f.rule) for f in findings} == {(url + PAGE_1, "http.head")}


@pytest.mark.gpodder
@pytest.mark.skipif(GPO is None, reason="gPodder's `gpo` is not installed (apt-get install gpodder)")
def test_gpodder_follows_rel_next_when_subscribing(seven: Station, served: str, tmp_path: Path) -> None:
    publish(seven, base_url=served)
    home = tmp_path / "gpo"
    home.mkdir()
    gpo(home, "subscribe", served + FEED)
    listed = gpo(home, "episodes", served + FEED)
    assert all(title(n) in listed for n in range(1, 8)), listed
    # What the README says of gpo: its `update` (unlike the desktop app's, which asks for up to
    # limit.episodes) walks the pages only when every episode of the feed is new, and forgets
    # the archived episodes it has not downloaded.
    add_episodes(seven, range(8, 9))
    publish(seven, base_url=served)
    gpo(home, "update")
    listed = gpo(home, "episodes", served + FEED)
    assert [n for n in range(1, 9) if title(n) in listed] == [6, 7, 8], listed


def test_publish_says_how_many_episodes_are_in_the_feed_and_in_the_archive(seven: Station) -> None:
    result = CliRunner().invoke(cli, ["-C", str(seven.root), "publish"])
    assert result.exit_code == 0, result.output
    assert "3 episodes in" in result.stdout
    assert "4 older episodes in the archive pages feeds/archive" in result.stdout
