"""The listener pages and the feed's XSL view, read back the way browsers and crawlers read them."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
import podcastparser
import pytest
import requests
from lxml import etree

from radiocast.errors import FeedError
from radiocast.feed import build_feed, episode_guid, podcast_guid, with_stylesheet
from radiocast.models import (
    Category,
    Channel,
    Chapter,
    Episode,
    EpisodeState,
    Kind,
    PodcastConfig,
    Question,
    Role,
    Sidecar,
    Speaker,
)
from radiocast.serve import serve
from radiocast.site import (
    MAX_BODY_BYTES,
    PAGE_SIZE,
    build_site,
    duration_text,
    subscribe_links,
    vietnamese_date,
)
from radiocast.workspace import episode_page_path, index_page_path

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = "https://radio.example.vn/laivung/"
FEED_URL = BASE + "feeds/podcast.xml"
PAGE_LIMIT = 100_000
HOSTILE = '<script>alert("x")</script> & <b>Đất đai</b>'
PI = b'<?xml-stylesheet type="text/xsl" href="podcast.xsl"?>'


def make_channel(**changes: Any) -> Channel:
    config = PodcastConfig(
        title="Chính quyền đối thoại với Nhân dân qua sóng phát thanh",
        description="Lãnh đạo huyện Lai Vung trả lời câu hỏi của người dân.\n\nPhát trực tiếp hằng tháng.",
        author="Đài Truyền thanh huyện Lai Vung",
        owner_name="Đài Truyền thanh huyện Lai Vung",
        owner_email="podcast@laivung.example.vn",
        base_url=BASE,
        image=Path("audio/cover.jpg"),
        categories=(Category(name="Government"),),
        copyright="Đài Truyền thanh huyện Lai Vung",
    )
    config = replace(config, **changes)
    return Channel(config=config, podcast_guid=podcast_guid(config.feed_url))


def make_episode(channel: Channel, n: int, **changes: Any) -> Episode:
    source = f"https://baodongthap.com.vn/database/video/{n:04d}.mp3"
    slug = f"ky-{n}-dat-dai"
    episode = Episode(
        guid=episode_guid(channel.podcast_guid, source),
        slug=slug,
        seed=f"seeds/{n:04d}.txt",
        title=f"Kỳ {n}: Tháo gỡ vướng mắc về đất đai cho người dân xã Tân Thành",
        published=datetime(2021, 12, 25, 8, 0, tzinfo=TZ) - timedelta(days=30 * n),
        source_url=source,
        enclosure_url=f"{BASE}audio/{slug}.mp3",
        summary=f"Tóm tắt kỳ {n}: người dân hỏi, lãnh đạo huyện trả lời về thủ tục cấp giấy chứng nhận.",
        body=("Đoạn một về đất đai.", "Đoạn hai về thủ tục hành chính “một cửa”."),
        state=EpisodeState.PUBLISHED,
        size_bytes=2_345_678,
        duration_ms=1_805_000,
        source_site="baodongthap.com.vn",
        live_since=datetime(2021, 12, 25, 9, 0, tzinfo=TZ),
    )
    return replace(episode, **changes)


def make_recording(channel: Channel, **changes: Any) -> Episode:
    episode = make_episode(
        channel,
        0,
        kind=Kind.RECORDING,
        title="Kỳ 86: Tháo gỡ vướng mắc về đất đai",
        slug="ky-86-thao-go-vuong-mac-ve-dat-dai",
        enclosure_url=f"{BASE}audio/ky-86-thao-go-vuong-mac-ve-dat-dai.mp3",
        source_url="manifest:seeds/ky-86.toml",
        source_site="",
        body=(),
        episode_number=86,
        speakers=(
            Speaker(name="Lê Thị Hoa", role=Role.HOST),
            Speaker(name="Nguyễn Văn Bình", role=Role.GUEST, office="Phó Chủ tịch UBND huyện Lai Vung"),
        ),
        chapters=(
            Chapter(start_ms=0, title="Giới thiệu"),
            Chapter(start_ms=130_000, title="Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận"),
            Chapter(start_ms=3_723_500, title="Kết thúc"),
        ),
        transcripts=(
            Sidecar(path="feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.vtt", mime="text/vtt", rel="captions"),
            Sidecar(path="feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.transcript.html", mime="text/html"),
        ),
        duration_ms=3_800_000,
    )
    return replace(episode, **changes)


@pytest.fixture
def channel() -> Channel:
    return make_channel()


@pytest.fixture
def site(channel: Channel) -> dict[str, bytes]:
    episodes = [make_recording(channel), make_episode(channel, 1, machine_read=True), make_episode(channel, 2)]
    return build_site(channel, episodes)


def html(data: bytes) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(data.decode("utf-8"))


def pages(site: dict[str, bytes]) -> dict[str, lxml.html.HtmlElement]:
    return {path: html(data) for path, data in site.items() if path.endswith(".html")}


def meta(doc: lxml.html.HtmlElement, key: str) -> str:
    values = doc.xpath(f"//meta[@property='{key}' or @name='{key}']/@content")
    assert len(values) == 1, (key, values)
    return str(values[0])


# --- pages ------------------------------------------------------------------------------------------------


def test_site_has_the_index_an_episode_page_each_and_the_stylesheet(site: dict[str, bytes]) -> None:
    assert sorted(site) == [
        "feeds/index.html",
        "feeds/ky-1-dat-dai.html",
        "feeds/ky-2-dat-dai.html",
        "feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.html",
        "feeds/podcast.xsl",
        "feeds/questions.html",
        "feeds/questions.json",
        "feeds/questions.schema.json",
        "feeds/search.html",
    ]


def test_every_page_is_vietnamese_html_with_landmarks_and_a_skip_link(site: dict[str, bytes]) -> None:
    for path, doc in pages(site).items():
        assert doc.get("lang") == "vi", path
        assert doc.xpath("//meta[@charset='utf-8']"), path
        assert doc.xpath("//meta[@name='viewport']"), path
        for landmark in ("header", "nav", "main", "footer"):
            assert len(doc.xpath(f"//{landmark}")) >= 1, (path, landmark)
        assert len(doc.xpath("//main")) == 1
        # The skip link comes first and points at main.
        first_link = doc.xpath("//body//a")[0]
        assert first_link.get("href") == "#main"
        assert doc.xpath("//main/@id") == ["main"]
        # Every form field has a label; every nav is named.
        for field in doc.xpath("//input"):
            assert doc.xpath(f"//label[@for='{field.get('id')}']"), path
        for nav in doc.xpath("//nav"):
            assert nav.get("aria-label"), path
        assert len(doc.xpath("//h1")) == 1, path
        assert len(site[path]) < PAGE_LIMIT, path


def test_only_local_resources_and_known_outside_links(site: dict[str, bytes]) -> None:
    allowed_hosts = {"radio.example.vn", "antennapod.org", "baodongthap.com.vn"}
    for path, doc in pages(site).items():
        for element in doc.xpath("//*[@src]"):
            src = element.get("src")
            assert not urlsplit(src).scheme, (path, src)
            assert not src.startswith("//"), (path, src)
        for link in doc.xpath("//link"):
            rel, href = link.get("rel"), link.get("href")
            if rel in ("canonical", "alternate"):
                assert href.startswith(BASE), (path, href)
            else:
                # No stylesheet, font or script from anywhere: an icon at most, inline.
                assert rel == "icon", (path, rel, href)
                assert href == "data:,", (path, rel, href)
        assert not doc.xpath("//script[@src]"), path
        assert b"@import" not in site[path], path
        assert b"url(" not in site[path], path
        for href in doc.xpath("//a/@href"):
            parts = urlsplit(href)
            if parts.scheme in ("http", "https"):
                assert parts.hostname in allowed_hosts, (path, href)
            elif parts.scheme:
                assert parts.scheme in ("podcast", "pktc", "podcastaddict", "overcast"), (path, href)


def test_relative_links_resolve_to_published_files(site: dict[str, bytes]) -> None:
    episode = html(site["feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.html"])
    assert episode.xpath("//audio/@src") == ["../audio/ky-86-thao-go-vuong-mac-ve-dat-dai.mp3"]
    assert episode.xpath("//audio/@preload") == ["metadata"]
    assert episode.xpath("//audio[@controls]")
    index = html(site["feeds/index.html"])
    linked = set(index.xpath("//main//a/@href"))
    for path in ("feeds/ky-1-dat-dai.html", "feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.html"):
        assert path.removeprefix("feeds/") in linked
    for doc in pages(site).values():
        assert "podcast.xml" in doc.xpath("//nav//a/@href")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime(2021, 12, 25, 8, 0, tzinfo=TZ), "Thứ Bảy, 25/12/2021"),
        (datetime(2021, 12, 26, 8, 0, tzinfo=TZ), "Chủ Nhật, 26/12/2021"),
        (datetime(2021, 12, 27, 8, 0, tzinfo=TZ), "Thứ Hai, 27/12/2021"),
        (datetime(2021, 12, 28, 8, 0, tzinfo=TZ), "Thứ Ba, 28/12/2021"),
        (datetime(2021, 12, 29, 8, 0, tzinfo=TZ), "Thứ Tư, 29/12/2021"),
        (datetime(2021, 12, 30, 8, 0, tzinfo=TZ), "Thứ Năm, 30/12/2021"),
        (datetime(2022, 1, 7, 8, 0, tzinfo=TZ), "Thứ Sáu, 07/01/2022"),
    ],
)
def test_vietnamese_date(day: datetime, expected: str) -> None:
    assert vietnamese_date(day) == expected


def test_page_date_is_the_podcast_local_day(channel: Channel) -> None:
    # 20:00 UTC on Friday the 24th is already Saturday the 25th in Lai Vung.
    utc = datetime(2021, 12, 24, 20, 0, tzinfo=ZoneInfo("UTC"))
    site = build_site(channel, [make_episode(channel, 1, published=utc)])
    doc = html(site["feeds/ky-1-dat-dai.html"])
    assert doc.xpath("//main//time/text()")[0] == "Thứ Bảy, 25/12/2021"
    assert doc.xpath("//main//time/@datetime")[0] == "2021-12-25T03:00:00+07:00"


@pytest.mark.parametrize(
    ("ms", "expected"),
    [(45_000, "45 giây"), (1_805_000, "30 phút 5 giây"), (1_800_000, "30 phút"), (3_723_600, "1 giờ 2 phút")],
)
def test_duration_text(ms: int, expected: str) -> None:
    assert duration_text(ms) == expected


def test_episode_page_carries_notes_speakers_chapters_and_transcripts(site: dict[str, bytes]) -> None:
    doc = html(site["feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.html"])
    main = doc.xpath("//main")[0]
    text = main.text_content()
    assert doc.xpath("//h1")[0].text_content() == "Kỳ 86: Tháo gỡ vướng mắc về đất đai"
    assert "Kỳ 86 · " in text
    assert "1 giờ 3 phút" in text
    assert "Người dẫn chương trình" in text
    assert "Lê Thị Hoa" in text
    assert "Khách mời" in text
    assert [li.text_content() for li in main.xpath(".//li[strong]")] == [
        "Lê Thị Hoa",
        "Nguyễn Văn Bình, Phó Chủ tịch UBND huyện Lai Vung",
    ]
    chapters = main.xpath(".//a[@data-start]")
    assert [(a.get("href"), a.get("data-start")) for a in chapters] == [
        ("#t=0", "0"),
        ("#t=130", "130"),
        ("#t=3723.5", "3723.5"),
    ]
    assert chapters[1].text_content() == "00:02:10 — Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận"
    assert chapters[2].text_content().startswith("01:02:03 — ")
    assert main.xpath(".//section[.//a[@data-start]]/h2/text()") == ["Mục lục"]
    transcripts = main.xpath(".//section[h2='Bản ghi lời']//a/@href")
    assert transcripts == [
        "ky-86-thao-go-vuong-mac-ve-dat-dai.vtt",
        "ky-86-thao-go-vuong-mac-ve-dat-dai.transcript.html",
    ]
    # A recording has no newspaper behind it.
    assert "Nguồn:" not in text
    assert "giọng máy" not in text


def test_article_page_has_its_text_the_machine_voice_and_its_source(site: dict[str, bytes]) -> None:
    doc = html(site["feeds/ky-1-dat-dai.html"])
    main = doc.xpath("//main")[0]
    paragraphs = [p.text_content() for p in main.xpath(".//p")]
    assert "Bản đọc bằng giọng máy." in paragraphs
    assert "Tóm tắt kỳ 1: người dân hỏi, lãnh đạo huyện trả lời về thủ tục cấp giấy chứng nhận." in paragraphs
    assert "Đoạn hai về thủ tục hành chính “một cửa”." in paragraphs
    source = main.xpath(".//p[starts-with(normalize-space(.), 'Nguồn:')]")[0]
    assert source.xpath(".//a/@href") == [
        "https://baodongthap.com.vn/",
        "https://baodongthap.com.vn/database/video/0001.mp3",
    ]
    assert "baodongthap.com.vn" in source.text_content()
    assert "Thứ" in main.xpath(".//time/text()")[0]
    assert not main.xpath(".//a[@data-start]")
    plain = html(site["feeds/ky-2-dat-dai.html"]).xpath("//main")[0].text_content()
    assert "giọng máy" not in plain


def test_a_non_web_source_is_named_but_not_linked(channel: Channel) -> None:
    site = build_site(channel, [make_episode(channel, 1, source_url="javascript:alert(1)")])
    main = html(site["feeds/ky-1-dat-dai.html"]).xpath("//main")[0]
    assert "javascript" not in lxml.html.tostring(main, encoding="unicode")
    assert "Nguồn: baodongthap.com.vn" in main.text_content()


def test_hostile_text_is_escaped_everywhere(channel: Channel) -> None:
    hostile_channel = make_channel(title=HOSTILE, description=HOSTILE, author=HOSTILE)
    episode = make_recording(
        hostile_channel,
        title=HOSTILE,
        summary=HOSTILE,
        body=(HOSTILE,),
        speakers=(Speaker(name=HOSTILE, office=HOSTILE),),
        chapters=(
            Chapter(
                start_ms=1000,
                title=HOSTILE,
                question=Question(asker=HOSTILE, commune=HOSTILE, topic=HOSTILE, answered_by=HOSTILE),
            ),
        ),
    )
    site = build_site(hostile_channel, [episode])
    for path, doc in pages(site).items():
        # Only our own inline scripts (the search page has its own); no <b> from the text.
        assert 1 <= len(doc.xpath("//script")) <= 2, path
        assert not any("alert" in script.text_content() for script in doc.xpath("//script")), path
        assert not doc.xpath("//b"), path
        assert HOSTILE in doc.xpath("//title")[0].text_content(), path
        assert HOSTILE in doc.xpath("//h1")[0].text_content() or HOSTILE in doc.xpath("//header")[0].text_content()
        assert meta(doc, "og:site_name") == HOSTILE
    page = html(site["feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.html"])
    assert page.xpath("//h1")[0].text_content() == HOSTILE
    assert page.xpath("//a[@data-start]")[0].text_content() == f"00:00:01 — {HOSTILE}"


def test_open_graph_and_twitter_tags(site: dict[str, bytes], channel: Channel) -> None:
    doc = html(site["feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.html"])
    canonical = BASE + "feeds/ky-86-thao-go-vuong-mac-ve-dat-dai.html"
    assert meta(doc, "og:title") == "Kỳ 86: Tháo gỡ vướng mắc về đất đai"
    assert meta(doc, "og:description").startswith("Tóm tắt kỳ 0")
    assert meta(doc, "og:image") == channel.config.image_url == BASE + "audio/cover.jpg"
    assert meta(doc, "og:audio") == BASE + "audio/ky-86-thao-go-vuong-mac-ve-dat-dai.mp3"
    assert meta(doc, "og:audio:type") == "audio/mpeg"
    assert meta(doc, "og:type") == "article"
    assert meta(doc, "og:url") == canonical
    assert meta(doc, "og:locale") == "vi_VN"
    assert meta(doc, "twitter:card") == "summary"
    assert meta(doc, "twitter:image") == BASE + "audio/cover.jpg"
    assert doc.xpath("//link[@rel='canonical']/@href") == [canonical]
    assert doc.xpath("//link[@rel='alternate'][@type='application/rss+xml']/@href") == [FEED_URL]
    index = html(site["feeds/index.html"])
    assert meta(index, "og:type") == "website"
    assert meta(index, "og:url") == BASE + "feeds/index.html"
    assert meta(index, "og:title") == channel.config.title
    assert not index.xpath("//meta[@property='og:audio']")


def test_subscribe_block_on_every_page(site: dict[str, bytes]) -> None:
    expected = [
        ("Apple Podcasts", "podcast://radio.example.vn/laivung/feeds/podcast.xml"),
        ("Pocket Casts", "pktc://subscribe/radio.example.vn/laivung/feeds/podcast.xml"),
        (
            "AntennaPod",
            "https://antennapod.org/deeplink/subscribe?url=https%3A%2F%2Fradio.example.vn%2Flaivung%2Ffeeds%2Fpodcast.xml"
            "&title=Ch%C3%ADnh%20quy%E1%BB%81n%20%C4%91%E1%BB%91i%20tho%E1%BA%A1i%20v%E1%BB%9Bi%20Nh%C3%A2n%20d%C3%A2n"
            "%20qua%20s%C3%B3ng%20ph%C3%A1t%20thanh",
        ),
        ("Podcast Addict", "podcastaddict://radio.example.vn/laivung/feeds/podcast.xml"),
        (
            "Overcast",
            "overcast://x-callback-url/add?url=https%3A%2F%2Fradio.example.vn%2Flaivung%2Ffeeds%2Fpodcast.xml",
        ),
    ]
    for path, doc in pages(site).items():
        block = doc.xpath("//aside[@id='subscribe']")[0]
        assert block.xpath(".//input[@id='feed-url']/@value") == [FEED_URL], path
        assert block.xpath(".//input[@id='feed-url'][@readonly]"), path
        assert block.xpath(".//button[@data-copy='feed-url']/text()") == ["Sao chép"], path
        assert block.xpath(".//*[@role='status']"), path
        assert [(a.text_content(), a.get("href")) for a in block.xpath(".//ul//a")] == expected, path
    assert [(a.name, a.url) for a in subscribe_links(FEED_URL, make_channel().config.title)] == expected


def test_300_episodes_are_paginated_newest_first_and_every_page_is_light(channel: Channel) -> None:
    episodes = [make_episode(channel, n, body=("Đoạn văn dài về đất đai. " * 40,) * 8) for n in range(1, 301)]
    site = build_site(channel, episodes)
    assert max(len(data) for data in site.values()) < PAGE_LIMIT
    count = -(-300 // PAGE_SIZE)
    index_paths = [index_page_path(n) for n in range(1, count + 1)]
    assert index_paths[:2] == ["feeds/index.html", "feeds/index-2.html"]
    assert all(path in site for path in index_paths)
    assert index_page_path(count + 1) not in site
    # Walking the pages in order lists every episode once, newest first.
    listed: list[str] = []
    for path in index_paths:
        doc = html(site[path])
        listed += doc.xpath("//ol[@class='episodes']/li//h3/a/@href")
        nav = doc.xpath("//nav[@aria-label='Phân trang']")[0]
        assert nav.xpath(".//span[@aria-current='page']/text()") == [str(index_paths.index(path) + 1)]
    newest_first = sorted(episodes, key=lambda ep: ep.published, reverse=True)
    assert listed == [f"{ep.slug}.html" for ep in newest_first]
    assert html(site["feeds/index-2.html"]).xpath("//a[@rel='prev']/@href") == ["index.html"]
    assert html(site["feeds/index.html"]).xpath("//a[@rel='next']/@href") == ["index-2.html"]


def test_a_huge_article_is_cut_on_its_page(channel: Channel) -> None:
    body = tuple(f"Đoạn {i}: " + "người dân hỏi về thủ tục đất đai. " * 30 for i in range(200))
    site = build_site(channel, [make_episode(channel, 1, body=body)])
    page = site["feeds/ky-1-dat-dai.html"]
    assert len(page) < PAGE_LIMIT
    paragraphs = html(page).xpath("//section[h2='Nội dung']/p/text()")
    assert paragraphs[0].startswith("Đoạn 0: ")
    assert sum(len(p.encode()) for p in paragraphs[:-1]) <= MAX_BODY_BYTES
    assert paragraphs[-1].startswith("… Bài dài hơn trang này")


def test_output_is_byte_identical_whatever_the_input_order(channel: Channel) -> None:
    episodes = [make_recording(channel), *(make_episode(channel, n) for n in range(1, 8))]
    # Two episodes at the same time: ordered by GUID, as in the feed.
    episodes.append(make_episode(channel, 3, guid="00000000-0000-0000-0000-000000000000", slug="same-time"))
    first = build_site(channel, episodes)
    assert build_site(channel, episodes[::-1]) == first
    assert build_site(channel, episodes[4:] + episodes[:4]) == first
    assert b"generated" not in first["feeds/index.html"].lower()


def test_an_episode_called_index_does_not_replace_the_programme_page(channel: Channel) -> None:
    assert episode_page_path("index") == "feeds/index.episode.html"
    assert episode_page_path("index-2") == "feeds/index-2.episode.html"
    assert episode_page_path("index-ky-2") == "feeds/index-ky-2.html"
    site = build_site(channel, [make_episode(channel, 1, slug="index", enclosure_url=f"{BASE}audio/index.mp3")])
    assert html(site["feeds/index.html"]).xpath("//h1")[0].text_content() == channel.config.title
    assert html(site["feeds/index.episode.html"]).xpath("//audio/@src") == ["../audio/index.mp3"]
    assert "index.episode.html" in html(site["feeds/index.html"]).xpath("//main//a/@href")


def test_cover_thumbnail_is_shown_only_when_given(channel: Channel) -> None:
    without = build_site(channel, [make_episode(channel, 1)])
    assert "feeds/cover.jpg" not in without
    assert not html(without["feeds/index.html"]).xpath("//img")
    jpeg = b"\xff\xd8\xff\xe0 a tiny stand-in"
    with_cover = build_site(channel, [make_episode(channel, 1)], cover=jpeg)
    assert with_cover["feeds/cover.jpg"] == jpeg
    img = html(with_cover["feeds/index.html"]).xpath("//img")[0]
    assert img.get("src") == "cover.jpg"
    assert img.get("alt") == ""  # decorative: the title is right beside it


def test_an_empty_programme_still_has_its_page(channel: Channel) -> None:
    site = build_site(channel, [])
    assert sorted(site) == [
        "feeds/index.html",
        "feeds/podcast.xsl",
        "feeds/questions.html",
        "feeds/questions.json",
        "feeds/questions.schema.json",
        "feeds/search.html",
    ]
    assert "Chưa có kỳ nào" in html(site["feeds/index.html"]).text_content()


# --- the feed's stylesheet ----------------------------------------------------------------------------------


@pytest.fixture
def styled_feed(channel: Channel) -> tuple[bytes, list[Episode]]:
    episodes = [make_recording(channel), make_episode(channel, 1), make_episode(channel, 2)]
    return with_stylesheet(build_feed(channel, episodes)), episodes


def test_the_instruction_sits_between_declaration_and_root_and_nothing_else_moves(
    channel: Channel, styled_feed: tuple[bytes, list[Episode]]
) -> None:
    styled, episodes = styled_feed
    plain = build_feed(channel, episodes)
    assert styled.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n" + PI + b"\n<rss ")
    assert styled.replace(b"\n" + PI, b"", 1) == plain
    assert with_stylesheet(styled) == styled
    root = etree.fromstring(styled)
    previous = root.getprevious()
    assert isinstance(previous, etree._ProcessingInstruction)
    assert previous.target == "xml-stylesheet"
    assert previous.get("href") == "podcast.xsl"
    assert previous.get("type") == "text/xsl"


def test_a_bad_stylesheet_href_is_refused(channel: Channel) -> None:
    feed = build_feed(channel, [])
    with pytest.raises(FeedError, match="cannot go in an xml-stylesheet"):
        with_stylesheet(feed, href='x.xsl"?><evil')


def test_the_styled_feed_still_parses_in_every_parser(styled_feed: tuple[bytes, list[Episode]]) -> None:
    styled, episodes = styled_feed
    parsed = feedparser.parse(styled)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.title for e in parsed.entries] == [ep.title for ep in episodes]
    gpodder = podcastparser.parse(FEED_URL, io.BytesIO(styled))
    assert gpodder["title"] == "Chính quyền đối thoại với Nhân dân qua sóng phát thanh"
    assert [e["title"] for e in gpodder["episodes"]] == [ep.title for ep in episodes]
    assert [e["enclosures"][0]["url"] for e in gpodder["episodes"]] == [ep.enclosure_url for ep in episodes]
    root = etree.fromstring(styled, etree.XMLParser(resolve_entities=False, no_network=True))
    assert root.tag == "rss"
    assert len(root.xpath("/rss/channel/item")) == 3


def test_the_stylesheet_renders_the_feed_as_a_vietnamese_page(
    site: dict[str, bytes], styled_feed: tuple[bytes, list[Episode]]
) -> None:
    styled, episodes = styled_feed
    transform = etree.XSLT(etree.fromstring(site["feeds/podcast.xsl"]))
    result = transform(etree.fromstring(styled))
    assert not transform.error_log
    doc = html(str(result).encode())
    assert doc.get("lang") == "vi"
    assert doc.xpath("//h1")[0].text_content() == "Chính quyền đối thoại với Nhân dân qua sóng phát thanh"
    items = doc.xpath("//ol[@class='episodes']/li")
    assert [li.xpath(".//h3")[0].text_content() for li in items] == [ep.title for ep in episodes]
    # Each title links to its episode page: the item's <link>.
    assert [li.xpath(".//h3/a/@href")[0] for li in items] == [f"{BASE}feeds/{ep.slug}.html" for ep in episodes]
    assert [li.xpath(".//audio/@src")[0] for li in items] == [ep.enclosure_url for ep in episodes]
    assert [li.xpath(".//p[@class='meta']")[0].text_content() for li in items] == [
        "Kỳ 86 · Thứ Bảy, 25/12/2021 · 1 giờ 3 phút",
        "Thứ Năm, 25/11/2021 · 30 phút 5 giây",
        "Thứ Ba, 26/10/2021 · 30 phút 5 giây",
    ]
    assert doc.xpath("//input[@id='feed-url']/@value") == [FEED_URL]
    assert "podcast://radio.example.vn/laivung/feeds/podcast.xml" in doc.xpath("//aside//a/@href")
    assert doc.xpath("//img/@src") == [BASE + "audio/cover.jpg"]
    assert "index.html" in doc.xpath("//nav//a/@href")


def test_the_stylesheet_handles_an_empty_feed(channel: Channel) -> None:
    transform = etree.XSLT(etree.fromstring(build_site(channel, [])["feeds/podcast.xsl"]))
    doc = html(str(transform(etree.fromstring(with_stylesheet(build_feed(channel, []))))).encode())
    assert "Chưa có kỳ nào" in doc.text_content()


# --- served by radiocast serve --------------------------------------------------------------------------------


@pytest.fixture
def served(tmp_path: Path, channel: Channel) -> Iterator[tuple[Path, str]]:
    root = tmp_path / "ws"
    episodes = [make_recording(channel), make_episode(channel, 1)]
    for path, data in build_site(channel, episodes).items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    (root / "feeds" / "podcast.xml").write_bytes(with_stylesheet(build_feed(channel, episodes)))
    urls: list[str] = []
    ready = threading.Event()
    stop = threading.Event()

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    thread = threading.Thread(target=serve, args=(root,), kwargs={"port": 0, "ready": on_ready, "stop": stop})
    thread.start()
    assert ready.wait(10)
    yield root, urls[0]
    stop.set()
    thread.join(10)


def test_serve_sends_the_root_to_the_programme_page(served: tuple[Path, str]) -> None:
    _, base = served
    response = requests.get(base, timeout=10, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/feeds/index.html")
    page = requests.get(base, timeout=10)
    assert page.url == base + "feeds/index.html"
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "Chính quyền đối thoại" in page.text


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("feeds/podcast.xml", "application/xml; charset=utf-8"),
        ("feeds/podcast.xsl", "application/xml; charset=utf-8"),
        ("feeds/ky-1-dat-dai.html", "text/html; charset=utf-8"),
    ],
)
def test_serve_gives_browsers_the_types_they_need(served: tuple[Path, str], path: str, expected: str) -> None:
    root, base = served
    response = requests.get(base + path, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == expected
    assert response.content == (root / path).read_bytes()
