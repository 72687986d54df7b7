"""The feed as podcast apps see it: lxml XPath, feedparser and podcastparser on build_feed's bytes."""

from __future__ import annotations

import email.utils
import random
import re
import unicodedata
from dataclasses import replace
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import lxml.html
import podcastparser
import pytest
from feedgen.feed import FeedGenerator
from lxml import etree
from mutagen.mp3 import MP3

from radiocast.errors import FeedError
from radiocast.feed import build_feed, episode_guid, podcast_guid
from radiocast.models import (
    Category,
    Channel,
    Chapter,
    Episode,
    EpisodeState,
    Kind,
    PodcastConfig,
    Role,
    Sidecar,
    Speaker,
)
from radiocast.notes import MAX_CONTENT_BYTES, episode_notes, person_name
from radiocast.podcast2 import (
    Location,
    Person,
    Podcast2Extension,
    Transcript,
    UpdateFrequency,
    item_tags,
)
from radiocast.validate import Severity, validate_feed

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
NS = {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM, "content": CONTENT}
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
BASE = "https://laivung.example.vn/podcast/"
RFC2822_LOCAL = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0700$")
ALLOWED_HTML = {"p", "ol", "ul", "li", "a", "b", "i", "strong", "em"}

TITLES = (
    "Đổi mới lề lối làm việc, nâng cao hiệu quả tiếp dân",
    "Tháo gỡ vướng mắc về đất đai cho người dân xã Tân Thành",
    "Lãnh đạo huyện Lai Vung trả lời trực tiếp câu hỏi của người dân",
    "Kỳ 86: Đường giao thông nông thôn và an sinh xã hội",
)


def make_config(**changes: Any) -> PodcastConfig:
    config = PodcastConfig(
        title="Chính quyền đối thoại với Nhân dân qua sóng phát thanh",
        description=(
            "Chương trình phát thanh trực tiếp hằng tháng của Đài Truyền thanh huyện Lai Vung, "
            "tỉnh Đồng Tháp: lãnh đạo huyện trả lời các câu hỏi, phản ánh và kiến nghị của người dân."
        ),
        author="Đài Truyền thanh huyện Lai Vung",
        owner_name="Đài Truyền thanh huyện Lai Vung",
        owner_email="podcast@laivung.example.vn",
        base_url=BASE,
        image=Path("audio/cover.jpg"),
        categories=(Category(name="Government"), Category(name="News", sub="Politics")),
        copyright="Đài Truyền thanh huyện Lai Vung",
    )
    return replace(config, **changes)


def make_channel(config: PodcastConfig | None = None) -> Channel:
    config = config or make_config()
    return Channel(config=config, podcast_guid=podcast_guid(config.feed_url))


def make_episode(channel: Channel, n: int, **changes: Any) -> Episode:
    source = f"https://baodongthap.example.vn/media/2021/12/{n:03d}.mp3"
    slug = f"ky-{n}-lai-vung"
    episode = Episode(
        guid=episode_guid(channel.podcast_guid, source),
        slug=slug,
        seed=f"seeds/{n:03d}.txt",
        title=TITLES[n % len(TITLES)],
        published=datetime(2021, 12, n, 8, 0, tzinfo=TZ),
        source_url=source,
        enclosure_url=f"{BASE}audio/{slug}.mp3",
        summary=f"Tóm tắt kỳ {n}: người dân hỏi & lãnh đạo trả lời.",
        body=("Đoạn một về đất đai.", "Đoạn hai về thủ tục hành chính."),
        author="NGỌC TRÂM",
        state=EpisodeState.PUBLISHED,
        size_bytes=816_643 + n,
        duration_ms=1_800_000 + n * 1000,
    )
    return replace(episode, **changes)


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))


def one(root: etree._Element, path: str) -> str:
    values = root.xpath(path, namespaces=NS)
    assert isinstance(values, list)
    assert len(values) == 1, f"{path}: {values!r}"
    value = values[0]
    return value if isinstance(value, str) else (value.text or "")


@pytest.fixture
def channel() -> Channel:
    return make_channel()


@pytest.fixture
def episodes(channel: Channel) -> list[Episode]:
    return [make_episode(channel, n) for n in (1, 2, 3)]


# --- channel ------------------------------------------------------------------------------------


def test_channel_carries_apple_and_podcasting20_tags(channel: Channel, episodes: list[Episode]) -> None:
    root = parse(build_feed(channel, episodes))
    config = channel.config

    assert root.tag == "rss"
    assert root.get("version") == "2.0"
    # No content: declared: these items' notes fit whole in their description, so no content:encoded.
    assert root.nsmap == {"itunes": ITUNES, "podcast": PODCAST, "atom": ATOM}
    assert one(root, "/rss/channel/title") == "Chính quyền đối thoại với Nhân dân qua sóng phát thanh"
    assert one(root, "/rss/channel/link") == BASE + "feeds/index.html"  # the programme page radiocast publishes
    assert one(root, "/rss/channel/description") == config.description
    assert one(root, "/rss/channel/language") == "vi"
    assert one(root, "/rss/channel/copyright") == "Đài Truyền thanh huyện Lai Vung"
    assert one(root, "/rss/channel/generator").startswith("radiocast ")
    assert one(root, "/rss/channel/atom:link[@rel='self']/@href") == f"{BASE}feeds/podcast.xml"
    assert one(root, "/rss/channel/atom:link[@rel='self']/@type") == "application/rss+xml"
    assert one(root, "/rss/channel/itunes:image/@href") == f"{BASE}audio/cover.jpg"
    assert one(root, "/rss/channel/image/url") == f"{BASE}audio/cover.jpg"
    assert one(root, "/rss/channel/image/title") == one(root, "/rss/channel/title")
    assert one(root, "/rss/channel/image/link") == BASE + "feeds/index.html"
    assert one(root, "/rss/channel/itunes:author") == "Đài Truyền thanh huyện Lai Vung"
    assert one(root, "/rss/channel/itunes:owner/itunes:name") == "Đài Truyền thanh huyện Lai Vung"
    assert one(root, "/rss/channel/itunes:owner/itunes:email") == "podcast@laivung.example.vn"
    assert one(root, "/rss/channel/itunes:type") == "episodic"
    assert one(root, "/rss/channel/podcast:guid") == channel.podcast_guid
    assert one(root, "/rss/channel/podcast:locked") == "yes"
    assert one(root, "/rss/channel/podcast:locked/@owner") == "podcast@laivung.example.vn"
    assert one(root, "/rss/channel/podcast:medium") == "podcast"


def test_new_feed_url_is_written_only_when_the_feed_moves(episodes: list[Episode]) -> None:
    assert not parse(build_feed(make_channel(), episodes)).xpath("channel/itunes:new-feed-url", namespaces=NS)
    moved = make_channel(make_config(new_feed_url="https://new.example.vn/podcast/feeds/podcast.xml"))
    root = parse(build_feed(moved, episodes))
    assert one(root, "channel/itunes:new-feed-url") == "https://new.example.vn/podcast/feeds/podcast.xml"
    # The new host may import it (radiocast import refuses a locked feed).
    assert one(root, "channel/podcast:locked") == "no"


def test_no_copyright_element_when_unset(episodes: list[Episode]) -> None:
    root = parse(build_feed(make_channel(make_config(copyright=None)), episodes))
    assert root.xpath("/rss/channel/copyright") == []


def test_categories_keep_config_order_and_nest_subcategories(channel: Channel, episodes: list[Episode]) -> None:
    root = parse(build_feed(channel, episodes))
    assert root.xpath("/rss/channel/itunes:category/@text", namespaces=NS) == [
        "Government",
        "News",
    ]
    assert root.xpath("/rss/channel/itunes:category[@text='Government']/*", namespaces=NS) == []
    assert root.xpath(
        "/rss/channel/itunes:category[@text='News']/itunes:category/@text",
        namespaces=NS,
    ) == ["Politics"]


def test_ampersand_in_category_is_escaped_by_the_serializer(
    episodes: list[Episode],
) -> None:
    config = make_config(categories=(Category(name="Society & Culture", sub="Places & Travel"),))
    xml = build_feed(make_channel(config), episodes)
    assert b'text="Society &amp; Culture"' in xml
    assert b'text="Places &amp; Travel"' in xml
    assert parse(xml).xpath("//itunes:category/@text", namespaces=NS) == [
        "Society & Culture",
        "Places & Travel",
    ]


@pytest.mark.parametrize(("explicit", "text"), [(False, "false"), (True, "true")])
def test_itunes_explicit_is_true_or_false(explicit: bool, text: str, episodes: list[Episode]) -> None:
    root = parse(build_feed(make_channel(make_config(explicit=explicit)), episodes))
    assert root.xpath("/rss/channel/itunes:explicit/text()", namespaces=NS) == [text]
    assert root.xpath("/rss/channel/item/itunes:explicit/text()", namespaces=NS) == [text] * len(episodes)


def test_channel_description_is_cut_to_4000_bytes_on_a_character(
    episodes: list[Episode],
) -> None:
    # 3,499 characters but 4,899 bytes: "ệ" is three bytes in UTF-8.
    description = " ".join(["nghệ"] * 700)
    assert len(description) < 4000 < len(description.encode())
    root = parse(build_feed(make_channel(make_config(description=description)), episodes))
    text = one(root, "/rss/channel/description")
    assert len(text.encode()) <= 4000
    assert len(text.encode()) > 3900
    assert text.endswith("nghệ…")
    assert description.startswith(text.removesuffix("…"))


# --- items --------------------------------------------------------------------------------------


def test_items_carry_the_required_tags_newest_first(channel: Channel, episodes: list[Episode]) -> None:
    episodes[0] = replace(episodes[0], author=None, duration_ms=1_799_500)
    root = parse(build_feed(channel, episodes))
    items = root.xpath("/rss/channel/item")
    assert [one(item, "guid") for item in items] == [ep.guid for ep in reversed(episodes)]

    newest, _, oldest = items
    assert one(newest, "title") == TITLES[3]
    assert one(newest, "guid/@isPermaLink") == "false"
    assert one(newest, "link") == f"{BASE}feeds/ky-3-lai-vung.html"  # its episode page
    assert one(newest, "enclosure/@url") == f"{BASE}audio/ky-3-lai-vung.mp3"
    assert one(newest, "enclosure/@length") == "816646"
    assert one(newest, "enclosure/@type") == "audio/mpeg"
    assert one(newest, "pubDate") == "Fri, 03 Dec 2021 08:00:00 +0700"
    assert one(newest, "itunes:duration") == "1803"
    assert one(newest, "itunes:episodeType") == "full"
    assert one(newest, "itunes:author") == "NGỌC TRÂM"
    # 1,799.5 s rounds half up; no author → no itunes:author.
    assert one(oldest, "itunes:duration") == "1800"
    assert oldest.xpath("itunes:author", namespaces=NS) == []


def test_item_without_duration_has_no_itunes_duration(channel: Channel) -> None:
    root = parse(build_feed(channel, [make_episode(channel, 1, duration_ms=None)]))
    assert root.xpath("//item/itunes:duration", namespaces=NS) == []


def test_pubdate_is_rfc2822_in_the_podcast_timezone(channel: Channel) -> None:
    # Stored in UTC (as the catalog may), written with the podcast's +0700 offset.
    published = datetime(2021, 12, 25, 1, 0, tzinfo=UTC)
    root = parse(build_feed(channel, [make_episode(channel, 1, published=published)]))
    pub_date = one(root, "/rss/channel/item/pubDate")
    assert pub_date == "Sat, 25 Dec 2021 08:00:00 +0700"
    assert RFC2822_LOCAL.match(pub_date)
    assert email.utils.parsedate_to_datetime(pub_date) == published


def test_last_build_date_is_the_newest_episode_not_the_clock(channel: Channel, episodes: list[Episode]) -> None:
    root = parse(build_feed(channel, episodes))
    newest = one(root, "/rss/channel/item[1]/pubDate")
    assert one(root, "/rss/channel/lastBuildDate") == newest
    assert one(root, "/rss/channel/pubDate") == newest
    assert RFC2822_LOCAL.match(newest)


def test_rebuild_gives_identical_bytes_whatever_the_input_order(channel: Channel, episodes: list[Episode]) -> None:
    first = build_feed(channel, episodes)
    shuffled = episodes[:]
    random.Random(4).shuffle(shuffled)  # noqa: S311  # a fixed, reproducible order
    assert build_feed(make_channel(), shuffled) == first
    assert build_feed(make_channel(), list(reversed(episodes))) == first


def test_same_time_episodes_are_ordered_by_guid(channel: Channel) -> None:
    same_time = datetime(2021, 12, 1, 8, 0, tzinfo=TZ)
    episodes = [make_episode(channel, n, published=same_time) for n in (1, 2, 3, 4)]
    root = parse(build_feed(channel, list(reversed(episodes))))
    assert root.xpath("/rss/channel/item/guid/text()") == sorted(ep.guid for ep in episodes)


def test_empty_feed_is_valid_and_stable(channel: Channel) -> None:
    xml = build_feed(channel, [])
    assert build_feed(make_channel(), []) == xml
    root = parse(xml)
    assert root.xpath("/rss/channel/item") == []
    # No episode, no date: feedgen's default (the clock) is removed.
    assert root.xpath("/rss/channel/lastBuildDate | /rss/channel/pubDate") == []
    assert not feedparser.parse(xml).bozo


# --- descriptions -------------------------------------------------------------------------------


def description_paragraphs(description: str) -> list[str]:
    """Parse an item description as HTML fragments; check the tags; return the paragraphs' text."""
    fragments = lxml.html.fragments_fromstring(description)
    for fragment in fragments:
        assert isinstance(fragment, lxml.html.HtmlElement)
        assert {elem.tag for elem in fragment.iter()} <= ALLOWED_HTML
    # Strict too: every tag closed, every & escaped.
    strict = etree.fromstring(f"<div>{description}</div>")
    return [p.text or "" for p in strict]


def test_description_is_escaped_html_in_cdata(channel: Channel) -> None:
    episode = make_episode(
        channel,
        1,
        summary="Hỏi & đáp: x < y, <script>alert(1)</script> ]]> hết",
        body=("Đoạn một.", "", "  Đoạn   hai\nxuống dòng.  "),
    )
    xml = build_feed(channel, [episode])
    assert b"<description><![CDATA[<p>" in xml
    description = one(parse(xml), "/rss/channel/item/description")
    assert description_paragraphs(description) == [
        "Hỏi & đáp: x < y, <script>alert(1)</script> ]]> hết",
        "Đoạn một.",
        "Đoạn hai xuống dòng.",
    ]
    assert "<script>" not in description


def test_item_without_text_has_no_description(channel: Channel) -> None:
    root = parse(build_feed(channel, [make_episode(channel, 1, summary="", body=(" ",))]))
    assert root.xpath("/rss/channel/item/description") == []


VIETNAMESE_PARAGRAPH = (
    "Về kiến nghị của bà Nguyễn Thị Thuỷ ở xã Tân Thành liên quan đến việc cấp giấy chứng nhận "
    "quyền sử dụng đất, lãnh đạo Uỷ ban nhân dân huyện cho biết hồ sơ đã được tiếp nhận, kiểm tra "
    "và sẽ được giải quyết trước ngày mười lăm tháng tới; nghệ nhân, đường, ưu tiên."
)


def test_description_is_cut_to_4000_bytes_on_a_paragraph_boundary(
    channel: Channel,
) -> None:
    body = tuple(f"{n}. {VIETNAMESE_PARAGRAPH}" for n in range(14))
    # Fewer than 4,000 characters in all: only a byte count cuts this.
    assert sum(map(len, body)) < 4000 < sum(len(p.encode()) for p in body)
    root = parse(build_feed(channel, [make_episode(channel, 1, summary="", body=body)]))
    description = one(root, "/rss/channel/item/description")

    assert 3000 < len(description.encode("utf-8")) <= 4000
    paragraphs = description_paragraphs(description)
    assert 0 < len(paragraphs) < len(body)
    assert paragraphs == list(body[: len(paragraphs)])


def test_one_huge_paragraph_is_cut_on_a_word_and_stays_nfc(channel: Channel) -> None:
    lead = " ".join([VIETNAMESE_PARAGRAPH] * 30)
    nfd_lead = unicodedata.normalize("NFD", lead)
    root = parse(build_feed(channel, [make_episode(channel, 1, summary=nfd_lead, body=("Không vừa.",))]))
    description = one(root, "/rss/channel/item/description")

    assert len(description.encode("utf-8")) <= 4000
    assert unicodedata.is_normalized("NFC", description)
    (paragraph,) = description_paragraphs(description)
    assert paragraph.endswith("…")
    kept = paragraph.removesuffix("…")
    assert lead.startswith(kept)
    assert lead[len(kept)] == " "  # cut between words
    assert len(kept) > 2500


# --- titles and hostile text --------------------------------------------------------------------


def test_hostile_title_comes_out_plain_nfc_and_well_formed(channel: Channel) -> None:
    title = (
        "  Kỳ 86: <b>Tháo gỡ</b> & vướng\x0b mắc\x00 😀 "
        + unicodedata.normalize("NFD", "Đất đai ở Lai Vung")
        + "\ud800 a < b\n"
    )
    episode = make_episode(channel, 1, title=title, summary="Tóm\x0c tắt & \x1b]]>")
    xml = build_feed(channel, [episode])
    root = parse(xml)
    parsed = one(root, "/rss/channel/item/title")
    assert parsed == "Kỳ 86: Tháo gỡ & vướng mắc 😀 Đất đai ở Lai Vung a b"
    assert unicodedata.is_normalized("NFC", parsed)
    # "Tháo gỡ &amp; v": the "&" escaped by lxml, not by us.
    assert "Tháo gỡ &amp; v".encode() in xml
    assert feedparser.parse(xml).entries[0].title == parsed


def test_long_title_is_cut_to_255_characters(channel: Channel) -> None:
    title = " ".join([TITLES[0]] * 8)
    root = parse(build_feed(channel, [make_episode(channel, 1, title=title)]))
    parsed = one(root, "/rss/channel/item/title")
    assert len(parsed) <= 255
    assert parsed.endswith("…")
    assert title.startswith(parsed.removesuffix("…"))


def test_title_without_text_falls_back_to_the_slug(channel: Channel) -> None:
    root = parse(build_feed(channel, [make_episode(channel, 1, title="<b> </b>\x0b")]))
    assert one(root, "/rss/channel/item/title") == "ky-1-lai-vung"


# Any text at all: tests/test_text_properties.py.


# --- real clients -------------------------------------------------------------------------------


def test_feedparser_reads_the_feed(channel: Channel, episodes: list[Episode]) -> None:
    parsed = feedparser.parse(build_feed(channel, episodes))
    assert parsed.bozo == 0
    assert parsed.feed.title == channel.config.title
    assert [entry.title for entry in parsed.entries] == [
        TITLES[3],
        TITLES[2],
        TITLES[1],
    ]
    newest = parsed.entries[0]
    assert newest.id == episodes[2].guid
    (enclosure,) = newest.enclosures
    assert enclosure.href == episodes[2].enclosure_url
    assert enclosure.length == "816646"
    assert enclosure.type == "audio/mpeg"
    # 08:00 at +0700 is 01:00 UTC.
    assert newest.published_parsed[:6] == (2021, 12, 3, 1, 0, 0)


def test_podcastparser_reads_the_feed(channel: Channel, episodes: list[Episode]) -> None:
    config = channel.config
    parsed = podcastparser.parse(config.feed_url, BytesIO(build_feed(channel, episodes)))
    assert parsed["title"] == config.title
    assert parsed["explicit"] is False
    assert parsed["type"] == "episodic"
    assert parsed["itunes_categories"] == [["Government"], ["News", "Politics"]]
    assert parsed["itunes_owner"] == {
        "name": config.owner_name,
        "email": config.owner_email,
    }
    got = {ep["guid"]: ep for ep in parsed["episodes"]}
    assert set(got) == {ep.guid for ep in episodes}
    for ep in episodes:
        item = got[ep.guid]
        assert item["title"] == ep.title
        assert item["enclosures"] == [
            {
                "url": ep.enclosure_url,
                "file_size": ep.size_bytes,
                "mime_type": "audio/mpeg",
            }
        ]
        assert ep.duration_ms is not None
        assert item["total_time"] == round(ep.duration_ms / 1000)
        assert item["published"] == int(ep.published.timestamp())


def test_real_mp3_size_and_duration_reach_the_client(channel: Channel, sample_mp3: Path) -> None:
    audio = MP3(sample_mp3)
    episode = make_episode(
        channel,
        1,
        size_bytes=sample_mp3.stat().st_size,
        duration_ms=round(audio.info.length * 1000),
    )
    parsed = podcastparser.parse(channel.config.feed_url, BytesIO(build_feed(channel, [episode])))
    (item,) = parsed["episodes"]
    assert item["enclosures"][0]["file_size"] == sample_mp3.stat().st_size
    assert abs(item["total_time"] - audio.info.length) <= 1


# --- GUIDs --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("feed_url", "expected"),
    [
        ("https://podnews.net/rss", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
        (
            "http://mp3s.nashownotes.com/pc20rss.xml",
            "917393e3-1b1e-5cef-ace4-edaa54e1f810",
        ),
        ("https://podnews.net/rss/", "9b024349-ccf0-5f69-a609-6b82873eab3c"),
    ],
)
def test_podcast_guid_matches_the_namespace_vectors(feed_url: str, expected: str) -> None:
    assert podcast_guid(feed_url) == expected


def test_episode_guid_is_stable_and_distinct() -> None:
    show = "9b024349-ccf0-5f69-a609-6b82873eab3c"
    url = "https://baodongthap.example.vn/media/2021/12/001.mp3"
    # A literal: any change of algorithm would re-announce every episode to every subscriber.
    assert episode_guid(show, url) == "9f3e734a-50f4-5692-ae3d-36e111a61934"
    assert episode_guid(show, url) == episode_guid(show.upper(), f" {url}\n")
    assert episode_guid(show, url) != episode_guid(show, url.replace("001", "002"))
    assert episode_guid(show, url) != episode_guid("917393e3-1b1e-5cef-ace4-edaa54e1f810", url)
    seed = "seeds/Đối thoại.toml"
    assert episode_guid(show, unicodedata.normalize("NFD", seed)) == episode_guid(show, seed)


@pytest.mark.parametrize(
    ("podcast", "source"),
    [("not-a-uuid", "x"), ("9b024349-ccf0-5f69-a609-6b82873eab3c", " ")],
)
def test_episode_guid_rejects_bad_input(podcast: str, source: str) -> None:
    with pytest.raises(FeedError):
        episode_guid(podcast, source)


# --- errors -------------------------------------------------------------------------------------


def test_naive_published_time_names_the_episode(channel: Channel) -> None:
    naive = make_episode(channel, 1, published=datetime(2021, 12, 1, 8, 0))  # noqa: DTZ001
    with pytest.raises(FeedError, match=r"ky-1-lai-vung.*no time zone"):
        build_feed(channel, [naive])


def test_duplicate_guid_is_refused(channel: Channel) -> None:
    first = make_episode(channel, 1)
    second = make_episode(channel, 2, guid=first.guid)
    with pytest.raises(FeedError, match="share the GUID"):
        build_feed(channel, [first, second])


def test_reused_enclosure_url_is_refused(channel: Channel) -> None:
    first = make_episode(channel, 1)
    second = make_episode(channel, 2, enclosure_url=first.enclosure_url)
    with pytest.raises(FeedError, match="share the enclosure"):
        build_feed(channel, [first, second])


def test_missing_size_is_refused(channel: Channel) -> None:
    with pytest.raises(FeedError, match=r"ky-1-lai-vung.*no size") as info:
        build_feed(channel, [make_episode(channel, 1, size_bytes=None)])
    assert info.value.hint


def test_cover_that_itunes_would_drop_is_refused() -> None:
    channel = make_channel(make_config(image=Path("audio/cover.jpeg")))
    with pytest.raises(FeedError, match=r"cover\.jpeg"):
        build_feed(channel, [])


def test_bad_podcast_guid_is_refused() -> None:
    channel = Channel(config=make_config(), podcast_guid="guid-1")
    with pytest.raises(FeedError, match="guid-1"):
        build_feed(channel, [])


# --- the podcast2 extension on its own ----------------------------------------------------------


def extended_feed() -> Any:
    fg = FeedGenerator()
    fg.title("Chương trình")
    fg.link(href=BASE)
    fg.description("Mô tả")
    fg.register_extension("podcast2", Podcast2Extension)
    return fg


def test_podcast2_channel_tags() -> None:
    fg = extended_feed()
    fg.podcast2.update_frequency = UpdateFrequency(text="Hằng tháng", rrule="FREQ=MONTHLY")
    fg.podcast2.persons = [Person(name="Nguyễn Văn\x0b Bình", role="host", href="https://example.vn/binh")]
    fg.podcast2.locations = [Location(name="Lai Vung, Đồng Tháp", rel="creator", country="VN")]
    root = parse(fg.rss_str())
    assert root.nsmap["podcast"] == PODCAST
    assert one(root, "/rss/channel/podcast:updateFrequency") == "Hằng tháng"
    assert one(root, "/rss/channel/podcast:updateFrequency/@rrule") == "FREQ=MONTHLY"
    assert one(root, "/rss/channel/podcast:person") == "Nguyễn Văn Bình"
    assert one(root, "/rss/channel/podcast:person/@role") == "host"
    assert one(root, "/rss/channel/podcast:location") == "Lai Vung, Đồng Tháp"
    assert one(root, "/rss/channel/podcast:location/@country") == "VN"
    # Nothing set, nothing written.
    assert root.xpath("//podcast:guid | //itunes:explicit", namespaces=NS) == []


def tagged_item(**changes: Any) -> etree._Element:
    """An <item> with item_tags' elements: no transcript, chapters, person or numbers unless given."""
    item = etree.Element("item", nsmap={"itunes": ITUNES, "podcast": PODCAST})
    args: dict[str, Any] = {
        "explicit": False,
        "transcripts": (),
        "chapters_url": None,
        "persons": (),
        "season": None,
        "episode": None,
    }
    item_tags(item, **{**args, **changes})
    return item


def test_podcast2_item_tags() -> None:
    item = tagged_item(
        transcripts=[
            Transcript(url=f"{BASE}feeds/ky-86.vtt", type="text/vtt", language="vi", rel="captions"),
            Transcript(url=f"{BASE}feeds/ky-86.srt", type="application/x-subrip"),
        ],
        chapters_url=f"{BASE}feeds/ky-86.chapters.json",
        persons=[Person(name="Trần Thị C", role="guest")],
        season=2021,
        episode=86,
    )

    assert one(item, "itunes:explicit") == "false"
    assert item.xpath("podcast:transcript/@type", namespaces=NS) == [
        "text/vtt",
        "application/x-subrip",
    ]
    assert one(item, "podcast:transcript[1]/@language") == "vi"
    assert one(item, "podcast:transcript[1]/@rel") == "captions"
    assert item.xpath("podcast:transcript[2]/@rel", namespaces=NS) == []
    assert one(item, "podcast:chapters/@url") == f"{BASE}feeds/ky-86.chapters.json"
    assert one(item, "podcast:chapters/@type") == "application/json+chapters"
    assert one(item, "podcast:person") == "Trần Thị C"
    assert one(item, "podcast:season") == "2021"
    assert one(item, "podcast:episode") == "86"
    # Nothing given, nothing written but itunes:explicit.
    assert [child.tag for child in tagged_item(explicit=True)] == [f"{{{ITUNES}}}explicit"]


def test_podcast2_refuses_unknown_values() -> None:
    fg = extended_feed()
    fg.podcast2.medium = "radio"
    with pytest.raises(FeedError, match="radio"):
        fg.rss_str()
    with pytest.raises(FeedError, match="msword"):
        tagged_item(transcripts=[Transcript(url=f"{BASE}t.doc", type="application/msword")])


# --- the station's recordings: people, numbers, sidecars, notes -----------------------------------

SPEAKERS = (
    Speaker(name="Lê Thị Diệu", role=Role.HOST, office="Phát thanh viên Đài Truyền thanh huyện"),
    Speaker(name="Nguyễn Văn Bình", role=Role.GUEST, office="Phó Chủ tịch UBND huyện Lai Vung"),
    Speaker(name="Trần Quốc Hùng", role=Role.GUEST, office="Trưởng phòng Tài nguyên & Môi trường"),
)
QUESTIONS = (
    "Giới thiệu chương trình",
    "Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận quyền sử dụng đất",
    "Ông Nguyễn Văn A, xã Long Hậu: đường giao thông nông thôn",
    "Bà Lê Thị B, xã Vĩnh Thới: hỗ trợ hộ nghèo <nhà ở>",
    "Ông Phạm Văn D, thị trấn Lai Vung: cấp phép xây dựng",
    "Bà Huỳnh Thị E, xã Hòa Long: bồi thường giải phóng mặt bằng",
    "Ông Võ Văn F, xã Long Thắng: nước sạch nông thôn",
    "Bà Đặng Thị G, xã Định Hòa: bảo hiểm y tế & học phí",
    "Ông Bùi Văn H, xã Phong Hòa: ô nhiễm môi trường chăn nuôi",
    "Tổng kết và hẹn gặp lại",
)
# Ten chapters, the first at 0: Spotify's rule holds. 00:02:10, 00:09:50, …
STARTS_MS = (0, 130_000, 590_500, 1_205_000, 1_820_000, 2_400_999, 2_955_000, 3_300_000, 3_540_000, 3_600_000)
RECORDING_CHAPTERS = tuple(Chapter(start_ms=s, title=t) for s, t in zip(STARTS_MS, QUESTIONS, strict=True))
# Our Spotify form: time, one space, the title (the list form has " — " between them).
SPOTIFY_LINE = re.compile(r"^(\d{2}):(\d{2}):(\d{2}) ([^\s—].*)$")


def make_recording(channel: Channel, **changes: Any) -> Episode:
    episode = make_episode(
        channel,
        25,
        kind=Kind.RECORDING,
        title="Kỳ 86: Tháo gỡ vướng mắc về đất đai",
        summary="Lãnh đạo huyện Lai Vung trả lời trực tiếp câu hỏi của người dân về đất đai & an sinh.",
        body=(),
        source_url="seeds/ky-86.toml",
        episode_number=86,
        season=2021,
        speakers=SPEAKERS,
        chapters=RECORDING_CHAPTERS,
        transcripts=(
            Sidecar(path="feeds/ky-86.vtt", mime="text/vtt", rel="captions"),
            Sidecar(path="feeds/ky-86.srt", mime="application/x-subrip", rel="captions"),
            Sidecar(path="feeds/ky-86.html", mime="text/html"),
        ),
        chapters_file=Sidecar(path="feeds/ky-86.chapters.json", mime="application/json+chapters"),
        duration_ms=3_700_000,
    )
    return replace(episode, **changes)


def make_article(channel: Channel, **changes: Any) -> Episode:
    episode = make_episode(
        channel,
        7,
        summary="Sáng 25/12, lãnh đạo huyện trả lời trực tiếp phản ánh của người dân.",
        body=("Đoạn một về đất đai.", "Đoạn hai về thủ tục hành chính & hộ tịch."),
        source_url="https://baodongthap.example.vn/media/2021/12/007.mp3",
        source_site="baodongthap.vn",
        machine_read=True,
    )
    return replace(episode, **changes)


def html_blocks(fragment: str) -> list[etree._Element]:
    """Parse notes HTML strictly and leniently; check Apple's tags; return the top-level elements."""
    for element in lxml.html.fragments_fromstring(fragment):
        assert isinstance(element, lxml.html.HtmlElement), element
        assert {e.tag for e in element.iter()} <= ALLOWED_HTML, lxml.html.tostring(element)
    return list(etree.fromstring(f"<div>{fragment}</div>"))


def text_lines(fragment: str) -> list[str]:
    """What a reader sees, one line per paragraph or list item."""
    lines: list[str] = []
    for block in html_blocks(fragment):
        items = block.findall("li") if block.tag in ("ol", "ul") else [block]
        lines.extend("".join(item.itertext()) for item in items)
    return lines


def test_recording_item_carries_people_numbers_and_sidecars(channel: Channel) -> None:
    root = parse(build_feed(channel, [make_recording(channel)]))
    (item,) = root.xpath("/rss/channel/item")

    assert root.nsmap["content"] == CONTENT
    assert one(item, "itunes:season") == "2021"
    assert one(item, "itunes:episode") == "86"
    assert one(item, "podcast:season") == "2021"
    assert one(item, "podcast:episode") == "86"
    assert one(item, "itunes:episodeType") == "full"
    people = item.xpath("podcast:person", namespaces=NS)
    assert [(p.text, p.get("role"), p.get("group")) for p in people] == [
        ("Lê Thị Diệu (Phát thanh viên Đài Truyền thanh huyện)", "host", "cast"),
        ("Nguyễn Văn Bình (Phó Chủ tịch UBND huyện Lai Vung)", "guest", "cast"),
        ("Trần Quốc Hùng (Trưởng phòng Tài nguyên & Môi trường)", "guest", "cast"),
    ]
    transcripts = item.xpath("podcast:transcript", namespaces=NS)
    assert [dict(t.attrib) for t in transcripts] == [
        {"url": f"{BASE}feeds/ky-86.vtt", "type": "text/vtt", "language": "vi", "rel": "captions"},
        {"url": f"{BASE}feeds/ky-86.srt", "type": "application/x-subrip", "language": "vi", "rel": "captions"},
        {"url": f"{BASE}feeds/ky-86.html", "type": "text/html", "language": "vi"},
    ]
    assert one(item, "podcast:chapters/@url") == f"{BASE}feeds/ky-86.chapters.json"
    assert one(item, "podcast:chapters/@type") == "application/json+chapters"
    # Nothing at channel level: an item's person list would replace it anyway.
    assert root.xpath("/rss/channel/podcast:person", namespaces=NS) == []


def test_recording_notes_list_speakers_and_chapters_in_allowed_html(channel: Channel) -> None:
    xml = build_feed(channel, [make_recording(channel)])
    root = parse(xml)
    description = one(root, "/rss/channel/item/description")
    content = one(root, "/rss/channel/item/content:encoded")
    assert b"<description><![CDATA[<p>" in xml
    assert b"<content:encoded><![CDATA[<p>" in xml
    assert len(description.encode()) <= 4000

    expected_chapters = [
        "00:00:00 — Giới thiệu chương trình",
        "00:02:10 — Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận quyền sử dụng đất",
        "00:09:50 — Ông Nguyễn Văn A, xã Long Hậu: đường giao thông nông thôn",
        "00:20:05 — Bà Lê Thị B, xã Vĩnh Thới: hỗ trợ hộ nghèo <nhà ở>",
        "00:30:20 — Ông Phạm Văn D, thị trấn Lai Vung: cấp phép xây dựng",
        "00:40:00 — Bà Huỳnh Thị E, xã Hòa Long: bồi thường giải phóng mặt bằng",
        "00:49:15 — Ông Võ Văn F, xã Long Thắng: nước sạch nông thôn",
        "00:55:00 — Bà Đặng Thị G, xã Định Hòa: bảo hiểm y tế & học phí",
        "00:59:00 — Ông Bùi Văn H, xã Phong Hòa: ô nhiễm môi trường chăn nuôi",
        "01:00:00 — Tổng kết và hẹn gặp lại",
    ]
    head = [
        "Lãnh đạo huyện Lai Vung trả lời trực tiếp câu hỏi của người dân về đất đai & an sinh.",
        "Người dẫn chương trình",
        "Lê Thị Diệu, Phát thanh viên Đài Truyền thanh huyện",
        "Khách mời",
        "Nguyễn Văn Bình, Phó Chủ tịch UBND huyện Lai Vung",
        "Trần Quốc Hùng, Trưởng phòng Tài nguyên & Môi trường",
        "Mục lục",
    ]
    assert text_lines(content) == head + expected_chapters
    # The description has the same, the chapters as Spotify's "HH:MM:SS title" lines.
    assert text_lines(description) == head + [line.replace(" — ", " ", 1) for line in expected_chapters]
    blocks = html_blocks(content)
    assert [b.tag for b in blocks] == ["p", "p", "ul", "p", "ul", "p", "ol"]
    assert blocks[1][0].tag == "strong"
    # Escaped text, not markup: "<nhà ở>" is in the text, no such element exists.
    assert "&lt;nhà ở&gt;" in content
    assert "&lt;nhà ở&gt;" in description


@pytest.mark.parametrize(
    ("starts", "spotify"),
    [
        ((0, 60_000, 120_000), True),
        ((999, 60_000, 120_000), True),  # shown as 00:00:00
        ((0, 60_000), False),  # fewer than three
        ((5_000, 60_000, 120_000), False),  # first not at 00:00
        ((1_000, 60_000, 120_000, 180_000), False),
    ],
)
def test_spotify_timestamps_only_when_first_is_zero_and_at_least_three(
    channel: Channel, starts: tuple[int, ...], spotify: bool
) -> None:
    chapters = tuple(Chapter(start_ms=s, title=f"Phần {n + 1}: hỏi đáp") for n, s in enumerate(starts))
    root = parse(build_feed(channel, [make_recording(channel, chapters=chapters)]))
    description = one(root, "/rss/channel/item/description")

    stamped = [m for line in text_lines(description) if (m := SPOTIFY_LINE.match(line))]
    if spotify:
        assert [m.group(4) for m in stamped] == [c.title for c in chapters]
        assert stamped[0].group(0).startswith("00:00:00 ")
        # One per line: each in its own paragraph.
        assert description.count("<p>00:") == len(chapters)
    else:
        assert stamped == []
        assert "<ol><li>00:" in description
    # The full notes (content:encoded when it differs, else the description) list them with a dash.
    content = one(root, "/rss/channel/item/content:encoded") if spotify else description
    assert sum(" — Phần " in line for line in text_lines(content)) == len(chapters)


def test_no_content_encoded_when_it_would_repeat_the_description(channel: Channel) -> None:
    # First chapter after an intro: no Spotify lines, and the notes fit in the description.
    chapters = tuple(Chapter(start_ms=3_500 + n * 4_000, title=t) for n, t in enumerate(QUESTIONS))
    xml = build_feed(channel, [make_recording(channel, chapters=chapters)])
    root = parse(xml)
    description = one(root, "/rss/channel/item/description")
    assert "<ol><li>00:00:03 — Giới thiệu chương trình</li>" in description
    assert root.xpath("//content:encoded", namespaces=NS) == []
    assert "content" not in root.nsmap
    # Apps that prefer content:encoded fall back on the description's HTML: the same notes.
    (episode,) = podcastparser.parse(channel.config.feed_url, BytesIO(xml))["episodes"]
    assert episode["description_html"] == description
    (entry,) = feedparser.parse(xml).entries
    assert entry.summary == description


def test_article_notes_have_the_lead_the_machine_voice_and_the_source(channel: Channel) -> None:
    article = make_article(channel)
    root = parse(build_feed(channel, [article]))
    description = one(root, "/rss/channel/item/description")

    assert text_lines(description) == [
        "Sáng 25/12, lãnh đạo huyện trả lời trực tiếp phản ánh của người dân.",
        "Bản đọc bằng giọng máy.",
        "Đoạn một về đất đai.",
        "Đoạn hai về thủ tục hành chính & hộ tịch.",
        "Nguồn: baodongthap.vn",
    ]
    (link,) = html_blocks(description)[-1]
    assert link.tag == "a"
    assert link.get("href") == article.source_url
    assert link.text == "baodongthap.vn"


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "seeds/ky-1.txt", 'https://x.example/"onmouseover="alert(1)', "https://x.example/a b"],
)
def test_only_an_http_source_becomes_a_link(channel: Channel, url: str) -> None:
    description = one(
        parse(build_feed(channel, [make_article(channel, source_url=url)])),
        "/rss/channel/item/description",
    )
    last = html_blocks(description)[-1]
    if url.startswith('https://x.example/"'):
        (link,) = last
        assert link.get("href") == url  # one attribute, quotes escaped
        assert link.get("onmouseover") is None
    else:
        assert len(last) == 0
        assert "".join(last.itertext()) == "Nguồn: baodongthap.vn"


def test_recordings_and_siteless_articles_have_no_source_line(channel: Channel) -> None:
    for episode in (
        make_recording(channel, source_site="baodongthap.vn", source_url="https://baodongthap.example.vn/x.mp3"),
        make_article(channel, source_site=""),
    ):
        root = parse(build_feed(channel, [episode]))
        for path in ("/rss/channel/item/description", "/rss/channel/item/content:encoded"):
            for notes in root.xpath(path, namespaces=NS):
                assert "Nguồn" not in notes.text


def test_long_article_description_is_cut_but_keeps_its_source_and_content_keeps_all(channel: Channel) -> None:
    body = tuple(f"{n}. {VIETNAMESE_PARAGRAPH}" for n in range(60))
    root = parse(build_feed(channel, [make_article(channel, body=body)]))
    description = one(root, "/rss/channel/item/description")
    content = one(root, "/rss/channel/item/content:encoded")

    assert 3500 < len(description.encode()) <= 4000
    lines = text_lines(description)
    assert lines[:2] == [
        "Sáng 25/12, lãnh đạo huyện trả lời trực tiếp phản ánh của người dân.",
        "Bản đọc bằng giọng máy.",
    ]
    assert lines[-1] == "Nguồn: baodongthap.vn"
    kept = lines[2:-1]
    assert 0 < len(kept) < len(body)
    assert kept == list(body[: len(kept)])  # whole paragraphs, in order
    assert text_lines(content)[2:-1] == list(body)
    assert len(content.encode()) <= MAX_CONTENT_BYTES


def test_content_encoded_stays_under_its_cap(channel: Channel) -> None:
    body = tuple(f"{n}. {VIETNAMESE_PARAGRAPH}" for n in range(400))  # ~120 KB of text
    description, content = episode_notes(make_article(channel, body=body))
    assert 60_000 < len(content.encode()) <= MAX_CONTENT_BYTES
    assert len(description.encode()) <= 4000
    assert text_lines(content)[-1] == "Nguồn: baodongthap.vn"
    html_blocks(content)


def test_many_chapters_are_cut_from_the_description_not_from_content(channel: Channel) -> None:
    chapters = tuple(Chapter(start_ms=n * 20_000, title=f"Câu hỏi {n}: {QUESTIONS[1]}") for n in range(120))
    root = parse(build_feed(channel, [make_recording(channel, chapters=chapters, duration_ms=2_500_000)]))
    description = one(root, "/rss/channel/item/description")
    content = one(root, "/rss/channel/item/content:encoded")

    assert len(description.encode()) <= 4000
    stamped = [m.group(4) for line in text_lines(description) if (m := SPOTIFY_LINE.match(line))]
    assert 3 <= len(stamped) < len(chapters)
    assert stamped == [c.title for c in chapters[: len(stamped)]]
    assert sum(" — Câu hỏi " in line for line in text_lines(content)) == len(chapters)


def test_feedparser_reads_the_recording(channel: Channel) -> None:
    episode = make_recording(channel)
    parsed = feedparser.parse(build_feed(channel, [episode]))
    assert parsed.bozo == 0
    (entry,) = parsed.entries
    (content,) = entry.content
    assert content.type == "text/html"
    assert "<ol><li>00:00:00 — Giới thiệu chương trình</li>" in content.value
    assert "<p>00:02:10 Bà Trần Thị C" in entry.summary
    assert entry.itunes_season == "2021"
    assert entry.itunes_episode == "86"
    assert entry.itunes_episodetype == "full"


def test_podcastparser_reads_the_recording(channel: Channel) -> None:
    episode = make_recording(channel)
    parsed = podcastparser.parse(channel.config.feed_url, BytesIO(build_feed(channel, [episode])))
    (item,) = parsed["episodes"]
    assert item["guid"] == episode.guid
    assert item["enclosures"] == [
        {"url": episode.enclosure_url, "file_size": episode.size_bytes, "mime_type": "audio/mpeg"}
    ]
    assert item["total_time"] == 3700
    assert item["description_html"].startswith("<p>Lãnh đạo huyện Lai Vung")
    assert "Nguyễn Văn Bình, Phó Chủ tịch UBND huyện Lai Vung" in item["description"]
    assert "00:02:10" in item["description"]
    # The canonical namespace URI is not one podcastparser 0.6.11 maps (FEED-SPEC §6.2).
    assert "persons" not in item
    assert "chapters_json_url" not in item


def test_our_linter_finds_no_error_in_a_feed_with_everything(channel: Channel) -> None:
    feed = build_feed(
        channel, [make_recording(channel), make_article(channel), *[make_episode(channel, n) for n in (1, 2)]]
    )
    problems = validate_feed(feed)
    assert [p for p in problems if p.severity is Severity.ERROR] == []
    assert [p for p in problems if "description" in p.rule] == []


def test_rebuilding_a_recording_gives_identical_bytes(channel: Channel) -> None:
    episodes = [make_recording(channel), make_article(channel)]
    assert build_feed(channel, episodes) == build_feed(make_channel(), list(reversed(episodes)))


def test_no_notes_no_description_and_no_content_namespace(channel: Channel) -> None:
    root = parse(build_feed(channel, [make_recording(channel, summary=" ", speakers=(), chapters=())]))
    assert root.xpath("//item/description | //content:encoded", namespaces=NS) == []
    assert "content" not in root.nsmap


@pytest.mark.parametrize(
    ("speaker", "expected"),
    [
        (Speaker(name="Nguyễn Văn Bình"), "Nguyễn Văn Bình"),
        (Speaker(name=" Nguyễn  Văn\nBình ", office=" Phó Chủ tịch "), "Nguyễn Văn Bình (Phó Chủ tịch)"),
        (Speaker(name="", office="Phó Chủ tịch"), ""),
    ],
)
def test_person_name_puts_the_office_in_brackets(speaker: Speaker, expected: str) -> None:
    assert person_name(speaker) == expected


def test_a_long_office_is_cut_and_the_name_kept_whole() -> None:
    office = "Phó Chủ tịch Thường trực Ủy ban nhân dân huyện Lai Vung, kiêm Trưởng ban Chỉ đạo giải phóng mặt bằng"
    name = person_name(Speaker(name="Nguyễn Văn Bình", office=office + " " + office))
    assert len(name) <= 128
    assert name.startswith("Nguyễn Văn Bình (Phó Chủ tịch Thường trực")
    assert name.endswith("…)")
    long_name = person_name(Speaker(name="Nguyễn " * 30, office=office))
    assert len(long_name) <= 128
    assert long_name.endswith("…")
    assert "(" not in long_name


def test_speakers_without_a_name_are_left_out(channel: Channel) -> None:
    speakers = (Speaker(name=" \x0b ", office="Phó Chủ tịch"), SPEAKERS[1])
    item = parse(build_feed(channel, [make_recording(channel, speakers=speakers)])).xpath("//item")[0]
    assert item.xpath("podcast:person/text()", namespaces=NS) == ["Nguyễn Văn Bình (Phó Chủ tịch UBND huyện Lai Vung)"]


@pytest.mark.parametrize(("season", "number"), [(0, 86), (2021, 0), (-1, -5)])
def test_non_positive_numbers_are_left_out_with_a_warning(
    channel: Channel, caplog: pytest.LogCaptureFixture, season: int, number: int
) -> None:
    item = parse(build_feed(channel, [make_recording(channel, season=season, episode_number=number)])).xpath("//item")[
        0
    ]
    for name, value in (("season", season), ("episode", number)):
        expected = [str(value)] if value > 0 else []
        assert item.xpath(f"itunes:{name}/text()", namespaces=NS) == expected
        assert item.xpath(f"podcast:{name}/text()", namespaces=NS) == expected
    assert "not positive" in caplog.text


def test_sidecar_urls_are_percent_encoded(channel: Channel) -> None:
    episode = make_recording(
        channel,
        transcripts=(Sidecar(path="feeds/kỳ 86.vtt", mime="text/vtt", rel="captions"),),
        chapters_file=None,
    )
    item = parse(build_feed(channel, [episode])).xpath("//item")[0]
    assert one(item, "podcast:transcript/@url") == f"{BASE}feeds/k%E1%BB%B3%2086.vtt"
    assert item.xpath("podcast:chapters", namespaces=NS) == []
