"""The question index: feeds/questions.html (and per-topic pages), questions.json against its schema."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import jsonschema
import lxml.html
import pytest

from radiocast.feed import episode_guid
from radiocast.models import Channel, Chapter, Episode, Question, Speaker
from radiocast.question_index import NO_TOPIC, QUESTIONS_PER_PAGE
from radiocast.site import build_site
from radiocast.text import seconds_text
from test_site import PAGE_LIMIT, make_channel, make_recording

TOPICS = ("đất đai", "thủ tục hành chính", "giao thông", "an sinh xã hội", "nước sạch", None)
COMMUNES = ("Tân Thành", "Long Hậu", "Vĩnh Thới", "Định Hòa")
ANSWERER = Speaker(name="Nguyễn Văn Bình", office="Phó Chủ tịch UBND huyện Lai Vung")


def archive(channel: Channel, broadcasts: int, per_broadcast: int) -> list[Episode]:
    """*broadcasts* monthly recordings, each an introduction then *per_broadcast* questions 95.5 s apart."""
    episodes = []
    for b in range(broadcasts):
        questions = tuple(
            Chapter(
                start_ms=12_340 + q * 95_500,
                title=f"Kỳ {b + 1}, câu {q + 1}: bao giờ được cấp giấy chứng nhận quyền sử dụng đất?",
                question=Question(
                    asker=f"Ông Nguyễn Văn {b}-{q}",
                    commune=COMMUNES[q % len(COMMUNES)],
                    topic=TOPICS[(b + q) % len(TOPICS)],
                    answered_by=ANSWERER.name,
                ),
            )
            for q in range(per_broadcast)
        )
        base = make_recording(channel)
        episodes.append(
            replace(
                base,
                guid=episode_guid(channel.podcast_guid, f"archive:{b}"),
                slug=f"ky-{b + 1}-doi-thoai",
                title=f"Kỳ {b + 1}: Chính quyền đối thoại với Nhân dân",
                published=base.published - timedelta(days=30 * b),
                speakers=(ANSWERER,),
                chapters=(Chapter(start_ms=0, title="Giới thiệu"), *questions),
            )
        )
    return episodes


def document(site: dict[str, bytes]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(site["feeds/questions.json"])
    return data


def question_links(site: dict[str, bytes], paths: list[str]) -> list[tuple[str, str]]:
    """(href, text) of every question link on *paths*."""
    found = []
    for path in paths:
        doc = lxml.html.document_fromstring(site[path].decode("utf-8"))
        found += [(a.get("href"), a.text_content()) for a in doc.xpath("//ol[@class='questions']/li/a")]
    return found


def validate(data: dict[str, Any], site: dict[str, bytes]) -> None:
    schema = json.loads(site["feeds/questions.schema.json"])
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(data, schema, cls=jsonschema.Draft202012Validator, format_checker=jsonschema.FormatChecker())


@pytest.fixture
def channel() -> Channel:
    return make_channel()


def test_every_question_once_linking_to_its_second(channel: Channel) -> None:
    episodes = archive(channel, broadcasts=5, per_broadcast=4)  # 20: one page
    site = build_site(channel, episodes)
    links = question_links(site, ["feeds/questions.html"])
    starts = {(ep.slug, c.title): c.start_ms for ep in episodes for c in ep.chapters if c.question}
    assert len(links) == len(starts) == 20
    assert Counter(text for _, text in links) == Counter(title for _, title in starts)
    for href, text in links:
        slug = next(slug for slug, title in starts if title == text)
        assert href == f"{slug}.html#t={seconds_text(starts[slug, text])}"
    # The introduction is a chapter but no question.
    assert "Giới thiệu" not in {text for _, text in links}


def test_the_page_shows_commune_answerer_and_date(channel: Channel) -> None:
    site = build_site(channel, archive(channel, broadcasts=1, per_broadcast=1))
    doc = lxml.html.document_fromstring(site["feeds/questions.html"].decode("utf-8"))
    line = doc.xpath("//ol[@class='questions']/li/p")[0].text_content()
    assert line == (
        "Ông Nguyễn Văn 0-0, Tân Thành · Trả lời: Nguyễn Văn Bình, Phó Chủ tịch UBND huyện Lai Vung"
        " · Thứ Bảy, 25/12/2021, nghe từ 00:00:12"
    )
    # Every page of the programme links the index once there are questions.
    for path in ("feeds/index.html", "feeds/ky-1-doi-thoai.html", "feeds/search.html"):
        page = lxml.html.document_fromstring(site[path].decode("utf-8"))
        assert page.xpath("//header//a[@href='questions.html']"), path


def test_no_questions_no_link(channel: Channel) -> None:
    site = build_site(channel, [make_recording(channel)])  # chapters, none of them a question
    index = lxml.html.document_fromstring(site["feeds/index.html"].decode("utf-8"))
    assert not index.xpath("//a[@href='questions.html']")
    assert document(site)["questions"] == []


def test_grouped_by_topic_newest_first(channel: Channel) -> None:
    site = build_site(channel, archive(channel, broadcasts=4, per_broadcast=5))
    doc = lxml.html.document_fromstring(site["feeds/questions.html"].decode("utf-8"))
    headings = [h.text_content().rsplit(" (", 1)[0] for h in doc.xpath("//main//h2")]
    # Vietnamese order (đ with d, before g), the questions without a topic last.
    assert headings == ["an sinh xã hội", "đất đai", "giao thông", "nước sạch", "thủ tục hành chính", NO_TOPIC]
    data = document(site)["questions"]
    assert [q["topic"] or NO_TOPIC for q in data] == sorted(
        (q["topic"] or NO_TOPIC for q in data), key=lambda t: headings.index(t)
    )
    for topic in headings:
        group = [q for q in data if (q["topic"] or NO_TOPIC) == topic]
        dates = [date.fromisoformat(q["episode"]["date"]) for q in group]
        assert dates == sorted(dates, reverse=True), topic
        # Within one broadcast, in the order it was aired.
        for day in set(dates):
            starts = [q["start_seconds"] for q in group if q["episode"]["date"] == day.isoformat()]
            assert starts == sorted(starts)


def test_questions_json_is_valid_against_its_schema_and_matches_the_chapters(channel: Channel) -> None:
    episodes = archive(channel, broadcasts=3, per_broadcast=3)
    site = build_site(channel, episodes)
    data = document(site)
    validate(data, site)
    assert data["$schema"] == channel.config.base_url + "feeds/questions.schema.json"
    by_guid = {ep.guid: ep for ep in episodes}
    assert len(data["questions"]) == 9
    for q in data["questions"]:
        ep = by_guid[q["episode"]["guid"]]
        chapter = next(c for c in ep.chapters if c.title == q["question"])
        assert q["start_seconds"] * 1000 == chapter.start_ms
        assert q["url"] == f"{channel.config.base_url}feeds/{ep.slug}.html#t={seconds_text(chapter.start_ms)}"
        assert q["answered_by_office"] == ANSWERER.office
    # The schema does reject what it must: the check above could fail.
    broken = json.loads(json.dumps(data))
    broken["questions"][0]["start_seconds"] = "12"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, site)


def test_many_questions_page_by_topic_within_the_budget(channel: Channel) -> None:
    episodes = archive(channel, broadcasts=72, per_broadcast=13)  # 936 questions
    site = build_site(channel, episodes)
    overview = lxml.html.document_fromstring(site["feeds/questions.html"].decode("utf-8"))
    assert not overview.xpath("//ol[@class='questions']")  # the topics only
    topic_links = overview.xpath("//ul[@class='topics']/li/a/@href")
    assert len(topic_links) == len(TOPICS)
    pages = sorted(p for p in site if p.startswith("feeds/questions.") and p.endswith(".html"))
    topic_pages = [p for p in pages if p != "feeds/questions.html"]
    assert {f"feeds/{href}" for href in topic_links} <= set(topic_pages)
    links = question_links(site, topic_pages)
    assert len(links) == len(set(links)) == 72 * 13
    for path in pages:
        assert len(site[path]) < PAGE_LIMIT, (path, len(site[path]))
        count = len(question_links(site, [path]))
        assert count <= QUESTIONS_PER_PAGE, path
    assert len(document(site)["questions"]) == 936
    validate(document(site), site)


def test_a_slug_named_like_the_index_gets_a_page_of_its_own(channel: Channel) -> None:
    ep = replace(archive(channel, broadcasts=1, per_broadcast=1)[0], slug="questions")
    site = build_site(channel, [ep])
    assert "feeds/questions.episode.html" in site
    assert question_links(site, ["feeds/questions.html"])[0][0].startswith("questions.episode.html#t=")
