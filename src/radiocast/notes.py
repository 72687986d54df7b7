"""Episode notes: an episode → its <description> and <content:encoded> HTML, and podcast:person texts.

The notes are HTML in Apple's tag subset, every text escaped: the description within 4000
bytes, content:encoded with everything up to 64 KB. What does not fit is cut between whole
elements; a text that must be shortened ends in "…", cut on a word (`shorten`).
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Callable, Sequence
from typing import Final

from radiocast.models import Episode, Kind, Question, Role, Speaker
from radiocast.text import clock, one_line, xml_safe
from radiocast.urls import public_url

# The feed stage's lines, under its name as before the split (filters and tests select by stage).
log = logging.getLogger("radiocast.feed")

# Apple: channel and item <description> in UTF-8 bytes; other tag values in characters.
MAX_DESCRIPTION_BYTES: Final = 4000
# content:encoded has no published limit; every poll re-downloads it for every item (FEED-SPEC §5.5).
MAX_CONTENT_BYTES: Final = 64_000
# Node text of podcast:person (Podcasting 2.0).
MAX_PERSON_CHARS: Final = 128
_ELLIPSIS: Final = "…"
# Cut at a space if one is this close to the limit, else mid-word.
_WORD_BACKOFF: Final = 40

MACHINE_READ_NOTE: Final = "Bản đọc bằng giọng máy."
HOSTS_HEADING: Final = "Người dẫn chương trình"
GUESTS_HEADING: Final = "Khách mời"
CHAPTERS_HEADING: Final = "Mục lục"
QUESTIONS_HEADING: Final = "Câu hỏi của người dân"
ANSWERED_BY_LABEL: Final = "trả lời"
SOURCE_LABEL: Final = "Nguồn"
# Whitespace as str.isspace has it: a URL with any is no link.
_SPACE: Final = re.compile(r"\s")
# Spotify turns description timestamps into chapters only from 3 lines, the first at 00:00 (FEED-SPEC §3).
_SPOTIFY_MIN_CHAPTERS: Final = 3


class _Unit:
    """One element of the notes; its size in UTF-8 bytes is measured only when the notes must be cut."""

    __slots__ = ("_size", "html", "text")

    def __init__(self, html: str, text: str | None = None) -> None:
        self.html = html
        self.text = text  # the plain text of a <p> that may be cut with "…" when it comes first
        self._size = -1

    @property
    def size(self) -> int:
        if self._size < 0:
            self._size = _size(self.html)
        return self._size


class _Section:
    """Part of the notes: units kept from the first while they fit, between a head and a tail.

    Both notes are made of the same sections: each is joined and measured once, its units only
    when the notes must be cut.
    """

    __slots__ = ("_size", "head", "required", "tail", "units", "whole")

    def __init__(self, units: tuple[_Unit, ...], head: str = "", tail: str = "", *, required: bool = False) -> None:
        self.units = units
        self.head = head
        self.tail = tail
        self.required = required  # kept whole: its bytes are set aside before anything else is placed
        self.whole = head + "".join(unit.html for unit in units) + tail if units else ""
        self._size = -1

    @property
    def frame(self) -> int:
        """UTF-8 bytes of head and tail."""
        return _size(self.head) + _size(self.tail)

    @property
    def size(self) -> int:
        """UTF-8 bytes of the whole section (its frame alone when it has no units), measured once."""
        if self._size < 0:
            self._size = _size(self.whole) if self.units else self.frame
        return self._size


def episode_notes(ep: Episode) -> tuple[str, str]:
    """Return the episode's notes as (description, content:encoded) HTML.

    In order: the summary (an article's lead), the machine-voice note, hosts, guests, chapters
    with their times, the citizens' questions (who asked, from where, who answered), the body paragraphs, the source link (articles). Only tags Apple renders,
    every text escaped. The description fits in 4000 UTF-8 bytes and writes the chapters as
    "HH:MM:SS title" lines when Spotify would take them for chapters; content:encoded keeps
    everything up to 64 KB, the chapters as a numbered list.
    """
    head: list[_Section] = []
    if lead := one_line(ep.summary):
        head.append(_Section(units=(_Unit(_p(lead), lead),)))
    if ep.machine_read:
        head.append(_Section(units=(_Unit(_p(MACHINE_READ_NOTE)),), required=True))
    for role, heading in ((Role.HOST, HOSTS_HEADING), (Role.GUEST, GUESTS_HEADING)):
        names = [_speaker_line(s) for s in ep.speakers if s.role is role]
        head.extend(_list_section(heading, names, "ul"))
    body = [p for p in map(one_line, ep.body) if p]
    tail = [_Section(units=tuple(_Unit(_p(text), text) for text in body))]
    if ep.kind is Kind.ARTICLE and (source := _source(ep)):
        tail.append(_Section(units=(_Unit(source),), required=True))
    for_description, for_content = _chapter_sections(ep)
    questions = _list_section(
        QUESTIONS_HEADING,
        [f"{clock(c.start_ms)} — {line}" for c in ep.chapters if c.question and (line := question_line(c.question))],
        "ul",
    )
    for_description, for_content = [*for_description, *questions], [*for_content, *questions]
    return (
        _fit([*head, *for_description, *tail], MAX_DESCRIPTION_BYTES),
        _fit([*head, *for_content, *tail], MAX_CONTENT_BYTES),
    )


def person_name(speaker: Speaker) -> str:
    """The text of a podcast:person: "Name (office)", at most 128 characters; the name is kept whole first."""
    name = one_line(speaker.name)
    office = one_line(speaker.office or "")
    if not name:
        return ""
    # The namespace has no attribute for a title or office: it goes into the name, readably.
    text = f"{name} ({office})" if office else name
    if len(text) <= MAX_PERSON_CHARS:
        return text
    if office and len(name) + len(" (…)") <= MAX_PERSON_CHARS:
        return f"{name} ({shorten(office, lambda s: len(name) + len(s) + 3 <= MAX_PERSON_CHARS)})"
    return shorten(name, lambda s: len(s) <= MAX_PERSON_CHARS)


def question_line(question: Question) -> str:
    """ "Trần Thị C, xã Tân Thành (đất đai); trả lời: Nguyễn Văn Bình": who asked, where, on what, who answered."""
    asked = ", ".join(part for part in (one_line(question.asker or ""), one_line(question.commune or "")) if part)
    if topic := one_line(question.topic or ""):
        asked = f"{asked} ({topic})" if asked else topic
    if answered_by := one_line(question.answered_by or ""):
        answer = f"{ANSWERED_BY_LABEL}: {answered_by}"
        return f"{asked}; {answer}" if asked else answer[0].upper() + answer[1:]
    return asked


def _p(text: str) -> str:
    return f"<p>{_escape(text)}</p>"


def _escape(text: str) -> str:
    """html.escape(text, quote=False), cheaper on the usual text with nothing to escape (three scans, no copy)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _heading(text: str) -> str:
    return f"<p><strong>{_escape(text)}</strong></p>"


def _list_section(heading: str, lines: Sequence[str], tag: str) -> list[_Section]:
    units = tuple(_Unit(f"<li>{_escape(line)}</li>") for line in lines if line)
    return [_Section(units=units, head=f"{_heading(heading)}<{tag}>", tail=f"</{tag}>")] if units else []


def _speaker_line(speaker: Speaker) -> str:
    name, office = one_line(speaker.name), one_line(speaker.office or "")
    return f"{name}, {office}" if name and office else name


def _chapter_sections(ep: Episode) -> tuple[list[_Section], list[_Section]]:
    """Return the chapter list for the description and for content:encoded."""
    chapters = [
        (clock(start), title) for start, title in sorted((c.start_ms, one_line(c.title)) for c in ep.chapters) if title
    ]
    listed = _list_section(CHAPTERS_HEADING, [f"{at} — {title}" for at, title in chapters], "ol")
    if len(chapters) >= _SPOTIFY_MIN_CHAPTERS and chapters[0][0] == "00:00:00":
        # One timestamp per line, nothing between time and title: Spotify's own format.
        lines = tuple(_Unit(_p(f"{at} {title}")) for at, title in chapters)
        return [_Section(units=lines, head=_heading(CHAPTERS_HEADING))], listed
    return listed, listed


def _source(ep: Episode) -> str | None:
    """Return "Nguồn: <a href=…>site</a>"; only an http(s) URL becomes a link (never javascript: or a path)."""
    site = one_line(ep.source_site)
    if not site:
        return None
    label = _escape(f"{SOURCE_LABEL}: ")
    url = xml_safe(public_url(ep.source_url.strip()))
    if url.lower().startswith(("https://", "http://")) and not _SPACE.search(url):
        return f'<p>{label}<a href="{html.escape(url, quote=True)}">{_escape(site)}</a></p>'
    return f"<p>{label}{_escape(site)}</p>"


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _fit(sections: Sequence[_Section], budget: int) -> str:
    """Join *sections* in order within *budget* UTF-8 bytes; every cut falls between whole elements.

    Required sections are always placed: their room is set aside first. Any other section keeps
    its units from the first while they fit, and is left out with its heading if none does. The
    very first paragraph, when too long on its own, is cut on a word and ends in "…" rather than
    leave the notes empty.
    """
    if sum(s.size for s in sections) <= budget:
        return "".join(s.whole for s in sections)  # the usual case: everything fits
    reserved = sum(s.size for s in sections if s.required)
    honour_required = reserved <= budget  # else an absurd source URL: place it only if it fits
    if not honour_required:
        reserved = 0
    out: list[str] = []
    used = 0
    for section in sections:
        if section.required and honour_required:
            text, size = section.whole, section.size
            reserved -= size
        else:
            text, size = _fill(section, budget - used - reserved, first=not out)
            if not text:
                continue
        out.append(text)
        used += size
    return "".join(out)


def _fill(section: _Section, room: int, *, first: bool) -> tuple[str, int]:
    """The section's units from the first while they fit in *room* bytes, and its size."""
    room -= section.frame
    kept: list[str] = []
    used = section.frame
    for unit in section.units:
        if unit.size > room:
            if first and not kept and unit.text is not None and (cut := _cut_paragraph(unit.text, room)):
                kept.append(cut)
                used += _size(cut)
            log.debug("notes cut at %d units of a section", len(kept))
            break
        kept.append(unit.html)
        room -= unit.size
        used += unit.size
    return (section.head + "".join(kept) + section.tail, used) if kept else ("", 0)


def _cut_paragraph(text: str, room: int) -> str | None:
    def fits(candidate: str) -> bool:
        return _size(_p(candidate)) <= room

    cut = shorten(text, fits)
    return _p(cut) if cut != _ELLIPSIS and fits(cut) else None


def shorten(text: str, fits: Callable[[str], bool]) -> str:
    """Return the longest prefix of *text* plus "…" that *fits*, cut at a space when one is near."""
    # fits(text[:n] + "…") is monotonic in n: binary-search the largest n.
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(text[:mid].rstrip() + _ELLIPSIS):
            lo = mid
        else:
            hi = mid - 1
    cut = lo
    if 0 < cut < len(text) and not text[cut].isspace():
        space = max(text.rfind(" ", 0, cut), text.rfind("\n", 0, cut))
        if space > 0 and cut - space <= _WORD_BACKOFF:
            cut = space
    # Never strand a combining mark from its letter (NFC leaves some unprecomposed pairs).
    while 0 < cut < len(text) and unicodedata.combining(text[cut]):
        cut -= 1
    return unicodedata.normalize("NFC", text[:cut].rstrip() + _ELLIPSIS)
