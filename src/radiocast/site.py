"""Listener pages: the programme page and one page per episode, static HTML in Vietnamese (Jinja2).

Everything lives in `feeds/` beside the feed, so links between pages, to the MP3s (`../audio/`)
and to the sidecars are relative: the pages work under any base_url and in `radiocast serve`.
Only the tags a crawler reads (canonical, Open Graph, the feed link) carry absolute URLs. Output
depends only on the channel and the episodes passed in (no clock): an unchanged rebuild gives
identical bytes. Every page stays well under 100 KB: the index is paginated, bodies are capped.
"""

from __future__ import annotations

import logging
import posixpath
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Final
from urllib.parse import quote, urlsplit

import jinja2

from radiocast import __version__, question_index
from radiocast.feed import STYLESHEET_HREF
from radiocast.i18n import _
from radiocast.models import Broadcast, Channel, Episode, Kind, Role
from radiocast.notes import (
    CHAPTERS_HEADING,
    GUESTS_HEADING,
    HOSTS_HEADING,
    MACHINE_READ_NOTE,
    SOURCE_LABEL,
    question_line,
)
from radiocast.text import clock, seconds_text
from radiocast.urls import public_url
from radiocast.workspace import FEEDS_DIR, episode_page_path, index_page_path

log = logging.getLogger(__name__)

STYLESHEET_PATH: Final = f"{FEEDS_DIR}/{STYLESHEET_HREF}"
SEARCH_PAGE: Final = f"{FEEDS_DIR}/search.html"
COVER_PATH: Final = f"{FEEDS_DIR}/cover.jpg"
# Episodes per index page: 50 short entries are ~25 KB, far from the 100 KB budget.
PAGE_SIZE: Final = 50
# An article's text on its page; a longer one is cut between paragraphs (the transcript has it all).
MAX_BODY_BYTES: Final = 60_000
EXCERPT_CHARS: Final = 220
WEEKDAYS: Final = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật")

# Index pages are index.html, index-2.html…; an episode whose slug is one of those names gets
# a dotted page name instead, which no slug ([a-z0-9-]) can produce.
# XML 1.0's forbidden characters are also HTML parse errors; C1 controls are never meant.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_TRANSCRIPT_LABELS: Final = {
    "text/html": "Đọc bản ghi (trang web)",
    "text/vtt": "Phụ đề có mốc thời gian (WebVTT)",
    "application/x-subrip": "Phụ đề có mốc thời gian (SRT)",
    "text/plain": "Văn bản thuần (TXT)",
    "application/json": "Bản ghi (JSON)",
}


@dataclass(frozen=True, slots=True)
class AppLink:
    name: str
    url: str


def build_site(
    channel: Channel,
    episodes: Sequence[Episode],
    *,
    cover: bytes | None = None,
    live: Sequence[tuple[Broadcast, str]] = (),
) -> dict[str, bytes]:
    """Render the listener pages: workspace-relative path → bytes.

    *live* (each announced broadcast with its status: pending, live or ended) goes on the first
    index page, with a player of the stream while it is on air: the feed's liveItems link there.

    `feeds/index.html` (newest first, `feeds/index-2.html`… beyond PAGE_SIZE episodes), one
    `feeds/<slug>.html` per episode, the citizens' questions (`feeds/questions.html`, per topic
    beyond QUESTIONS_PER_PAGE, `feeds/questions.json` and its schema), `feeds/search.html` (which
    reads the index search.py writes) and `feeds/podcast.xsl` for the feed's browser view. With
    *cover* (a small JPEG, e.g. `cover_thumbnail(path, size=288)`) the pages show it as
    `feeds/cover.jpg`; without it they show no picture (og:image still names the full cover).
    """
    config = channel.config
    ordered = sorted(sorted(episodes, key=lambda ep: ep.guid), key=lambda ep: ep.published, reverse=True)
    views = [_episode_view(channel, ep) for ep in ordered]
    asked = question_index.collect(channel, ordered)
    show = _show_view(channel, has_cover=cover is not None, has_questions=bool(asked))
    env = _environment()
    out: dict[str, bytes] = {}

    pages = max(1, -(-len(views) // PAGE_SIZE))
    description = _excerpt(" ".join(show.description), 300)
    for number in range(1, pages + 1):
        chunk = views[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        path = index_page_path(number)
        page = _IndexPage(
            number=number,
            count=pages,
            total_episodes=len(views),
            episodes=tuple(chunk),
            latest=views[0] if views and number == 1 else None,
            previous=_name(index_page_path(number - 1)) if number > 1 else None,
            next=_name(index_page_path(number + 1)) if number < pages else None,
            links=tuple((n, _name(index_page_path(n))) for n in range(1, pages + 1)),
            live=tuple(_live_view(channel, b, status) for b, status in live) if number == 1 else (),
        )
        meta = _Meta(
            title=config.title if number == 1 else f"{config.title} – Trang {number}",
            description=description,
            canonical=_absolute(config.base_url, path),
            og_type="website",
        )
        out[path] = _render(env, "index.html.j2", show=show, page=page, meta=meta)

    for view, ep in zip(views, ordered, strict=True):
        path = episode_page_path(ep.slug)
        meta = _Meta(
            title=view.title,
            description=view.excerpt or description,
            canonical=_absolute(config.base_url, path),
            og_type="article",
        )
        out[path] = _render(env, "episode.html.j2", show=show, ep=view, meta=meta, labels=_LABELS)

    out.update(_question_pages(env, channel, show, asked, description))
    out[SEARCH_PAGE] = _render(
        env, "search.html.j2", show=show, meta=_page_meta(config.base_url, SEARCH_PAGE, "Tìm kiếm", description)
    )
    out[STYLESHEET_PATH] = stylesheet()
    if cover is not None:
        out[COVER_PATH] = cover
    log.debug("site: %d index pages, %d episode pages", pages, len(views))
    return out


def stylesheet() -> bytes:
    """The XSLT 1.0 stylesheet that shows the feed as a Vietnamese page in a browser."""
    return resources.files("radiocast").joinpath("data", "podcast.xsl").read_bytes()


def vietnamese_date(when: datetime) -> str:
    """ "Thứ Bảy, 25/12/2021": the weekday's Vietnamese name and the day as dd/mm/yyyy."""
    return f"{WEEKDAYS[when.weekday()]}, {when:%d/%m/%Y}"


def duration_text(ms: int) -> str:
    """ "1 giờ 5 phút", "12 phút 30 giây", "45 giây": whole seconds, half up (as the feed rounds)."""
    seconds = (ms + 500) // 1000
    hours, minutes, secs = seconds // 3600, seconds // 60 % 60, seconds % 60
    if hours:
        return f"{hours} giờ {minutes} phút" if minutes else f"{hours} giờ"
    if minutes:
        return f"{minutes} phút {secs} giây" if secs else f"{minutes} phút"
    return f"{secs} giây"


def subscribe_links(feed_url: str, title: str) -> tuple[AppLink, ...]:
    """Links that open *feed_url* in a podcast app, as each app documents its own scheme."""
    # Apple, Pocket Casts and Podcast Addict take the URL with its scheme replaced (Podlove's list);
    # Overcast and AntennaPod take the whole URL as a query parameter.
    bare = re.sub(r"^https?://", "", feed_url)
    encoded = quote(feed_url, safe="")
    return (
        AppLink("Apple Podcasts", f"podcast://{bare}"),
        AppLink("Pocket Casts", f"pktc://subscribe/{bare}"),
        AppLink("AntennaPod", f"https://antennapod.org/deeplink/subscribe?url={encoded}&title={quote(title, safe='')}"),
        AppLink("Podcast Addict", f"podcastaddict://{bare}"),
        AppLink("Overcast", f"overcast://x-callback-url/add?url={encoded}"),
    )


# --- views: plain data the templates only print -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Show:
    title: str
    description: tuple[str, ...]
    author: str
    copyright: str
    feed_url: str
    image_url: str
    cover: str | None
    apps: tuple[AppLink, ...]
    generator: str
    questions: bool = False  # whether the question index has any: the pages link it then


@dataclass(frozen=True, slots=True)
class _Chapter:
    start: str  # seconds, for #t= and data-start
    clock: str
    title: str
    question: str = ""  # who asked, from where, who answered (notes.question_line)


@dataclass(frozen=True, slots=True)
class _Source:
    site: str
    home: str | None
    audio: str | None


@dataclass(frozen=True, slots=True)
class _EpisodeView:
    title: str
    page: str
    audio: str
    audio_url: str
    number: int | None
    date_text: str
    date_iso: str
    duration_text: str | None
    duration_iso: str | None
    size_text: str | None
    summary: str
    excerpt: str
    machine_read: str | None
    chapters: tuple[_Chapter, ...]
    speakers: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    body: tuple[str, ...]
    body_cut: bool
    transcripts: tuple[tuple[str, str], ...]
    source: _Source | None


@dataclass(frozen=True, slots=True)
class _IndexPage:
    number: int
    count: int
    total_episodes: int
    episodes: tuple[_EpisodeView, ...]
    latest: _EpisodeView | None
    previous: str | None
    next: str | None
    links: tuple[tuple[int, str], ...]
    live: tuple[_LiveView, ...] = ()


@dataclass(frozen=True, slots=True)
class _LiveView:
    title: str
    summary: str
    status_text: str
    start_iso: str
    when_text: str
    stream: str | None  # only while on air


_LIVE_STATUS_TEXT: Final = {
    "pending": "Sắp phát trực tiếp",
    "live": "Đang phát trực tiếp",
    "ended": "Đã phát xong; bản ghi âm sẽ được đăng tại đây",
}


def _live_view(channel: Channel, live: Broadcast, status: str) -> _LiveView:
    tz = channel.config.tz
    start, end = live.slot.start.astimezone(tz), live.slot.end.astimezone(tz)
    return _LiveView(
        title=_line(live.title),
        summary=_line(live.summary),
        status_text=_LIVE_STATUS_TEXT[status],
        start_iso=start.isoformat(),
        when_text=f"{vietnamese_date(start)}, {start:%H:%M}–{end:%H:%M}",
        stream=live.slot.stream if status == "live" else None,
    )


@dataclass(frozen=True, slots=True)
class _Meta:
    title: str
    description: str
    canonical: str
    og_type: str


_LABELS: Final = {"chapters": CHAPTERS_HEADING, "source": SOURCE_LABEL}


def _show_view(channel: Channel, *, has_cover: bool, has_questions: bool = False) -> _Show:
    config = channel.config
    paragraphs = tuple(p for p in (_line(block) for block in re.split(r"\n\s*\n", config.description)) if p)
    title = _line(config.title)
    return _Show(
        title=title,
        description=paragraphs,
        author=_line(config.author),
        copyright=_line(config.copyright or ""),
        feed_url=config.feed_url,
        image_url=config.image_url,
        cover=_name(COVER_PATH) if has_cover else None,
        apps=subscribe_links(config.feed_url, title),
        generator=__version__,
        questions=has_questions,
    )


def _episode_view(channel: Channel, ep: Episode) -> _EpisodeView:
    config = channel.config
    local = ep.published.astimezone(config.tz)
    summary = _line(ep.summary)
    body, cut = _capped([p for p in map(_line, ep.body) if p])
    if cut:
        log.info(_("episode %s: text cut to %d paragraphs on its page"), ep.slug, len(body))
    return _EpisodeView(
        title=_line(ep.title) or ep.slug,
        page=_name(episode_page_path(ep.slug)),
        audio=_relative(ep.audio_path),
        audio_url=ep.enclosure_url,
        number=ep.episode_number if ep.episode_number and ep.episode_number > 0 else None,
        date_text=vietnamese_date(local),
        date_iso=local.isoformat(),
        duration_text=duration_text(ep.duration_ms) if ep.duration_ms else None,
        duration_iso=_iso_duration(ep.duration_ms) if ep.duration_ms else None,
        size_text=_megabytes(ep.size_bytes) if ep.size_bytes else None,
        summary=summary,
        excerpt=_excerpt(summary or " ".join(body[:1]), EXCERPT_CHARS),
        machine_read=MACHINE_READ_NOTE if ep.machine_read else None,
        chapters=tuple(
            _Chapter(
                start=seconds_text(c.start_ms),
                clock=clock(c.start_ms),
                title=title,
                question=question_line(c.question) if c.question else "",
            )
            for c in sorted(ep.chapters, key=lambda c: c.start_ms)
            if (title := _line(c.title))
        ),
        speakers=_speakers(ep),
        body=tuple(body),
        body_cut=cut,
        transcripts=tuple(
            (_TRANSCRIPT_LABELS.get(t.mime, f"Bản ghi ({t.mime})"), _relative(t.path)) for t in ep.transcripts
        ),
        source=_source(ep),
    )


def _speakers(ep: Episode) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(heading, ((name, office), …)) for the hosts, then the guests; nameless speakers left out."""
    sections = []
    for role, heading in ((Role.HOST, HOSTS_HEADING), (Role.GUEST, GUESTS_HEADING)):
        people = tuple((name, _line(s.office or "")) for s in ep.speakers if s.role is role and (name := _line(s.name)))
        if people:
            sections.append((heading, people))
    return tuple(sections)


def _source(ep: Episode) -> _Source | None:
    """The newspaper an article came from: its home page, and the original audio when it is a web URL."""
    site = _line(ep.source_site)
    if ep.kind is not Kind.ARTICLE or not site:
        return None
    url = public_url(ep.source_url.strip())
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        return _Source(site=site, home=None, audio=None)
    return _Source(site=site, home=f"{parts.scheme}://{parts.netloc}/", audio=url)


# --- the question index ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _QuestionView:
    text: str
    href: str
    asker: str | None
    commune: str | None
    answered_by: str | None
    office: str | None
    date_text: str
    date_iso: str
    clock: str


@dataclass(frozen=True, slots=True)
class _TopicView:
    name: str
    href: str
    count: int
    questions: tuple[_QuestionView, ...]


@dataclass(frozen=True, slots=True)
class _QuestionsPage:
    heading: str
    overview: bool
    paged: bool
    total: int
    topics: tuple[_TopicView, ...]
    # The pager's fields, as index pages have them.
    number: int = 1
    count: int = 1
    previous: str | None = None
    next: str | None = None
    links: tuple[tuple[int, str], ...] = ()


def _question_pages(
    env: jinja2.Environment,
    channel: Channel,
    show: _Show,
    asked: Sequence[question_index.QuestionEntry],
    description: str,
) -> dict[str, bytes]:
    """questions.html (every question by topic; beyond QUESTIONS_PER_PAGE, the topics only) and each topic's pages."""
    base_url, heading = channel.config.base_url, "Câu hỏi của người dân"
    topics = question_index.by_topic(asked)
    paged = len(asked) > question_index.QUESTIONS_PER_PAGE
    views = [
        _TopicView(
            name=t.name,
            href=_name(question_index.topic_page_path(t.stem, 1)),
            count=len(t.questions),
            questions=tuple(map(_question_view, t.questions)),
        )
        for t in topics
    ]
    overview = _QuestionsPage(heading=heading, overview=True, paged=paged, total=len(asked), topics=tuple(views))
    path = question_index.QUESTIONS_PAGE
    out = {
        path: _render(
            env, "questions.html.j2", show=show, page=overview, meta=_page_meta(base_url, path, heading, description)
        )
    }
    out[question_index.QUESTIONS_JSON] = question_index.questions_json(channel, asked)
    out[question_index.QUESTIONS_SCHEMA] = question_index.schema()
    if not paged:
        return out
    size = question_index.QUESTIONS_PER_PAGE
    for topic, view in zip(topics, views, strict=True):
        count = -(-view.count // size)
        paths = [question_index.topic_page_path(topic.stem, n) for n in range(1, count + 1)]
        for number, path in enumerate(paths, start=1):
            chunk = view.questions[(number - 1) * size : number * size]
            page = _QuestionsPage(
                heading=f"{heading}: {view.name}",
                overview=False,
                paged=True,
                total=view.count,
                topics=(replace(view, questions=chunk),),
                number=number,
                count=count,
                previous=_name(paths[number - 2]) if number > 1 else None,
                next=_name(paths[number]) if number < count else None,
                links=tuple((n, _name(p)) for n, p in enumerate(paths, start=1)),
            )
            title = page.heading if number == 1 else f"{page.heading} – Trang {number}"
            out[path] = _render(
                env, "questions.html.j2", show=show, page=page, meta=_page_meta(base_url, path, title, description)
            )
    return out


def _question_view(entry: question_index.QuestionEntry) -> _QuestionView:
    return _QuestionView(
        text=entry.text,
        href=quote(entry.anchor, safe="/#=."),
        asker=entry.asker,
        commune=entry.commune,
        answered_by=entry.answered_by,
        office=entry.office,
        date_text=vietnamese_date(entry.published),
        date_iso=entry.published.isoformat(),
        clock=clock(entry.start_ms),
    )


def _page_meta(base_url: str, path: str, title: str, description: str) -> _Meta:
    return _Meta(title=title, description=description, canonical=_absolute(base_url, path), og_type="website")


# --- text -------------------------------------------------------------------------------------------------


def _line(text: str) -> str:
    """NFC, no control characters, whitespace runs collapsed (NBSP included: HTML would show it)."""
    return unicodedata.normalize("NFC", " ".join(_CONTROL.sub("", text).split()))


def _excerpt(text: str, limit: int) -> str:
    """*text* cut to *limit* characters on a space, ending in "…"."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    if cut < limit // 2:
        cut = limit
    # Never strand a combining mark from its letter.
    while 0 < cut < len(text) and unicodedata.combining(text[cut]):
        cut -= 1
    return text[:cut].rstrip(" ,;:") + "…"


def _capped(paragraphs: list[str]) -> tuple[list[str], bool]:
    kept: list[str] = []
    used = 0
    for paragraph in paragraphs:
        used += len(paragraph.encode("utf-8"))
        if used > MAX_BODY_BYTES:
            return kept, True
        kept.append(paragraph)
    return kept, False


def _iso_duration(ms: int) -> str:
    seconds = (ms + 500) // 1000
    return f"PT{seconds // 3600}H{seconds // 60 % 60}M{seconds % 60}S"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".", ",") + " MB"


# --- paths and rendering --------------------------------------------------------------------------------


def _relative(workspace_path: str) -> str:
    """A workspace path as a URL relative to a page in feeds/."""
    path = workspace_path.lstrip("/")
    parts = path.split("/")
    if "" in parts or "." in parts or ".." in parts or parts == [FEEDS_DIR]:
        return quote(posixpath.relpath(path, FEEDS_DIR))
    # What relpath gives for a normal path, without its getcwd and abspath calls (five per episode).
    return quote("/".join(parts[1:]) if parts[0] == FEEDS_DIR else f"../{path}")


def _name(path: str) -> str:
    return quote(posixpath.basename(path))


def _absolute(base_url: str, path: str) -> str:
    return base_url + quote(path)


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("radiocast", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(env: jinja2.Environment, template: str, **context: object) -> bytes:
    return env.get_template(template).render(**context).encode("utf-8")
