"""validate_feed: a good feed passes clean; each rule fails on a feed that breaks it."""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path

import pytest
from lxml import etree
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from radiocast.errors import FetchError
from radiocast.fetch import fetch_bytes
from radiocast.models import FetchSettings
from radiocast.safexml import MAX_FEED_BYTES
from radiocast.validate import ITUNES_NS, PODCAST_NS, Problem, Severity, validate_feed

BASE = "https://radio.example.vn/podcast/"
EP1 = f"{BASE}audio/ky-85-thao-go-vuong-mac-ve-dat-dai.mp3"
EP2 = f"{BASE}audio/ky-84-cai-cach-hanh-chinh.mp3"

GOOD = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="{ITUNES_NS}" xmlns:podcast="{PODCAST_NS}" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Chính quyền đối thoại với Nhân dân qua sóng phát thanh</title>
  <link>{BASE}</link>
  <description><![CDATA[<p>Lãnh đạo huyện Lai Vung trả lời câu hỏi của người dân.</p>]]></description>
  <language>vi</language>
  <lastBuildDate>Sun, 19 Dec 2021 08:00:00 +0700</lastBuildDate>
  <atom:link rel="self" type="application/rss+xml" href="{BASE}feeds/podcast.xml"/>
  <itunes:image href="{BASE}audio/cover.jpg"/>
  <itunes:category text="News"><itunes:category text="Daily News"/></itunes:category>
  <itunes:category text="Government"/>
  <itunes:explicit>false</itunes:explicit>
  <itunes:author>Đài Truyền thanh huyện Lai Vung</itunes:author>
  <itunes:owner><itunes:name>Đài Truyền thanh huyện Lai Vung</itunes:name><itunes:email>podcast@radio.example.vn</itunes:email></itunes:owner>
  <itunes:type>episodic</itunes:type>
  <podcast:guid>150e8fae-3cd7-5a03-9ad7-bdd8ef1d1b74</podcast:guid>
  <podcast:locked owner="podcast@radio.example.vn">yes</podcast:locked>
  <item>
    <title>Kỳ 85: Tháo gỡ vướng mắc về đất đai</title>
    <description><![CDATA[<p>Phó Chủ tịch UBND huyện trả lời về thủ tục <b>đất đai</b>.</p>]]></description>
    <guid isPermaLink="false">radiocast:150e8fae:2021-12-19-ky-85</guid>
    <enclosure url="{EP1}" length="48213" type="audio/mpeg"/>
    <pubDate>Sun, 19 Dec 2021 08:00:00 +0700</pubDate>
    <itunes:duration>1801</itunes:duration>
    <itunes:explicit>false</itunes:explicit>
    <itunes:episode>85</itunes:episode>
    <itunes:episodeType>full</itunes:episodeType>
    <podcast:transcript url="{BASE}feeds/ky-85.vtt" type="text/vtt" language="vi" rel="captions"/>
    <podcast:chapters url="{BASE}feeds/ky-85.chapters.json" type="application/json+chapters"/>
  </item>
  <item>
    <title>Kỳ 84: Cải cách hành chính</title>
    <description>Người dân hỏi, lãnh đạo trả lời.</description>
    <guid isPermaLink="false">radiocast:150e8fae:2021-11-21-ky-84</guid>
    <enclosure url="{EP2}" length="51022" type="audio/mpeg"/>
    <pubDate>Sun, 21 Nov 2021 08:00:00 +0700</pubDate>
    <itunes:duration>01:00:05</itunes:duration>
  </item>
</channel>
</rss>
"""


def feed(old: str = "", new: str = "", *, count: int = 1) -> bytes:
    """The good feed with *old* replaced by *new* (*count* times, first occurrences first)."""
    assert GOOD.count(old) >= count, old
    return (GOOD.replace(old, new, count) if old else GOOD).encode("utf-8")


def rules(problems: list[Problem], severity: Severity | None = None) -> list[str]:
    return [p.rule for p in problems if severity is None or p.severity is severity]


def only(problems: list[Problem], rule: str) -> Problem:
    matching = [p for p in problems if p.rule == rule]
    assert len(matching) == 1, problems
    return matching[0]


def test_good_feed_has_no_problem() -> None:
    assert validate_feed(feed()) == []


def test_good_feed_built_with_lxml_has_no_problem() -> None:
    # Re-serialised by lxml (different whitespace, quoting, CDATA turned into escaped text).
    data = etree.tostring(etree.fromstring(feed()), xml_declaration=True, encoding="UTF-8")
    assert validate_feed(data) == []


def test_malformed_xml_is_one_error_not_an_exception() -> None:
    problems = validate_feed(feed()[:-40])
    assert len(problems) == 1
    assert problems[0].severity is Severity.ERROR
    assert problems[0].rule == "xml.wellformed"
    assert "line" in problems[0].message


@pytest.mark.parametrize("data", [b"", b"not xml at all", b"<rss><channel></rss>", b"<a>\x01</a>"])
def test_unparsable_inputs_are_one_error(data: bytes) -> None:
    assert rules(validate_feed(data)) == ["xml.wellformed"]


def test_explicit_yes_is_an_error() -> None:
    problem = only(
        validate_feed(
            feed(
                "<itunes:explicit>false</itunes:explicit>",
                "<itunes:explicit>yes</itunes:explicit>",
            )
        ),
        "channel.explicit",
    )
    assert problem.severity is Severity.ERROR
    assert '"yes"' in problem.message
    assert problem.source == "Apple"


def test_item_explicit_clean_is_an_error_naming_the_item() -> None:
    data = feed(
        "<itunes:explicit>false</itunes:explicit>",
        "<itunes:explicit>clean</itunes:explicit>",
        count=2,
    )
    problems = validate_feed(data)
    assert rules(problems, Severity.ERROR) == ["channel.explicit", "item.explicit"]
    assert "Kỳ 85" in only(problems, "item.explicit").message


def test_missing_channel_explicit_is_an_error() -> None:
    assert rules(
        validate_feed(
            feed(
                "<itunes:explicit>false</itunes:explicit>\n  <itunes:author>",
                "<itunes:author>",
            )
        )
    ) == ["channel.explicit"]


def test_obsolete_category_is_an_error() -> None:
    problem = only(
        validate_feed(
            feed(
                '<itunes:category text="Government"/>',
                '<itunes:category text="News &amp; Politics"/>',
            )
        ),
        "channel.category",
    )
    assert problem.severity is Severity.ERROR
    assert "News & Politics" in problem.message
    assert "obsolete" in problem.message


@pytest.mark.parametrize(
    ("old", "new", "hint"),
    [
        ('text="Government"', 'text="government"', 'Apple spells it "Government"'),
        ('text="Government"', 'text="Daily News"', 'text="News"'),
        ('text="Daily News"', 'text="Politics News"', "Business News, Daily News"),
        ('text="Government"', 'text="Podcasts"', "use one of Arts, Business"),
    ],
)
def test_category_spelling_and_nesting(old: str, new: str, hint: str) -> None:
    problem = only(validate_feed(feed(old, new)), "channel.category")
    assert hint in problem.message


def test_missing_category_is_an_error() -> None:
    data = feed(
        '<itunes:category text="News"><itunes:category text="Daily News"/></itunes:category>\n  <itunes:category text="Government"/>',
        "",
    )
    assert rules(validate_feed(data)) == ["channel.category"]


def test_length_mismatch_via_enclosure_size(tmp_path: Path) -> None:
    published = tmp_path / "ky-85.mp3"
    published.write_bytes(b"\xff\xfb" * 30_000)
    asked: list[str] = []

    def size(url: str) -> int | None:
        asked.append(url)
        return published.stat().st_size if url == EP1 else None

    problem = only(validate_feed(feed(), enclosure_size=size), "item.enclosure.length")
    assert asked == [EP1, EP2]
    assert problem.severity is Severity.ERROR
    assert "48213" in problem.message
    assert "60000" in problem.message
    assert EP1 in problem.message
    assert "Kỳ 85" in problem.message


def test_matching_or_unknown_sizes_pass() -> None:
    sizes = {EP1: 48213}
    assert validate_feed(feed(), enclosure_size=sizes.get) == []


@pytest.mark.parametrize("length", ['length="0"', 'length="-5"', 'length="4.5 MB"', 'length=""'])
def test_length_must_be_a_positive_integer(length: str) -> None:
    problem = only(validate_feed(feed('length="48213"', length)), "item.enclosure.length")
    assert problem.severity is Severity.ERROR


def test_missing_length_is_an_error() -> None:
    assert rules(validate_feed(feed(' length="48213"', ""))) == ["item.enclosure.length"]


def test_duplicate_guid_is_an_error_naming_both_items() -> None:
    data = feed("radiocast:150e8fae:2021-11-21-ky-84", "radiocast:150e8fae:2021-12-19-ky-85")
    problem = only(validate_feed(data), "item.guid.unique")
    assert problem.severity is Severity.ERROR
    assert "Kỳ 84" in problem.message
    assert "Kỳ 85" in problem.message
    assert "radiocast:150e8fae:2021-12-19-ky-85" in problem.message


def test_missing_guid_is_an_error() -> None:
    data = feed('<guid isPermaLink="false">radiocast:150e8fae:2021-11-21-ky-84</guid>', "")
    assert "Kỳ 84" in only(validate_feed(data), "item.guid").message


def test_guid_without_is_perma_link_false_is_a_warning() -> None:
    problems = validate_feed(feed('<guid isPermaLink="false">', "<guid>"))
    assert rules(problems) == ["item.guid.permalink"]
    assert problems[0].severity is Severity.WARNING


def test_bad_pub_date_is_an_error() -> None:
    problem = only(
        validate_feed(feed("Sun, 21 Nov 2021 08:00:00 +0700", "2021-12-19")),
        "item.pubDate",
    )
    assert problem.severity is Severity.ERROR
    assert '"2021-12-19"' in problem.message
    assert "Kỳ 84" in problem.message


@pytest.mark.parametrize(
    ("date", "severity", "words"),
    [
        ("Sun, 21 Nov 2021 08:00:00 ICT", Severity.ERROR, "time zone"),
        ("Sun, 21 Nov 2021 08:00:00 GMT", Severity.WARNING, "numeric offset"),
        ("Mon, 21 Nov 2021 08:00:00 +0700", Severity.WARNING, "Sun"),
        ("Sun, 31 Nov 2021 08:00:00 +0700", Severity.ERROR, "RFC 2822"),
    ],
)
def test_pub_date_zone_and_weekday(date: str, severity: Severity, words: str) -> None:
    problem = only(validate_feed(feed("Sun, 21 Nov 2021 08:00:00 +0700", date)), "item.pubDate")
    assert problem.severity is severity
    assert words in problem.message


def test_missing_pub_date_is_an_error() -> None:
    assert rules(validate_feed(feed("<pubDate>Sun, 21 Nov 2021 08:00:00 +0700</pubDate>", ""))) == ["item.pubDate"]


@pytest.mark.parametrize(
    "title",
    [
        "&lt;b&gt;Kỳ 84&lt;/b&gt;: Cải cách",
        "<![CDATA[<b>Kỳ 84</b>]]>",
        "<b>Kỳ 84</b>: Cải cách",
        "Kỳ 84 -> kỳ 85",
    ],
)
def test_title_with_html_is_an_error(title: str) -> None:
    problems = validate_feed(feed("Kỳ 84: Cải cách hành chính", title))
    assert "item.title.html" in rules(problems, Severity.ERROR)


def test_title_over_255_characters_is_an_error() -> None:
    problem = only(validate_feed(feed("Kỳ 84: Cải cách hành chính", "ệ" * 256)), "item.title")
    assert "256" in problem.message
    assert validate_feed(feed("Kỳ 84: Cải cách hành chính", "ệ" * 255)) == []


def test_missing_title_is_an_error_naming_the_guid() -> None:
    problem = only(
        validate_feed(feed("<title>Kỳ 84: Cải cách hành chính</title>", "")),
        "item.title",
    )
    assert "radiocast:150e8fae:2021-11-21-ky-84" in problem.message


def test_missing_enclosure_is_an_error() -> None:
    problem = only(
        validate_feed(feed(f'<enclosure url="{EP1}" length="48213" type="audio/mpeg"/>', "")),
        "item.enclosure",
    )
    assert problem.severity is Severity.ERROR
    assert "Kỳ 85" in problem.message


def test_reused_enclosure_url_is_an_error() -> None:
    problem = only(validate_feed(feed(EP2, EP1)), "item.enclosure.unique")
    assert EP1 in problem.message


@pytest.mark.parametrize(
    ("old", "new", "rule"),
    [
        ('type="audio/mpeg"', 'type="audio/mp3"', "item.enclosure.type"),
        (' type="audio/mpeg"', "", "item.enclosure.type"),
        (EP1, "ftp://radio.example.vn/ky-85.mp3", "item.enclosure.url"),
        (EP1, "audio/ky-85.mp3", "item.enclosure.url"),
        (EP1, f"{BASE}audio/ky-85.ogg", "item.enclosure.url"),
    ],
)
def test_enclosure_type_and_url(old: str, new: str, rule: str) -> None:
    problem = only(validate_feed(feed(old, new)), rule)
    assert problem.severity is Severity.ERROR


def test_http_urls_are_warnings() -> None:
    problems = validate_feed(feed(EP1, EP1.replace("https:", "http:")))
    assert rules(problems) == ["url.https"]
    assert problems[0].severity is Severity.WARNING
    assert "http://radio.example.vn" in problems[0].message


@pytest.mark.parametrize("scope", ["channel", "item"])
def test_description_over_4000_bytes_is_an_error(scope: str) -> None:
    old = (
        "<p>Lãnh đạo huyện Lai Vung trả lời câu hỏi của người dân.</p>"
        if scope == "channel"
        else "Người dân hỏi, lãnh đạo trả lời."
    )
    too_long = "ệ" * 1333 + "ab"  # "ệ" is 3 bytes in UTF-8: 4001 bytes, 1335 characters
    assert len(too_long.encode()) == 4001
    problem = only(validate_feed(feed(old, too_long)), f"{scope}.description")
    assert problem.severity is Severity.ERROR
    assert "4001 bytes" in problem.message
    assert validate_feed(feed(old, too_long[:-1])) == []


def test_description_with_raw_xhtml_is_an_error() -> None:
    problems = validate_feed(feed("Người dân hỏi, lãnh đạo trả lời.", "<p>Người dân hỏi</p>"))
    assert rules(problems, Severity.ERROR) == ["item.description"]


def test_description_with_unsupported_html_is_a_warning() -> None:
    problem = only(
        validate_feed(
            feed(
                "Người dân hỏi, lãnh đạo trả lời.",
                "&lt;h1&gt;Hỏi&lt;/h1&gt;&lt;p&gt;Đáp&lt;/p&gt;",
            )
        ),
        "item.description",
    )
    assert problem.severity is Severity.WARNING
    assert "<h1>" in problem.message


@pytest.mark.parametrize(
    ("duration", "ok"),
    [
        ("1801", True),
        ("30:01", True),
        ("1:00:05", True),
        ("1:75", False),
        ("1801.5", False),
        ("PT30M", False),
    ],
)
def test_duration_format(duration: str, ok: bool) -> None:
    problems = validate_feed(
        feed(
            "<itunes:duration>1801</itunes:duration>",
            f"<itunes:duration>{duration}</itunes:duration>",
        )
    )
    assert rules(problems) == ([] if ok else ["item.duration"])


@pytest.mark.parametrize(
    ("old", "new", "rule", "severity"),
    [
        (
            "<title>Chính quyền đối thoại với Nhân dân qua sóng phát thanh</title>",
            "",
            "channel.title",
            Severity.ERROR,
        ),
        (f"<link>{BASE}</link>", "", "channel.link", Severity.ERROR),
        (
            "<language>vi</language>",
            "<language>Vietnamese</language>",
            "channel.language",
            Severity.ERROR,
        ),
        (
            "<language>vi</language>",
            "<language>xx</language>",
            "channel.language",
            Severity.ERROR,
        ),
        ("<language>vi</language>", "", "channel.language", Severity.ERROR),
        (
            f'<itunes:image href="{BASE}audio/cover.jpg"/>',
            "",
            "channel.image",
            Severity.ERROR,
        ),
        ("audio/cover.jpg", "audio/cover.gif", "channel.image", Severity.ERROR),
        (
            f'<itunes:image href="{BASE}audio/cover.jpg"/>',
            f"<itunes:image>{BASE}audio/cover.jpg</itunes:image>",
            "channel.image",
            Severity.ERROR,
        ),
        (
            "<itunes:author>Đài Truyền thanh huyện Lai Vung</itunes:author>",
            "",
            "channel.author",
            Severity.ERROR,
        ),
        (
            "<itunes:email>podcast@radio.example.vn</itunes:email>",
            "",
            "channel.owner",
            Severity.WARNING,
        ),
        (
            "<itunes:email>podcast@radio.example.vn</itunes:email>",
            "<itunes:email>podcast</itunes:email>",
            "channel.owner",
            Severity.ERROR,
        ),
        (
            "<itunes:type>episodic</itunes:type>",
            "<itunes:type>daily</itunes:type>",
            "channel.type",
            Severity.ERROR,
        ),
        ('rel="self"', 'rel="alternate"', "channel.atom-self", Severity.WARNING),
        (
            "<podcast:guid>150e8fae-3cd7-5a03-9ad7-bdd8ef1d1b74</podcast:guid>",
            "",
            "channel.podcast-guid",
            Severity.WARNING,
        ),
        (
            "150e8fae-3cd7-5a03-9ad7-bdd8ef1d1b74</",
            "lai-vung-podcast</",
            "channel.podcast-guid",
            Severity.ERROR,
        ),
        (
            "150e8fae-3cd7-5a03-9ad7-bdd8ef1d1b74</",
            "150e8fae-3cd7-4a03-9ad7-bdd8ef1d1b74</",
            "channel.podcast-guid",
            Severity.WARNING,
        ),
        (
            ">yes</podcast:locked>",
            ">true</podcast:locked>",
            "channel.locked",
            Severity.ERROR,
        ),
        (
            "<lastBuildDate>Sun, 19 Dec 2021 08:00:00 +0700</lastBuildDate>",
            "<lastBuildDate>19/12/2021</lastBuildDate>",
            "channel.lastBuildDate",
            Severity.ERROR,
        ),
        (
            "<itunes:episode>85</itunes:episode>",
            "<itunes:episode>0</itunes:episode>",
            "item.episode",
            Severity.ERROR,
        ),
        (
            "<itunes:episodeType>full</itunes:episodeType>",
            "<itunes:episodeType>special</itunes:episodeType>",
            "item.episodeType",
            Severity.ERROR,
        ),
        ('type="text/vtt"', 'type="text/webvtt"', "item.transcript", Severity.ERROR),
        (
            "<itunes:duration>01:00:05</itunes:duration>",
            "",
            "item.duration",
            Severity.WARNING,
        ),
        (
            "<description>Người dân hỏi, lãnh đạo trả lời.</description>",
            "",
            "item.description",
            Severity.WARNING,
        ),
        ('<rss version="2.0"', '<rss version="0.92"', "rss.version", Severity.ERROR),
    ],
)
def test_channel_and_item_rules(old: str, new: str, rule: str, severity: Severity) -> None:
    problem = only(validate_feed(feed(old, new)), rule)
    assert problem.severity is severity
    assert len(validate_feed(feed(old, new))) == 1


def test_wrong_itunes_namespace_is_one_error_not_a_cascade() -> None:
    problems = validate_feed(feed(ITUNES_NS, "http://www.itunes.com/DTDs/Podcast-1.0.dtd"))
    assert rules(problems) == ["namespace.itunes"]
    assert "DTDs" in problems[0].message


def test_old_podcast_namespace_is_a_warning() -> None:
    legacy = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
    problems = validate_feed(feed(PODCAST_NS, legacy))
    assert rules(problems) == ["namespace.podcast"]
    assert problems[0].severity is Severity.WARNING


def test_missing_podcast_namespace_misses_its_tags() -> None:
    data = feed(f' xmlns:podcast="{PODCAST_NS}"', ' xmlns:podcast="https://example.com/ns"')
    problems = validate_feed(data)
    assert "namespace.podcast" in rules(problems, Severity.ERROR)


def test_not_utf8_is_an_error() -> None:
    data = (
        GOOD.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
        .replace("Kỳ 84: Cải cách hành chính", "Ky 84: Caf\xe9")
        .encode("latin-1", "replace")
    )
    problem = validate_feed(data)[0]
    assert (problem.rule, problem.severity) == ("xml.encoding", Severity.ERROR)
    offset = data.index("í".encode("latin-1"))  # the first non-ASCII letter, in "Chính"
    assert f"byte 0xed at offset {offset}" in problem.message


def test_declared_encoding_other_than_utf8_is_an_error() -> None:
    ascii_only = b'<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel/></rss>'
    problem = validate_feed(ascii_only)[0]
    assert (problem.rule, problem.severity) == ("xml.encoding", Severity.ERROR)
    assert "ISO-8859-1" in problem.message


def test_missing_xml_declaration_is_a_warning() -> None:
    assert rules(validate_feed(feed('<?xml version="1.0" encoding="UTF-8"?>\n', ""))) == ["xml.declaration"]


def test_root_and_channel() -> None:
    declaration = b'<?xml version="1.0" encoding="UTF-8"?>'
    assert rules(validate_feed(declaration + b"<feed><title>x</title></feed>")) == ["rss.root"]
    assert rules(validate_feed(declaration + b'<rss version="2.0"><item/></rss>')) == ["rss.channel"]


def test_nfd_text_is_a_warning() -> None:
    title = "Kỳ 84: Cải cách hành chính"
    problem = only(validate_feed(feed(title, unicodedata.normalize("NFD", title))), "text.nfc")
    assert problem.severity is Severity.WARNING
    assert "<title>" in problem.message


def test_problems_are_ordered_channel_then_items_in_document_order() -> None:
    data = feed(
        "<itunes:explicit>false</itunes:explicit>",
        "<itunes:explicit>no</itunes:explicit>",
        count=2,
    )
    data = data.replace(b"2021-11-21-ky-84", b"2021-12-19-ky-85").replace(
        b"<itunes:duration>1801", b"<itunes:duration>x"
    )
    problems = validate_feed(data)
    assert rules(problems) == [
        "channel.explicit",
        "item.duration",
        "item.explicit",
        "item.guid.unique",
    ]
    assert validate_feed(data) == problems


def test_problem_str_names_severity_rule_and_source() -> None:
    problem = validate_feed(
        feed(
            "<itunes:explicit>false</itunes:explicit>",
            "<itunes:explicit>yes</itunes:explicit>",
        )
    )[0]
    assert str(problem).startswith("error: ")
    assert str(problem).endswith("[channel.explicit; Apple]")


@pytest.mark.parametrize(
    ("status", "hint"),
    [
        (401, "the server refuses this feed; check the feed's URL, or ask its publisher for access"),
        (403, "the server refuses this feed; check the feed's URL, or ask its publisher for access"),
        (404, "check the feed's URL (does it open in a browser?)"),
        (429, "the server is rate-limiting requests; try again in a few minutes"),
        (503, "the feed's server is failing; try again later"),
    ],
)
def test_validate_url_hints_speak_of_the_feed_not_of_seeds(httpserver: HTTPServer, status: int, hint: str) -> None:
    """A feed is not a seed's audio: no hint about seeds or resumed downloads."""
    httpserver.expect_request("/feed.xml").respond_with_data("", status=status, headers={"Retry-After": "0"})
    with pytest.raises(FetchError) as caught:
        fetch_bytes(httpserver.url_for("/feed.xml"), FetchSettings(retries=1), max_bytes=MAX_FEED_BYTES)
    assert caught.value.hint == hint
    assert "seed" not in str(caught.value)
    assert "radiocast publish" not in str(caught.value)
    assert "run publish" not in str(caught.value)
    assert "resume" not in str(caught.value)


def test_validate_url_timeout_hint_speaks_of_the_feed(httpserver: HTTPServer) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.0)
        return Response("<rss/>")

    httpserver.expect_request("/slow.xml").respond_with_handler(slow)
    with pytest.raises(FetchError) as caught:
        fetch_bytes(
            httpserver.url_for("/slow.xml"),
            FetchSettings(retries=0, read_timeout_s=0.2),
            max_bytes=MAX_FEED_BYTES,
        )
    assert "seed" not in str(caught.value)
    assert "resume" not in str(caught.value)
    assert "radiocast publish" not in str(caught.value)
    assert "run publish" not in str(caught.value)


LIVE_ITEM = f"""<podcast:liveItem status="pending" start="2021-12-26T08:00:00+07:00" end="2021-12-26T09:30:00+07:00">
    <title>Kỳ 86: Giải quyết khiếu nại về đất đai</title>
    <guid isPermaLink="false">radiocast:150e8fae:ky-86</guid>
    <enclosure url="https://radio.example.vn/truc-tiep.mp3" length="0" type="audio/mpeg"/>
    <podcast:contentLink href="{BASE}">Chính quyền đối thoại với Nhân dân</podcast:contentLink>
  </podcast:liveItem>
  <link>"""


def live_feed(old: str = "", new: str = "") -> bytes:
    """The good feed with a live item after the channel's title, its *old* replaced by *new*."""
    assert LIVE_ITEM.count(old) >= 1, old
    return feed("<link>", LIVE_ITEM.replace(old, new, 1) if old else LIVE_ITEM)


def test_good_live_item_has_no_problem() -> None:
    assert validate_feed(live_feed()) == []


@pytest.mark.parametrize(
    ("old", "new", "rule", "severity", "words"),
    [
        ('status="pending"', 'status="upcoming"', "live.status", Severity.ERROR, 'status "upcoming"'),
        ('status="pending"', "", "live.status", Severity.ERROR, "must be one of pending, live, ended"),
        ('start="2021-12-26T08:00:00+07:00"', "", "live.start", Severity.ERROR, "no start"),
        ("2021-12-26T08:00:00+07:00", "26/12/2021 08:00", "live.start", Severity.ERROR, "ISO 8601"),
        ("2021-12-26T08:00:00+07:00", "2021-12-26T08:00:00", "live.start", Severity.ERROR, "with its offset"),
        ('end="2021-12-26T09:30:00+07:00"', "", "live.end", Severity.WARNING, "no end"),
        ("2021-12-26T09:30:00+07:00", "2021-12-26T07:30:00+07:00", "live.end", Severity.ERROR, "not after start"),
        ("<title>Kỳ 86: Giải quyết khiếu nại về đất đai</title>", "", "live.title", Severity.ERROR, "live item #1"),
        ('<guid isPermaLink="false">radiocast:150e8fae:ky-86</guid>', "", "live.guid", Severity.ERROR, "no <guid>"),
        ("radiocast:150e8fae:ky-86", "radiocast:150e8fae:2021-12-19-ky-85", "live.guid", Severity.WARNING, "Kỳ 85"),
        (
            '<enclosure url="https://radio.example.vn/truc-tiep.mp3" length="0" type="audio/mpeg"/>',
            "",
            "live.enclosure",
            Severity.WARNING,
            "no stream",
        ),
        (
            "https://radio.example.vn/truc-tiep.mp3",
            "rtmp://radio.example.vn/live",
            "live.enclosure",
            Severity.ERROR,
            "not an http(s) URL",
        ),
        (
            f'<podcast:contentLink href="{BASE}">Chính quyền đối thoại với Nhân dân</podcast:contentLink>',
            "",
            "live.contentLink",
            Severity.ERROR,
            "cannot play the stream",
        ),
    ],
)
def test_live_item_rules(old: str, new: str, rule: str, severity: Severity, words: str) -> None:
    problem = only(validate_feed(live_feed(old, new)), rule)
    assert problem.severity is severity
    assert words in problem.message
    assert "live item" in problem.message
