"""Seed documents → Article: the newspaper page as saved, parsed without touching the network."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from radiocast.chapter_files import read_chapter_file
from radiocast.errors import SeedError
from radiocast.i18n import N_, _
from radiocast.models import DEFAULT_TOPICS, Article, Chapter, LiveSlot, Recording, Role, Speaker
from radiocast.questions import QUESTION_FIELDS, QuestionError, make_question
from radiocast.text import block, one_line, parse_clock
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
_MANIFEST_KEYS = {
    "title",
    "date",
    "audio",
    "guid",
    "episode",
    "season",
    "summary",
    "transcript",
    "speakers",
    "chapters",
    "live",
}
_LIVE_KEYS = {"start", "end", "stream", "type"}
_CHAPTER_KEYS = ("start", "title", *QUESTION_FIELDS)
# Local time "YYYY-MM-DD HH:MM", or an instant with seconds and a UTC offset, as an imported
# feed's RFC 2822 pubDate becomes: "2019-03-02 18:30:05+07:00", "…T11:30:05Z".
_MANIFEST_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:(Z)|([+-])(\d{2}):?(\d{2}))?$", re.IGNORECASE
)


def read_manifest(
    path: Path, *, seed: str, root: Path, tz: ZoneInfo, topics: Sequence[str] = DEFAULT_TOPICS
) -> Recording:
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
    live = _live(data["live"], seed, tz) if "live" in data else None
    # Before its live broadcast a programme has no recording yet; its date is then the broadcast's.
    published = live.start if live and "date" not in data else _manifest_date(data.get("date"), seed, tz)
    guid = data.get("guid")
    if guid is not None:
        # Verbatim but for the spaces around it, which every feed reader strips too.
        guid = _field(data, "guid", str, seed).strip()
        if not guid or guid != one_line(guid):
            raise SeedError(
                _("{seed}: guid {guid!r} must be one line of text").format(seed=seed, guid=guid),
                hint=_("copy the old feed's <guid> exactly, or remove the field"),
            )
    audio = (_field(data, "audio", str, seed, required=live is None) or "").strip()
    if audio and not audio.startswith(("http://", "https://")):
        _inside(audio, "audio", seed, root)
    transcript = data.get("transcript")
    if transcript is not None:
        transcript = _inside(_field(data, "transcript", str, seed), "transcript", seed, root)
    return Recording(
        seed=seed,
        title=title,
        published=published,
        audio=audio,
        guid=guid,
        summary=block(_field(data, "summary", str, seed) or ""),
        episode=_positive(data, "episode", seed),
        season=_positive(data, "season", seed),
        transcript=transcript,
        speakers=(speakers := _speakers(data.get("speakers", []), seed)),
        chapters=_manifest_chapters(data.get("chapters", []), seed, root, topics, speakers),
        live=live,
    )


def _field(
    data: dict[str, Any], key: str, kind: type, seed: str, *, required: bool = False, where: str | None = None
) -> Any:
    """*data*[*key*] checked to be a *kind*; *where* names it in messages (default: *key*)."""
    value = data.get(key)
    where = where or key
    if value is None:
        if required:
            raise SeedError(
                _("{seed}: {key} is missing").format(seed=seed, key=where),
                hint=_("add {key} = … (README: episode manifests)").format(key=where),
            )
        return None
    if not isinstance(value, kind) or isinstance(value, bool) is not (kind is bool):
        raise SeedError(
            _("{seed}: {key} must be {kind}, got {value!r}").format(
                seed=seed, key=where, kind=_(_KIND[kind]), value=value
            )
        )
    return value


_KIND = {str: N_("a string"), int: N_("an integer"), list: N_("a list")}


def _manifest_date(value: object, seed: str, tz: ZoneInfo, key: str = "date") -> datetime:
    if value is None:
        raise SeedError(
            _("{seed}: {key} is missing").format(seed=seed, key=key),
            hint=_('add {key} = "YYYY-MM-DD HH:MM" (local time)').format(key=key),
        )
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(tz)
        return value.replace(tzinfo=tz)
    match = _MANIFEST_DATE.match(str(value).strip()) if isinstance(value, str) else None
    if not match:
        raise SeedError(
            _("{seed}: {key} {value!r} is not YYYY-MM-DD HH:MM[:SS][+HH:MM]").format(seed=seed, key=key, value=value),
            hint=_('e.g. {key} = "2021-12-25 08:00" (local time) or "2021-12-25 08:00:30+07:00"').format(key=key),
        )
    year, month, day, hour, minute, second = (int(g or 0) for g in match.groups()[:6])
    utc, sign, offset_h, offset_m = match.groups()[6:]
    try:
        if utc:
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC).astimezone(tz)
        if sign:
            offset = timedelta(hours=int(offset_h), minutes=int(offset_m)) * (-1 if sign == "-" else 1)
            return datetime(year, month, day, hour, minute, second, tzinfo=timezone(offset)).astimezone(tz)
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError as e:
        raise SeedError(
            _("{seed}: {key} {value!r} is not a real date ({error})").format(seed=seed, key=key, value=value, error=e)
        ) from e


def _live(value: object, seed: str, tz: ZoneInfo) -> LiveSlot:
    """The [live] table: start and end (local time, like date), the stream's URL and optional MIME type."""
    if not isinstance(value, dict):
        raise SeedError(
            _("{seed}: live must be a [live] table").format(seed=seed),
            hint=_('write [live] with start, end and stream (README: "The live broadcast")'),
        )
    extra = sorted(set(value) - _LIVE_KEYS)
    if extra:
        raise SeedError(
            _("{seed}: live: unknown field {extra!r}").format(seed=seed, extra=extra[0]),
            hint=_("valid: {fields}").format(fields=", ".join(sorted(_LIVE_KEYS))),
        )
    start = _manifest_date(value.get("start"), seed, tz, "live.start")
    end = _manifest_date(value.get("end"), seed, tz, "live.end")
    if end <= start:
        raise SeedError(
            _("{seed}: live.end {end} is not after live.start {start}").format(
                seed=seed, end=f"{end:%Y-%m-%d %H:%M}", start=f"{start:%Y-%m-%d %H:%M}"
            ),
            hint=_("the broadcast must end after it starts"),
        )
    stream = _field(value, "stream", str, seed, required=True, where="live.stream").strip()
    parts = urlsplit(stream)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SeedError(
            _("{seed}: live.stream {stream!r} is not an http(s) URL").format(seed=seed, stream=redact_url(stream)),
            hint=_("give the station's stream URL, e.g. https://radio.example.vn/live.mp3"),
        )
    stream_type = (_field(value, "type", str, seed, where="live.type") or "audio/mpeg").strip()
    if not re.fullmatch(r"(audio|video)/[\w.+-]+", stream_type):
        raise SeedError(
            _("{seed}: live.type {type!r} is not an audio or video MIME type").format(seed=seed, type=stream_type),
            hint=_('e.g. type = "audio/mpeg" (the default) or "audio/aac"'),
        )
    return LiveSlot(start=start, end=end, stream=stream, stream_type=stream_type)


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
        # An office of blanks is no office: the notes would otherwise print "Name, ".
        office = one_line(str(item.get("office") or "")) or None
        speakers.append(Speaker(name=name, role=Role(role), office=office))
    return tuple(speakers)


def _manifest_chapters(
    value: object, seed: str, root: Path, topics: Sequence[str], speakers: Sequence[Speaker]
) -> tuple[Chapter, ...]:
    """[[chapters]] tables, or the path of a file with the chapters (Audacity labels or a CSV)."""
    if isinstance(value, str):
        path = _inside(value, "chapters", seed, root)
        return read_chapter_file(root, path, seed=seed, topics=topics, speakers=speakers)
    return _chapters(value, seed, topics, speakers)


def _chapters(value: object, seed: str, topics: Sequence[str], speakers: Sequence[Speaker]) -> tuple[Chapter, ...]:
    if not isinstance(value, list):
        raise SeedError(
            _("{seed}: chapters must be a list of [[chapters]] tables or a file's path").format(seed=seed),
            hint=_('e.g. chapters = "recordings/2021-12-25.txt" (Audacity labels or a CSV)'),
        )
    chapters: list[Chapter] = []
    for i, item in enumerate(value, start=1):
        where = f"chapters[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("start"), str):
            raise SeedError(
                _("{seed}: {where}.start is missing").format(seed=seed, where=where), hint=_('write start = "HH:MM:SS"')
            )
        extra = sorted(set(item).difference(_CHAPTER_KEYS))
        if extra:
            raise SeedError(
                _("{seed}: {where}: unknown field {extra!r}").format(seed=seed, where=where, extra=extra[0]),
                hint=_("valid: {fields}").format(fields=", ".join(_CHAPTER_KEYS)),
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
        fields = {key: _field(item, key, str, seed, where=f"{where}.{key}") for key in QUESTION_FIELDS}
        try:
            question = make_question(fields, topics=topics, speakers=speakers)
        except QuestionError as e:
            raise SeedError(
                _("{seed}: {where} ({title}).{field}: {problem}").format(
                    seed=seed, where=where, title=title, field=e.field, problem=e.message
                ),
                hint=e.hint,
            ) from None
        chapters.append(Chapter(start_ms=start_ms, title=title, question=question))
    return tuple(chapters)
