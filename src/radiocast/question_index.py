"""The citizens' questions of every broadcast, as data: grouped by topic for the index pages, and as open JSON.

A question is a chapter that carries a `Question` (its title is the question as the station worded
it). Its second is the chapter's start on the published audio, so `<slug>.html#t=SECONDS` plays the
answer. No clock, no I/O: the same episodes give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Final

from slugify import slugify

from radiocast.models import Channel, Episode
from radiocast.text import one_line, seconds_text, unaccented
from radiocast.workspace import FEEDS_DIR, episode_page_path

QUESTIONS_PAGE: Final = f"{FEEDS_DIR}/questions.html"
QUESTIONS_JSON: Final = f"{FEEDS_DIR}/questions.json"
QUESTIONS_SCHEMA: Final = f"{FEEDS_DIR}/questions.schema.json"
# Up to this many questions, questions.html lists them all; beyond, one page per topic (paged by
# the same count): 100 entries are ~45 KB of HTML, within the 100 KB budget of every page.
QUESTIONS_PER_PAGE: Final = 100
NO_TOPIC: Final = "Chủ đề khác"


@dataclass(frozen=True, slots=True)
class QuestionEntry:
    text: str
    topic: str | None
    asker: str | None
    commune: str | None
    answered_by: str | None
    office: str | None  # the answering speaker's office, from the same episode
    start_ms: int
    guid: str
    slug: str
    episode_title: str
    published: datetime  # in the programme's time zone

    @property
    def anchor(self) -> str:
        """The episode page at this question, relative to a page in feeds/."""
        return f"{episode_page_path(self.slug).removeprefix(FEEDS_DIR + '/')}#t={seconds_text(self.start_ms)}"


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    stem: str  # its pages' names: questions.<stem>.html, questions.<stem>.2.html…
    questions: tuple[QuestionEntry, ...]


def collect(channel: Channel, episodes: Sequence[Episode]) -> list[QuestionEntry]:
    """Every question of *episodes*: topics in alphabetical order (no topic last), newest broadcast first within one."""
    tz = channel.config.tz
    entries = []
    for ep in episodes:
        offices = {one_line(s.name): one_line(s.office or "") or None for s in ep.speakers}
        for chapter in ep.chapters:
            question, text = chapter.question, one_line(chapter.title)
            if question is None or not text:
                continue
            answered_by = _field(question.answered_by)
            entries.append(
                QuestionEntry(
                    text=text,
                    topic=_field(question.topic),
                    asker=_field(question.asker),
                    commune=_field(question.commune),
                    answered_by=answered_by,
                    office=offices.get(answered_by) if answered_by else None,
                    start_ms=chapter.start_ms,
                    guid=ep.guid,
                    slug=ep.slug,
                    episode_title=one_line(ep.title) or ep.slug,
                    published=ep.published.astimezone(tz),
                )
            )
    entries.sort(key=lambda e: (e.guid, e.start_ms))
    entries.sort(key=lambda e: e.published, reverse=True)
    entries.sort(key=lambda e: (e.topic is None, _sort_key(e.topic or "")))
    return entries


def by_topic(entries: Sequence[QuestionEntry]) -> list[Topic]:
    """*entries* (as `collect` orders them) in one group per topic, each with a stem for its own pages."""
    groups: dict[str | None, list[QuestionEntry]] = {}
    for entry in entries:
        groups.setdefault(entry.topic, []).append(entry)
    topics, used = [], set()
    for topic, members in groups.items():
        name = topic or NO_TOPIC
        stem = slugify(name) or "chu-de"
        while stem in used:  # two topics that differ only in marks ("Đất đai", "đất đài")
            stem += "-1"
        used.add(stem)
        topics.append(Topic(name=name, stem=stem, questions=tuple(members)))
    return topics


def topic_page_path(stem: str, number: int) -> str:
    """A topic's *number*-th page: dotted names, which no episode slug ([a-z0-9-]) can take."""
    return f"{FEEDS_DIR}/questions.{stem}.html" if number == 1 else f"{FEEDS_DIR}/questions.{stem}.{number}.html"


def questions_json(channel: Channel, entries: Sequence[QuestionEntry]) -> bytes:
    """The open data: every question with its episode, as questions.schema.json describes."""
    config = channel.config
    base = config.base_url + FEEDS_DIR + "/"
    document = {
        "$schema": base + "questions.schema.json",
        "programme": one_line(config.title),
        "feed": config.feed_url,
        "questions": [
            {
                "question": e.text,
                "topic": e.topic,
                "asker": e.asker,
                "commune": e.commune,
                "answered_by": e.answered_by,
                "answered_by_office": e.office,
                "start_seconds": e.start_ms / 1000,
                "url": base + e.anchor,
                "episode": {
                    "guid": e.guid,
                    "title": e.episode_title,
                    "date": e.published.date().isoformat(),
                    "page": base + e.anchor.split("#", 1)[0],
                },
            }
            for e in entries
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def schema() -> bytes:
    """The JSON Schema of questions.json, published beside it."""
    return resources.files("radiocast").joinpath("data", "questions.schema.json").read_bytes()


def _field(value: str | None) -> str | None:
    return one_line(value or "") or None


def _sort_key(text: str) -> tuple[str, str]:
    # Vietnamese order is not code-point order ("Đ" sorts after "Z"): letters first, marks break ties.
    return unaccented(text).casefold(), text
