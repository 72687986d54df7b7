"""Chapter lists → Podcasting 2.0 JSON chapters (FEED-SPEC §2.3), and their end times for ID3.

Pure functions: chapters in, bytes or plain data out. The chapters are already on the published
audio's timeline (shifted by any intro); this module only orders, checks and serialises them.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from typing import Final

from radiocast.errors import EpisodeError
from radiocast.i18n import _
from radiocast.models import Chapter
from radiocast.text import clock

CHAPTERS_VERSION: Final = "1.2.0"
CHAPTERS_MIME: Final = "application/json+chapters"


def chapter_ends(chapters: Sequence[Chapter], duration_ms: int) -> list[tuple[Chapter, int]]:
    """Return the chapters in time order, each with its end in ms: the next start, the last *duration_ms*.

    Titles come back NFC with whitespace runs collapsed.

    Raises:
        EpisodeError: a negative or repeated start, a start at or past *duration_ms*, an empty title.
    """
    ordered = _ordered(chapters, duration_ms)
    ends = [c.start_ms for c in ordered[1:]] + [duration_ms]
    # zip() without strict: no chapters, no ends.
    return list(zip(ordered, ends, strict=False))


def chapters_json(
    episode_title: str,
    podcast_title: str,
    chapters: Sequence[Chapter],
    *,
    duration_ms: int | None = None,
) -> bytes:
    """Render *chapters* as a JSON chapters file, version 1.2.0, UTF-8 with Vietnamese unescaped.

    Chapters are sorted by start; each has ``startTime``, ``endTime`` (the next start, or
    *duration_ms* for the last; left out when the duration is unknown) and ``title``. The same input
    always gives the same bytes.

    Raises:
        EpisodeError: as `chapter_ends`.
    """
    ordered = _ordered(chapters, duration_ms)
    ends: list[int | None] = [c.start_ms for c in ordered[1:]]
    ends.append(duration_ms)
    items: list[dict[str, object]] = []
    for chapter, end_ms in zip(ordered, ends, strict=False):  # no chapters, no ends
        item: dict[str, object] = {"startTime": _seconds(chapter.start_ms)}
        if end_ms is not None:
            item["endTime"] = _seconds(end_ms)
        item["title"] = chapter.title
        items.append(item)
    document = {
        "version": CHAPTERS_VERSION,
        "title": _clean(episode_title),
        "podcastName": _clean(podcast_title),
        "chapters": items,
    }
    # Fixed key order (insertion), fixed indent: a rebuild gives the same bytes and the same ETag.
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _seconds(ms: int) -> float:
    # ms / 1000 is the float nearest the decimal value, so json writes e.g. 130.5, never 130.50000001.
    return ms / 1000


def _clean(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _ordered(chapters: Sequence[Chapter], duration_ms: int | None) -> list[Chapter]:
    if duration_ms is not None and duration_ms <= 0:
        raise EpisodeError(
            _("chapters: the audio's duration {duration_ms} ms is not positive").format(duration_ms=duration_ms),
            hint=_("measure the published MP3 before writing its chapters"),
        )
    ordered: list[Chapter] = []
    for chapter in sorted(chapters, key=lambda c: c.start_ms):
        title = _clean(chapter.title)
        where = _("chapter {title!r} at {start}").format(
            title=title or _("(untitled)"), start=clock(chapter.start_ms, fraction=".")
        )
        if not title:
            raise EpisodeError(
                _("chapter at {start} has an empty title").format(start=clock(chapter.start_ms, fraction=".")),
                hint=_("give every chapter a title in the episode manifest"),
            )
        if chapter.start_ms < 0:
            raise EpisodeError(
                _("{where} starts before the audio ({start_ms} ms)").format(where=where, start_ms=chapter.start_ms),
                hint=_("chapter starts are times into the recording, from 00:00:00"),
            )
        if ordered and chapter.start_ms == ordered[-1].start_ms:
            raise EpisodeError(
                _("{where} starts at the same time as {title!r}").format(where=where, title=ordered[-1].title),
                hint=_("give each chapter its own start time in the episode manifest"),
            )
        if duration_ms is not None and chapter.start_ms >= duration_ms:
            raise EpisodeError(
                _("{where} starts at or after the end of the audio ({end})").format(
                    where=where, end=clock(duration_ms, fraction=".")
                ),
                hint=_("fix the chapter's start in the episode manifest, or check the audio file"),
            )
        ordered.append(Chapter(start_ms=chapter.start_ms, title=title))
    return ordered
