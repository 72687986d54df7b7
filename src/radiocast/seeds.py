"""Seed documents → Article: the newspaper page as saved, parsed without touching the network."""

from __future__ import annotations

import re
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from radiocast.errors import SeedError
from radiocast.i18n import N_, _
from radiocast.models import Article, Chapter, Recording, Role, Speaker
from radiocast.text import block, one_line
from radiocast.text import lines as text_lines
from radiocast.urls import redact_url

ARTICLE_SUFFIXES = (".txt",)

_DATE = re.compile(
    r"^(?:(?:Cập nhật ngày|Ngày cập nhật|Ngày đăng|Cập nhật)\s*:?\s*)?"
    r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?$",
    re.IGNORECASE,
)
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://\S+$")
# The newspaper's dateline: "ĐTO - " (Đồng Tháp Online), also with an en/em dash.
_DATELINE = re.compile(r"^ĐTO\s*[-–—]\s*")
# "(Ảnh: CTV)", also "(Ảnh minh họa)" and "(Ảnh: internet)." at the end of a photo's caption.
_CAPTION = re.compile(r"\(\s*Ảnh\b[^()]*\)\s*\.?$", re.IGNORECASE)
# "BÀI, ẢNH: NGỌC TÂM": the byline's role words are not part of the name.
_BYLINE_ROLE = re.compile(r"^(?:BÀI(?:\s*(?:VÀ|,|&)\s*ẢNH)?|ẢNH|TIN(?:\s*(?:VÀ|,|&)\s*ẢNH)?)\s*:\s*")
_NAVIGATION = ("< Trở về trang trước", "Trở về trang trước", "Gửi bình luận của bạn")


def is_seed(path: Path) -> bool:
    """Whether *path* looks like a seed document (not a hidden or editor backup file)."""
    return path.is_file() and not path.name.startswith(".") and not path.name.endswith("~")


def read_article(path: Path, *, seed: str, tz: ZoneInfo, require_audio: bool = True) -> Article:
    """Parse the article seed at *path*; *seed* is the name shown in messages and stored.

    Without *require_audio* (narration on) an article may link no MP3: its audio_url is "".
    """
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SeedError(
            _("{seed}: cannot be read ({reason})").format(seed=seed, reason=e.strerror),
            hint=_("check the file's permissions"),
        ) from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SeedError(
            _("{seed}: not UTF-8 text (byte {start})").format(seed=seed, start=e.start),
            hint=_("save the article as UTF-8 and publish again"),
        ) from e
    return parse_article(text, seed=seed, tz=tz, require_audio=require_audio)


def parse_article(text: str, *, seed: str, tz: ZoneInfo, require_audio: bool = True) -> Article:
    """Parse an article's text (CONTRACT.md, "The seed document")."""
    lines = [line for line in text_lines(text) if line]
    for marker in _NAVIGATION:
        if marker in lines:
            lines = lines[: lines.index(marker)]
    date_at = next((i for i, line in enumerate(lines) if _DATE.match(line)), None)
    url_at = next((i for i, line in enumerate(lines) if _URL.match(line)), None)
    header_end = max(i for i in (date_at, url_at, 0) if i is not None)

    if not lines or lines[0] in (lines[i] for i in (date_at, url_at) if i is not None):
        raise SeedError(
            _("{seed}: no title").format(seed=seed), hint=_("the first line of a seed must be the article's title")
        )
    if date_at is None:
        raise SeedError(
            _("{seed}: no date").format(seed=seed),
            hint=_('add a line "Cập nhật ngày: DD/MM/YYYY HH:MM:SS" after the title'),
        )
    if url_at is None and require_audio:
        raise SeedError(
            _("{seed}: no audio URL").format(seed=seed),
            hint=_("add the MP3's http(s) URL on its own line after the date, or publish with --narrate"),
        )
    title = lines[0]
    published = _parse_date(lines[date_at], seed=seed, tz=tz)
    audio_url = lines[url_at] if url_at is not None else ""
    parts = urlsplit(audio_url)
    if audio_url and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise SeedError(
            _("{seed}: audio URL {audio_url!r} is not an http(s) URL").format(
                seed=seed, audio_url=redact_url(audio_url)
            ),
            hint=_("link the MP3 over http or https"),
        )

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
        source_site=parts.hostname or "",
    )


def _parse_date(line: str, *, seed: str, tz: ZoneInfo) -> datetime:
    match = _DATE.match(line)
    if match is None:
        raise SeedError(_("{seed}: date {line!r} is not DD/MM/YYYY HH:MM:SS").format(seed=seed, line=line))
    day, month, year, hour, minute, second = (int(g or 0) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as e:
        raise SeedError(
            _("{seed}: date {line!r} is not a real date ({error})").format(seed=seed, line=line, error=e),
            hint=_("write it as DD/MM/YYYY HH:MM:SS"),
        ) from e


def _is_byline(line: str) -> bool:
    letters = [c for c in line if c.isalpha()]
    return bool(letters) and len(line) <= 80 and line == line.upper() and not line.endswith((".", ":", "?", "!"))


def _name_case(byline: str) -> str:
    """'NGỌC TÂM' → 'Ngọc Tâm' (each word capitalised, separators kept)."""
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), _BYLINE_ROLE.sub("", byline))


MANIFEST_SUFFIXES = (".toml",)
_MANIFEST_KEYS = {"title", "date", "audio", "episode", "season", "summary", "transcript", "speakers", "chapters"}
_MANIFEST_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?$")
_CLOCK = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d)(?:\.(\d{1,3}))?$")


def read_manifest(path: Path, *, seed: str, root: Path, tz: ZoneInfo) -> Recording:
    """Parse an episode manifest; every error names the file and the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as e:
        raise SeedError(_("{seed}: cannot be read ({reason})").format(seed=seed, reason=e.strerror)) from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise SeedError(
            _("{seed}: not a valid TOML manifest ({error})").format(seed=seed, error=e),
            hint=_("fix the syntax (README: episode manifests)"),
        ) from e
    unknown = sorted(set(data) - _MANIFEST_KEYS)
    if unknown:
        raise SeedError(
            _("{seed}: unknown field {unknown!r}").format(seed=seed, unknown=unknown[0]),
            hint=_("valid fields: {fields}").format(fields=", ".join(sorted(_MANIFEST_KEYS))),
        )
    title = one_line(_field(data, "title", str, seed, required=True))
    if not title:
        raise SeedError(_("{seed}: title is empty").format(seed=seed))
    published = _manifest_date(data.get("date"), seed, tz)
    audio = _field(data, "audio", str, seed, required=True).strip()
    if not audio.startswith(("http://", "https://")):
        _inside(audio, "audio", seed, root)
    transcript = data.get("transcript")
    if transcript is not None:
        transcript = _inside(_field(data, "transcript", str, seed), "transcript", seed, root)
    return Recording(
        seed=seed,
        title=title,
        published=published,
        audio=audio,
        summary=block(_field(data, "summary", str, seed) or ""),
        episode=_positive(data, "episode", seed),
        season=_positive(data, "season", seed),
        transcript=transcript,
        speakers=_speakers(data.get("speakers", []), seed),
        chapters=_chapters(data.get("chapters", []), seed),
    )


def parse_clock(value: str) -> int:
    """'HH:MM:SS[.mmm]' or 'MM:SS' → milliseconds; ValueError if malformed."""
    match = _CLOCK.match(value.strip())
    if not match:
        raise ValueError(value)
    hours, minutes, seconds, millis = match.groups()
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int((millis or "0").ljust(3, "0"))


def _field(data: dict[str, Any], key: str, kind: type, seed: str, *, required: bool = False) -> Any:
    value = data.get(key)
    if value is None:
        if required:
            raise SeedError(
                _("{seed}: {key} is missing").format(seed=seed, key=key),
                hint=_("add {key} = … (README: episode manifests)").format(key=key),
            )
        return None
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise SeedError(
            _("{seed}: {key} must be {kind}, got {value!r}").format(
                seed=seed, key=key, kind=_(_KIND[kind]), value=value
            )
        )
    return value


_KIND = {str: N_("a string"), int: N_("an integer"), list: N_("a list")}


def _manifest_date(value: object, seed: str, tz: ZoneInfo) -> datetime:
    if value is None:
        raise SeedError(
            _("{seed}: date is missing").format(seed=seed), hint=_('add date = "YYYY-MM-DD HH:MM" (local time)')
        )
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(tz)
        return value.replace(tzinfo=tz)
    match = _MANIFEST_DATE.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise SeedError(
            _("{seed}: date {value!r} is not YYYY-MM-DD HH:MM").format(seed=seed, value=value),
            hint=_('e.g. date = "2021-12-25 08:00"'),
        )
    year, month, day, hour, minute, second = (int(g or 0) for g in match.groups())
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as e:
        raise SeedError(
            _("{seed}: date {value!r} is not a real date ({error})").format(seed=seed, value=value, error=e)
        ) from e


def _inside(value: str, key: str, seed: str, root: Path) -> Path:
    path = Path(value)
    if path.is_absolute() or ".." in path.parts:
        raise SeedError(
            _("{seed}: {key} {value!r} must be a path inside the workspace or an http(s) URL").format(
                seed=seed, key=key, value=value
            )
        )
    if not (root / path).is_file():
        raise SeedError(
            _("{seed}: {key} file {value} not found").format(seed=seed, key=key, value=value),
            hint=_("check the path (relative to the workspace)"),
        )
    return path


def _positive(data: dict[str, Any], key: str, seed: str) -> int | None:
    value = _field(data, key, int, seed)
    if value is not None and value <= 0:
        raise SeedError(
            _("{seed}: {key} must be a positive integer, got {value}").format(seed=seed, key=key, value=value)
        )
    return value  # type: ignore[no-any-return]


def _speakers(value: object, seed: str) -> tuple[Speaker, ...]:
    if not isinstance(value, list):
        raise SeedError(_("{seed}: speakers must be a list of [[speakers]] tables").format(seed=seed))
    speakers = []
    for i, item in enumerate(value, start=1):
        where = f"speakers[{i}]"
        if not isinstance(item, dict):
            raise SeedError(_("{seed}: {where} must be a table with name, role, office").format(seed=seed, where=where))
        extra = sorted(set(item) - {"name", "role", "office"})
        if extra:
            raise SeedError(
                _("{seed}: {where}: unknown field {extra!r}").format(seed=seed, where=where, extra=extra[0]),
                hint=_("valid: name, role, office"),
            )
        name = one_line(str(item.get("name") or ""))
        if not name:
            raise SeedError(_("{seed}: {where}.name is missing").format(seed=seed, where=where))
        role = str(item.get("role", "guest"))
        if role not in {r.value for r in Role}:
            raise SeedError(
                _("{seed}: {where}.role {role!r} is not a role").format(seed=seed, where=where, role=role),
                hint=_('use "host" or "guest"'),
            )
        # A blank office is no office, as an absent one.
        office = one_line(str(item.get("office") or "")) or None
        speakers.append(Speaker(name=name, role=Role(role), office=office))
    return tuple(speakers)


def _chapters(value: object, seed: str) -> tuple[Chapter, ...]:
    if not isinstance(value, list):
        raise SeedError(_("{seed}: chapters must be a list of [[chapters]] tables").format(seed=seed))
    chapters: list[Chapter] = []
    for i, item in enumerate(value, start=1):
        where = f"chapters[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("start"), str):
            raise SeedError(
                _("{seed}: {where}.start is missing").format(seed=seed, where=where), hint=_('write start = "HH:MM:SS"')
            )
        extra = sorted(set(item) - {"start", "title"})
        if extra:
            raise SeedError(
                _("{seed}: {where}: unknown field {extra!r}").format(seed=seed, where=where, extra=extra[0]),
                hint=_("valid: start, title"),
            )
        try:
            start_ms = parse_clock(item["start"])
        except ValueError:
            raise SeedError(
                _("{seed}: {where}.start {start!r} is not HH:MM:SS[.mmm]").format(
                    seed=seed, where=where, start=item["start"]
                )
            ) from None
        title = one_line(str(item.get("title") or ""))
        if not title:
            raise SeedError(_("{seed}: {where}.title is missing").format(seed=seed, where=where))
        if chapters and start_ms <= chapters[-1].start_ms:
            raise SeedError(
                _("{seed}: {where}.start {start} is not after the previous chapter's").format(
                    seed=seed, where=where, start=item["start"]
                ),
                hint=_("list chapters in time order"),
            )
        chapters.append(Chapter(start_ms=start_ms, title=title))
    return tuple(chapters)
