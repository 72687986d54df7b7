"""[feed] max_items and the RFC 5005 archive pages, on build_feeds' bytes read back by lxml, feedparser and podcastparser."""

from __future__ import annotations

from dataclasses import replace
from io import BytesIO
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree

from radiocast.archive import build_feeds
from radiocast.config import load_config
from radiocast.errors import ConfigError
from radiocast.models import Channel, Episode, FeedSettings
from radiocast.validate import Severity, validate_feed
from test_config import MINIMAL, write
from test_feed import BASE, make_channel, make_config, make_episode

ATOM = "http://www.w3.org/2005/Atom"
FH = "http://purl.org/syndication/history/1.0"
FEED_URL = f"{BASE}feeds/podcast.xml"


def channel_of(max_items: int) -> Channel:
    return make_channel(replace(make_config(), feed=FeedSettings(max_items=max_items)))


def episodes_of(channel: Channel, count: int) -> list[Episode]:
    return [make_episode(channel, n) for n in range(1, count + 1)]


def documents(channel: Channel, episodes: list[Episode]) -> dict[str, bytes]:
    """Every document by URL, the main feed first."""
    main, pages = build_feeds(channel, episodes)
    return {FEED_URL: main, **{BASE + name: data for name, data in pages.items()}}


def links(data: bytes) -> dict[str, str]:
    root = etree.fromstring(data)
    return {link.get("rel"): link.get("href") for link in root.iterfind(f"channel/{{{ATOM}}}link")}


def guids(data: bytes) -> list[str]:
    return [guid.text or "" for guid in etree.fromstring(data).iterfind("channel/item/guid")]


def test_max_items_defaults_to_apples_300(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, MINIMAL)).feed.max_items == 300
    assert load_config(write(tmp_path, MINIMAL + "[feed]\nmax_items = 3\n")).feed.max_items == 3


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ("max_items = 0", r"feed\.max_items = 0 must be a positive number"),
        ("max_items = -5", r"feed\.max_items = -5 must be a positive number"),
        ('max_items = "300"', r"feed\.max_items must be an integer, got '300'"),
        ("max_items = 2.5", r"feed\.max_items must be an integer, got 2\.5"),
        ("max_items = true", r"feed\.max_items must be an integer, got True"),
        ("max_episodes = 3", r"unknown key feed\.max_episodes"),
    ],
)
def test_max_items_mistakes_name_the_key_and_the_file(tmp_path: Path, table: str, message: str) -> None:
    path = write(tmp_path, MINIMAL + f"[feed]\n{table}\n")
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(path)
    assert str(path) in str(caught.value)


def test_a_feed_within_max_items_has_no_archive_and_no_links() -> None:
    channel = channel_of(3)
    main, pages = build_feeds(channel, episodes_of(channel, 3))
    assert pages == {}
    assert set(links(main)) == {"self"}
    assert etree.fromstring(main).find(f"channel/{{{FH}}}archive") is None


def test_the_default_keeps_300_in_the_feed_and_archives_the_301st() -> None:
    channel = make_channel()
    episodes = [
        replace(make_episode(channel, 1 + n % 28), guid=f"guid-{n:03d}", enclosure_url=f"{BASE}audio/{n}.mp3")
        for n in range(301)
    ]
    main, pages = build_feeds(channel, episodes)
    assert len(guids(main)) == 300
    assert list(pages) == ["feeds/archive/1.xml"]
    assert len(guids(pages["feeds/archive/1.xml"])) == 1


def test_main_feed_keeps_the_newest_and_each_archived_episode_is_in_one_page() -> None:
    channel = channel_of(3)
    episodes = episodes_of(channel, 7)  # episode n is dated 2021-12-n
    docs = documents(channel, episodes)
    by_date = [ep.guid for ep in sorted(episodes, key=lambda ep: ep.published, reverse=True)]

    assert list(docs) == [FEED_URL, f"{BASE}feeds/archive/1.xml", f"{BASE}feeds/archive/2.xml"]
    assert guids(docs[FEED_URL]) == by_date[:3]
    # Numbered from the oldest, max_items per page: page 1 is full, page 2 holds what is left.
    assert guids(docs[f"{BASE}feeds/archive/1.xml"]) == by_date[4:]
    assert guids(docs[f"{BASE}feeds/archive/2.xml"]) == by_date[3:4]
    everything = [guid for data in docs.values() for guid in guids(data)]
    assert sorted(everything) == sorted(by_date)  # every episode, none twice


def test_links_form_rfc5005_and_paged_chains() -> None:
    channel = channel_of(2)
    docs = documents(channel, episodes_of(channel, 7))  # main 2, pages 1..3 (2, 2, 1)
    page = [f"{BASE}feeds/archive/{n}.xml" for n in (1, 2, 3)]

    assert links(docs[FEED_URL]) == {"self": FEED_URL, "prev-archive": page[2], "next": page[2]}
    assert links(docs[page[2]]) == {
        "self": page[2],
        "current": FEED_URL,
        "prev-archive": page[1],
        "next": page[1],
        "prev": FEED_URL,
    }
    assert links(docs[page[1]]) == {
        "self": page[1],
        "current": FEED_URL,
        "prev-archive": page[0],
        "next": page[0],
        "next-archive": page[2],
        "prev": page[2],
    }
    assert links(docs[page[0]]) == {"self": page[0], "current": FEED_URL, "next-archive": page[1], "prev": page[1]}
    for url, data in docs.items():
        archived = etree.fromstring(data).find(f"channel/{{{FH}}}archive") is not None
        assert archived == (url != FEED_URL), url


def test_feedparser_and_podcastparser_walk_from_the_feed_to_the_oldest_page() -> None:
    channel = channel_of(3)
    episodes = episodes_of(channel, 8)
    docs = documents(channel, episodes)

    seen, url, visited = [], FEED_URL, []
    while url:
        visited.append(url)
        parsed = podcastparser.parse(url, BytesIO(docs[url]))
        seen += [episode["guid"] for episode in parsed["episodes"]]
        url = parsed.get("paged_feed_next")
    assert visited == [FEED_URL, f"{BASE}feeds/archive/2.xml", f"{BASE}feeds/archive/1.xml"]
    assert sorted(seen) == sorted(ep.guid for ep in episodes)

    seen, url = [], FEED_URL
    while url:
        parsed = feedparser.parse(docs[url])
        assert not parsed.bozo, parsed.bozo_exception
        seen += [entry.id for entry in parsed.entries]
        url = next((link.href for link in parsed.feed.links if link.rel == "prev-archive"), None)
    assert sorted(seen) == sorted(ep.guid for ep in episodes)


def test_archive_pages_are_complete_valid_feeds() -> None:
    channel = channel_of(3)
    docs = documents(channel, episodes_of(channel, 7))
    main = etree.fromstring(docs[FEED_URL])
    for url, data in docs.items():
        assert [str(p) for p in validate_feed(data, source=url) if p.severity is Severity.ERROR] == []
        root = etree.fromstring(data)
        # The same channel: apps and validators reading a page see the show.
        for tag in ("title", "description", "language", "{https://podcastindex.org/namespace/1.0}guid"):
            assert root.findtext(f"channel/{tag}") == main.findtext(f"channel/{tag}"), (url, tag)


def test_a_full_page_keeps_its_bytes_as_episodes_arrive() -> None:
    channel = channel_of(3)
    episodes = episodes_of(channel, 13)
    before = documents(channel, episodes[:7])  # page 1 full, page 2 with one
    for count in range(8, 14):
        after = documents(channel, episodes[:count])
        assert after[FEED_URL] != before[FEED_URL]
        assert after[f"{BASE}feeds/archive/1.xml"] == before[f"{BASE}feeds/archive/1.xml"], count
    # Page 2 was sealed when page 3 started (10 episodes): from then on it never changed.
    sealed = documents(channel, episodes[:10])[f"{BASE}feeds/archive/2.xml"]
    assert documents(channel, episodes[:13])[f"{BASE}feeds/archive/2.xml"] == sealed


def test_validate_names_an_archive_link_that_leads_nowhere() -> None:
    channel = channel_of(3)
    main, _pages = build_feeds(channel, episodes_of(channel, 5))
    broken = main.replace(f'href="{BASE}feeds/archive/1.xml"'.encode(), b'href="archive/1.xml"', 1)
    problems = [p for p in validate_feed(broken) if p.rule == "channel.archive-link"]
    assert problems, "a relative archive link passed"
    assert 'rel="prev-archive"' in problems[0].message
