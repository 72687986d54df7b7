"""A manifest's chapters from a file the station already makes: Audacity's labels or a spreadsheet's CSV.

`chapters = "recordings/2021-12-25.txt"`: Audacity's "Export Labels" (start TAB end TAB label,
seconds with decimals; a point label has start == end; the frequency lines of spectral labels,
which begin with a backslash, are skipped). `chapters = "…csv"`: a header row with start and
title, optionally asker, commune, topic and answered_by (spreadsheet.py reads it). Every bad
line names the file, the line and the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path

from radiocast.errors import SeedError
from radiocast.i18n import _
from radiocast.models import Chapter, Speaker
from radiocast.questions import QUESTION_FIELDS, QuestionError, make_question
from radiocast.spreadsheet import Row, Table, TableError, cell, read_table
from radiocast.text import one_line, parse_time, split_lines

LABEL_SUFFIX = ".txt"
CSV_SUFFIX = ".csv"
_AUDACITY_COLUMNS = ("start", "end", "label")


def read_chapter_file(
    root: Path, path: Path, *, seed: str, topics: Sequence[str], speakers: Sequence[Speaker]
) -> tuple[Chapter, ...]:
    """The chapters in the file at *path* (relative to *root*), in time order."""
    shown = path.as_posix()
    if path.suffix.lower() == CSV_SUFFIX:
        try:
            table = read_table(root / path, wanted=("start", "title", *QUESTION_FIELDS), required=("start", "title"))
        except TableError as e:
            raise SeedError(
                _("{seed}: chapters file {file}: {problem}").format(seed=seed, file=shown, problem=e),
                hint=_("README: chapters from Audacity or a spreadsheet"),
            ) from e
        return _from_table(table, seed=seed, shown=shown, topics=topics, speakers=speakers)
    if path.suffix.lower() == LABEL_SUFFIX:
        return _from_labels(root / path, seed=seed, shown=shown)
    raise SeedError(
        _("{seed}: chapters file {file} is neither Audacity labels (.txt) nor a CSV (.csv)").format(
            seed=seed, file=shown
        ),
        hint=_("export the labels from Audacity, or save the spreadsheet as CSV UTF-8"),
    )


def _from_labels(path: Path, *, seed: str, shown: str) -> tuple[Chapter, ...]:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise SeedError(
            _("{seed}: chapters file {file} cannot be read as UTF-8 text ({error})").format(
                seed=seed, file=shown, error=e
            ),
            hint=_("export the labels again from Audacity (File › Export › Export Labels)"),
        ) from e
    chapters: list[Chapter] = []
    for number, line in enumerate(split_lines(text), start=1):
        if not line.strip() or line.startswith("\\"):
            continue
        bad = partial(_label_error, seed, shown, number)
        fields = line.split("\t")
        if len(fields) < len(_AUDACITY_COLUMNS):
            raise bad(len(fields) + 1, _("missing: a label line has three tab-separated columns"))
        times = []
        for column, value in enumerate(fields[:2], start=1):
            try:
                times.append(_seconds(value))
            except ValueError:
                raise bad(column, _("{value!r} is not a time in seconds").format(value=value)) from None
        if times[1] < times[0]:
            raise bad(2, _("the label ends before it starts"))
        title = one_line(" ".join(fields[2:]))
        if not title:
            raise bad(3, _("the label is empty: it becomes the chapter's title"))
        if chapters and times[0] <= chapters[-1].start_ms:
            raise bad(1, _("not after the previous label's start: chapters are in time order"))
        chapters.append(Chapter(start_ms=times[0], title=title))
    return tuple(chapters)


def _label_error(seed: str, shown: str, line: int, column: int, problem: str) -> SeedError:
    where = _("{file}, line {line}, column {column}").format(
        file=shown, line=line, column=f"{column} ({_AUDACITY_COLUMNS[column - 1]})"
    )
    return SeedError(f"{seed}: {where}: {problem}", hint=_("Audacity writes start TAB end TAB label, in seconds"))


def _cell_error(
    seed: str, table: Table, shown: str, row: Row, column: str, problem: str, hint: str | None = None
) -> SeedError:
    return SeedError(f"{seed}: {cell(table, shown, row, column)}: {problem}", hint=hint)


def _seconds(value: str) -> int:
    if ":" in value:
        raise ValueError(value)
    return parse_time(value)


def _from_table(
    table: Table, *, seed: str, shown: str, topics: Sequence[str], speakers: Sequence[Speaker]
) -> tuple[Chapter, ...]:
    chapters: list[Chapter] = []
    for row in table.rows:
        bad = partial(_cell_error, seed, table, shown, row)
        try:
            start_ms = parse_time(row.values["start"])
        except ValueError:
            raise bad(
                "start",
                _("{value!r} is not a time").format(value=row.values["start"]),
                _("write H:MM:SS, MM:SS or seconds"),
            ) from None
        title = row.values["title"]
        if not title:
            raise bad("title", _("the chapter's title is missing"))
        if chapters and start_ms <= chapters[-1].start_ms:
            raise bad("start", _("not after the previous row's start: chapters are in time order"))
        try:
            question = make_question(row.values, topics=topics, speakers=speakers)
        except QuestionError as e:
            raise bad(e.field, e.message, e.hint) from None
        chapters.append(Chapter(start_ms=start_ms, title=title, question=question))
    return tuple(chapters)
