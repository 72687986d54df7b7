"""Seed documents → Article: the newspaper page as saved, parsed without touching the network."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from radiocast.errors import SeedError
from radiocast.models import Article

ARTICLE_SUFFIXES = (".txt",)

_DATE = re.compile(
    r"^(?:(?:Cập nhật ngày|Ngày cập nhật|Ngày đăng|Cập nhật)\s*:?\s*)?"
    r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$",
    re.IGNORECASE,
)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
# The newspaper's dateline: "ĐTO - " (Đồng Tháp Online), also with an en/em dash.
_DATELINE = re.compile(r"^ĐTO\s*[-–—]\s*")
_CAPTION = re.compile(r"\(\s*Ảnh\s*:[^()]*\)\s*\.?$", re.IGNORECASE)
_NAVIGATION = ("< Trở về trang trước", "Trở về trang trước", "Gửi bình luận của bạn")
# Characters that are never text: C0/C1 controls except tab/newline, zero-width marks, BOM.
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def is_seed(path: Path) -> bool:
    """Whether *path* looks like a seed document (not a hidden or editor backup file)."""
    return path.is_file() and not path.name.startswith(".") and not path.name.endswith("~")


def read_article(path: Path, *, seed: str, tz: ZoneInfo) -> Article:
    """Parse the article seed at *path*; *seed* is the name shown in messages and stored."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SeedError(f"{seed}: cannot be read ({e.strerror})", hint="check the file's permissions") from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SeedError(
            f"{seed}: not UTF-8 text (byte {e.start})", hint="save the article as UTF-8 and publish again"
        ) from e
    return parse_article(text, seed=seed, tz=tz)


def parse_article(text: str, *, seed: str, tz: ZoneInfo) -> Article:
    """Parse an article's text (CONTRACT.md, "The seed document")."""
    lines = [line for line in (clean_line(raw) for raw in text.splitlines()) if line]
    for marker in _NAVIGATION:
        if marker in lines:
            lines = lines[: lines.index(marker)]
    date_at = next((i for i, line in enumerate(lines) if _DATE.match(line)), None)
    url_at = next((i for i, line in enumerate(lines) if _URL.match(line)), None)
    header_end = max(i for i in (date_at, url_at, 0) if i is not None)

    if not lines or lines[0] in (lines[i] for i in (date_at, url_at) if i is not None):
        raise SeedError(f"{seed}: no title", hint="the first line of a seed must be the article's title")
    if date_at is None:
        raise SeedError(
            f"{seed}: no date", hint='add a line "Cập nhật ngày: DD/MM/YYYY HH:MM:SS" after the title'
        )
    if url_at is None:
        raise SeedError(f"{seed}: no audio URL", hint="add the MP3's http(s) URL on its own line after the date")
    title = lines[0]
    published = _parse_date(lines[date_at], seed=seed, tz=tz)
    audio_url = lines[url_at]
    parts = urlsplit(audio_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SeedError(f"{seed}: audio URL {audio_url!r} is not an http(s) URL", hint="link the MP3 over http or https")

    rest = [line for i, line in enumerate(lines) if i > header_end and i not in (date_at, url_at)]
    captions = tuple(line for line in rest if _CAPTION.search(line))
    paragraphs = [line for line in rest if not _CAPTION.search(line)]
    author = None
    if paragraphs and _is_byline(paragraphs[-1]):
        author = _name_case(paragraphs.pop())
    if paragraphs:
        paragraphs[0] = _DATELINE.sub("", paragraphs[0])
    lead, body = (paragraphs[0], tuple(paragraphs[1:])) if paragraphs else ("", ())
    return Article(
        seed=seed,
        title=title,
        published=published,
        audio_url=audio_url,
        lead=lead,
        paragraphs=body,
        captions=captions,
        author=author,
        source_site=parts.hostname,
    )


def clean_line(raw: str) -> str:
    """NFC, without invisible characters, with runs of (non-breaking) spaces folded."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", raw))
    return _SPACES.sub(" ", text).strip()


def _parse_date(line: str, *, seed: str, tz: ZoneInfo) -> datetime:
    match = _DATE.match(line)
    if match is None:
        raise SeedError(f"{seed}: date {line!r} is not DD/MM/YYYY HH:MM:SS")
    day, month, year, hour, minute, second = (int(g or 0) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as e:
        raise SeedError(f"{seed}: date {line!r} is not a real date ({e})", hint="write it as DD/MM/YYYY HH:MM:SS") from e


def _is_byline(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and len(line) <= 80 and line == line.upper() and not line.endswith((".", ":", "?", "!"))


def _name_case(byline: str) -> str:
    """'NGỌC TÂM' → 'Ngọc Tâm' (each word capitalised, separators kept)."""
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), byline)
