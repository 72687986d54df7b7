"""`radiocast import-archive`: a folder of old recordings and a spreadsheet of their questions → one
episode manifest per broadcast in seeds/, ready for `publish`.

A recording is named by its broadcast date (`2019-05-25.mp3`) or named in the spreadsheet's
recording column. Each good row becomes a chapter with its question; each bad row is one problem
naming its line and column, and the others still import. A broadcast without rows takes its
chapters from an Audacity label file beside the recording (`2019-05-25.txt`), if there is one.
The manifest is `seeds/<recording's name>.toml`: a re-run rewrites the same files (the GUID
derives from the manifest's path), byte for byte the same when nothing changed, and keeps the
fields it does not own (summary, episode, transcript…) as the operator edited them.
"""

from __future__ import annotations

import filecmp
import re
import shutil
import tomllib
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum
from pathlib import Path
from typing import Final

import tomli_w
from slugify import slugify

from radiocast.audio import decoded_duration_ms, probe
from radiocast.catalog import workspace_lock
from radiocast.chapter_files import LABEL_SUFFIX, read_chapter_file
from radiocast.config import load_config
from radiocast.errors import AudioError, ConfigError, SeedError
from radiocast.files import atomic_path
from radiocast.i18n import N_, _
from radiocast.questions import QuestionError, check_topic
from radiocast.spreadsheet import Row, Table, TableError, cell, read_table
from radiocast.text import clock, parse_time
from radiocast.workspace import Workspace

RECORDING_SUFFIXES: Final = (".mp3", ".wav", ".m4a")
COLUMNS: Final = ("date", "recording", "start", "asker", "commune", "question", "answered_by", "office", "topic")
# The programme airs in the morning; `--air-time` says otherwise.
DEFAULT_AIR_TIME: Final = time(8, 0)
TITLE: Final = "Chính quyền đối thoại với Nhân dân — {day:%d/%m/%Y}"
RECORDINGS_DIR: Final = "recordings"
# The first line of every manifest written here: a manifest without it is the operator's, never rewritten.
MARKER: Final = "# radiocast import-archive"
_HEADER: Final = (
    f"{MARKER}: title, date, audio, speakers và chapters được viết lại ở lần nhập sau; các trường khác được giữ.\n"
)
_OWNED: Final = ("title", "date", "audio", "speakers", "chapters")
_DATE_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DATE_VN = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


class Status(StrEnum):
    NEW = N_("new")
    UPDATED = N_("updated")
    UNCHANGED = N_("unchanged")


@dataclass(frozen=True, slots=True, kw_only=True)
class Manifest:
    seed: str  # relative to the workspace
    status: Status
    chapters: int
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ArchiveReport:
    manifests: tuple[Manifest, ...]
    problems: tuple[str, ...]  # one line each: a bad row, or a broadcast left out and why
    copied: tuple[str, ...]  # recordings copied into the workspace
    dry_run: bool


@dataclass(slots=True)
class _Question:
    line: int
    start_ms: int
    title: str
    asker: str
    commune: str
    topic: str
    answered_by: str
    office: str


@dataclass(slots=True)
class _Broadcast:
    recording: Path
    day: date
    has_rows: bool = False
    questions: list[_Question] = field(default_factory=list)


class _RowError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


def import_archive(
    root: Path, folder: Path, questions: Path, *, dry_run: bool = False, air_time: time = DEFAULT_AIR_TIME
) -> ArchiveReport:
    """Write (or with *dry_run* only describe) a manifest per broadcast found in *folder* and *questions*."""
    ws = Workspace(root)
    config = load_config(ws.config_path)
    if not folder.is_dir():
        raise ConfigError(
            _("{folder}: not a folder of recordings").format(folder=folder),
            hint=_("give the folder that holds the WAV, MP3 or M4A files"),
        )
    shown = ws.relative(questions)
    try:
        table = read_table(questions, wanted=COLUMNS, required=("date", "start", "question"))
    except TableError as e:
        raise ConfigError(f"{shown}: {e}", hint=_("README: import-archive lists the columns")) from e
    reader = _Reader(folder, table, config.topics)
    problems: list[str] = []
    for row in table.rows:
        try:
            reader.add(row)
        except _RowError as e:
            problems.append(f"{cell(table, shown, row, e.column)}: {e}")
    inside = folder.resolve().is_relative_to(ws.root.resolve())
    manifests: list[Manifest] = []
    copied: list[str] = []
    plans = sorted(reader.broadcasts.values(), key=lambda b: (b.day, b.recording.name))
    # A dry run takes no lock: it writes nothing, and may run beside a publish.
    with workspace_lock(ws.lock_path) if not dry_run else nullcontext():
        for broadcast in plans:
            try:
                manifest, files = _manifest(ws, broadcast, air_time, config.topics, inside=inside, dry_run=dry_run)
            except SeedError as e:
                problems.append(str(e))
                continue
            manifests.append(manifest)
            copied.extend(files)
    return ArchiveReport(manifests=tuple(manifests), problems=tuple(problems), copied=tuple(copied), dry_run=dry_run)


class _Reader:
    """The rows, checked one by one and gathered by recording."""

    def __init__(self, folder: Path, table: Table, topics: Sequence[str]) -> None:
        self.folder = folder
        self.table = table
        self.topics = topics
        self.files = {
            p.name: p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in RECORDING_SUFFIXES
        }
        self.broadcasts: dict[Path, _Broadcast] = {}
        for path in self.files.values():
            day = _date(path.stem)
            if day is not None:
                self.broadcasts.setdefault(path, _Broadcast(recording=path, day=day))
        self.durations: dict[Path, int] = {}

    def add(self, row: Row) -> None:
        values = row.values
        if not values["date"]:
            raise _RowError("date", _("the broadcast date is missing"))
        day = _date(values["date"])
        if day is None:
            raise _RowError(
                "date", _("{value!r} is not a date: write YYYY-MM-DD or DD/MM/YYYY").format(value=values["date"])
            )
        recording = self._recording(values.get("recording", ""), day)
        broadcast = self.broadcasts.setdefault(recording, _Broadcast(recording=recording, day=day))
        broadcast.has_rows = True
        if broadcast.day != day:
            raise _RowError(
                "date",
                _("{value!r} is not the date of {recording} ({day:%d/%m/%Y})").format(
                    value=values["date"], recording=recording.name, day=broadcast.day
                ),
            )
        try:
            start_ms = parse_time(values["start"])
        except ValueError:
            raise _RowError(
                "start", _("{value!r} is not a time: write H:MM:SS, MM:SS or seconds").format(value=values["start"])
            ) from None
        duration_ms = self._duration(recording)
        if start_ms >= duration_ms:
            raise _RowError(
                "start",
                _("{start} is past the end of {recording} ({end})").format(
                    start=clock(start_ms), recording=recording.name, end=clock(duration_ms)
                ),
            )
        same = next((q.line for q in broadcast.questions if q.start_ms == start_ms), None)
        if same is not None:
            raise _RowError("start", _("line {line} has the same time in the same recording").format(line=same))
        if not values["question"]:
            raise _RowError("question", _("the question is missing: it becomes the chapter's title"))
        topic = values.get("topic", "")
        if topic:
            try:
                topic = check_topic(topic, self.topics)
            except QuestionError as e:
                raise _RowError("topic", f"{e.message} — {e.hint}") from None
        broadcast.questions.append(
            _Question(
                line=row.line,
                start_ms=start_ms,
                title=_title(values),
                asker=values.get("asker", ""),
                commune=values.get("commune", ""),
                topic=topic,
                answered_by=values.get("answered_by", ""),
                office=values.get("office", ""),
            )
        )

    def _recording(self, name: str, day: date) -> Path:
        if name:
            if name not in self.files:
                raise _RowError(
                    "recording",
                    _("no recording {name} in {folder}").format(name=name, folder=self.folder),
                )
            return self.files[name]
        found = next(
            (self.files[f"{day:%Y-%m-%d}{s}"] for s in RECORDING_SUFFIXES if f"{day:%Y-%m-%d}{s}" in self.files), None
        )
        if found is None:
            raise _RowError(
                "date",
                _("no recording {name}.mp3, .wav or .m4a in {folder}").format(
                    name=f"{day:%Y-%m-%d}", folder=self.folder
                ),
            )
        return found

    def _duration(self, recording: Path) -> int:
        if recording not in self.durations:
            try:
                is_mp3 = recording.suffix.lower() == ".mp3"
                self.durations[recording] = probe(recording).duration_ms if is_mp3 else decoded_duration_ms(recording)
            except AudioError as e:
                raise _RowError("recording" if "recording" in self.table.headers else "date", e.message) from None
        return self.durations[recording]


def _date(text: str) -> date | None:
    """'2019-05-25' or '25/05/2019' → the date; None if it is neither or not a real day."""
    if match := _DATE_ISO.match(text.strip()):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DATE_VN.match(text.strip()):
        day, month, year = (int(g) for g in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _title(values: dict[str, str]) -> str:
    """'Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận…' (CONTRACT.md's example chapter)."""
    who = ", ".join(part for part in (values.get("asker", ""), values.get("commune", "")) if part)
    return f"{who}: {values['question']}" if who else values["question"]


def _manifest(
    ws: Workspace, broadcast: _Broadcast, air_time: time, topics: Sequence[str], *, inside: bool, dry_run: bool
) -> tuple[Manifest, list[str]]:
    """The manifest of *broadcast*, written unless *dry_run*, and the files copied for it."""
    path = ws.seeds_dir / f"{slugify(broadcast.recording.stem) or broadcast.recording.stem}.toml"
    seed = ws.relative(path)
    kept = _kept_fields(path, seed)
    labels = broadcast.recording.with_suffix(LABEL_SUFFIX)
    use_labels = not broadcast.has_rows and labels.is_file()
    files = [broadcast.recording, *([labels] if use_labels else [])]
    placed = {f: _placed(ws, f, inside=inside) for f in files}
    document: dict[str, object] = {
        "title": TITLE.format(day=broadcast.day),
        "date": f"{broadcast.day:%Y-%m-%d} {air_time:%H:%M}",
        "audio": placed[broadcast.recording],
    }
    document.update(kept or {})
    questions = sorted(broadcast.questions, key=lambda q: q.start_ms)
    speakers = _speakers(questions)
    if speakers:
        document["speakers"] = speakers
    count = len(questions)
    if use_labels:
        # Read now, so that a bad label is reported by the import rather than at publish.
        count = len(read_chapter_file(labels.parent, Path(labels.name), seed=seed, topics=topics, speakers=()))
        document["chapters"] = placed[labels]
    elif questions:
        document["chapters"] = [_chapter(q) for q in questions]
    text = _HEADER + tomli_w.dumps(document, multiline_strings=True)
    old = path.read_text(encoding="utf-8") if kept is not None else None
    status = Status.NEW if old is None else Status.UNCHANGED if old == text else Status.UPDATED
    copied = [target for source, target in placed.items() if _copy(ws, source, target, inside=inside, dry_run=dry_run)]
    if not dry_run and status is not Status.UNCHANGED:
        ws.write(path, text.encode())
    return Manifest(seed=seed, status=status, chapters=count, text=text), copied


def _kept_fields(path: Path, seed: str) -> dict[str, object] | None:
    """The fields of an earlier import's manifest that it does not own; None when there is none.
    A manifest there that is not one of ours is the operator's: it is never overwritten."""
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise SeedError(
            _("{seed}: cannot be read ({error}); left as it is").format(seed=seed, error=e),
            hint=_("fix it or remove it, then import again"),
        ) from e
    if not text.startswith(MARKER):
        raise SeedError(
            _("{seed}: exists and was not written by import-archive; left as it is").format(seed=seed),
            hint=_("rename or remove it to import this broadcast"),
        )
    return {key: value for key, value in data.items() if key not in _OWNED}


def _placed(ws: Workspace, source: Path, *, inside: bool) -> str:
    """Where the manifest finds *source*: its own path in the workspace, else its copy in recordings/."""
    if inside:
        return source.resolve().relative_to(ws.root.resolve()).as_posix()
    return f"{RECORDINGS_DIR}/{source.name}"


def _copy(ws: Workspace, source: Path, target: str, *, inside: bool, dry_run: bool) -> bool:
    """Copy *source* to *target* in the workspace unless it is there already; True if copied (or,
    in a dry run, if it would be)."""
    final = ws.root / target
    if inside:
        return False
    if final.exists():
        if filecmp.cmp(source, final, shallow=False):
            return False
        raise SeedError(
            _("{target} exists and differs from {source}; the broadcast is left out").format(
                target=target, source=source
            ),
            hint=_("move the workspace's file away, or rename the recording"),
        )
    if not dry_run:
        with atomic_path(final, staging_dir=ws.staging_dir) as tmp:
            shutil.copyfile(source, tmp)
    return True


def _speakers(questions: Sequence[_Question]) -> list[dict[str, str]]:
    """Whoever answered, in order of their first answer, with the first office given for them."""
    speakers: dict[str, dict[str, str]] = {}
    for q in questions:
        if not q.answered_by:
            continue
        speaker = speakers.setdefault(q.answered_by, {"name": q.answered_by, "role": "guest"})
        if q.office and "office" not in speaker:
            speaker["office"] = q.office
    return list(speakers.values())


def _chapter(q: _Question) -> dict[str, str]:
    chapter = {"start": clock(q.start_ms, fraction="." if q.start_ms % 1000 else None), "title": q.title}
    for key in ("asker", "commune", "topic", "answered_by"):
        if value := getattr(q, key):
            chapter[key] = value
    return chapter
