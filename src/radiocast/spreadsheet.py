"""A spreadsheet's CSV export (as Excel or LibreOffice saves it) → rows keyed by column, with their lines.

UTF-8 with or without a BOM; comma or semicolon, whichever the header row uses more (Excel in a
locale with a decimal comma writes semicolons). Headers are matched without case, accents or
punctuation, so "Người trả lời", "nguoi tra loi" and "answered_by" name the same column.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from slugify import slugify

from radiocast.i18n import _
from radiocast.text import one_line

# Each column's name, then the other headers accepted for it (as `header_key` writes them).
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "date": ("date", "ngay", "ngay_phat_song", "broadcast_date"),
    "recording": ("recording", "file", "tep", "tep_ghi_am", "ban_ghi"),
    "start": ("start", "time", "thoi_diem", "thoi_gian", "bat_dau"),
    "title": ("title", "tieu_de", "ten_muc", "muc"),
    "question": ("question", "cau_hoi", "noi_dung_cau_hoi", "noi_dung"),
    "asker": ("asker", "nguoi_hoi", "ho_ten", "nguoi_dan"),
    "commune": ("commune", "xa", "xa_thi_tran", "dia_phuong", "dia_chi"),
    "answered_by": ("answered_by", "nguoi_tra_loi", "tra_loi"),
    "office": ("office", "chuc_vu", "co_quan", "don_vi"),
    "topic": ("topic", "chu_de", "linh_vuc"),
}


class TableError(ValueError):
    """The file as a whole cannot be read as a table; the message names what is wrong."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # in the file, 1-based, as an editor shows it
    values: dict[str, str]  # column → its text as one line ("" when empty)


@dataclass(frozen=True, slots=True)
class Table:
    headers: dict[str, str]  # column → the header as the file writes it (for messages)
    rows: tuple[Row, ...]


def header_key(header: str) -> str:
    """'Người trả lời' → 'nguoi_tra_loi': how a header is compared with COLUMNS."""
    return slugify(header, separator="_")


def read_table(path: Path, *, wanted: tuple[str, ...], required: tuple[str, ...]) -> Table:
    """The rows of the CSV at *path*, with the *wanted* columns it has; TableError if it cannot be read
    or lacks a *required* column. Columns not wanted (a row number, notes) are ignored, and so are
    blank rows."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise TableError(_("cannot be read ({reason})").format(reason=e.strerror or e)) from e
    except UnicodeDecodeError as e:
        raise TableError(_("not UTF-8 (byte {start}); save it as “CSV UTF-8”").format(start=e.start)) from e
    first = text.partition("\n")[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, [])
    by_key = {COLUMNS[c][0]: c for c in wanted} | {alias: c for c in wanted for alias in COLUMNS[c]}
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    for index, name in enumerate(header):
        column = by_key.get(header_key(name))
        if column is not None and column not in positions:
            positions[column] = index
            headers[column] = one_line(name)
    missing = [c for c in required if c not in positions]
    if missing:
        raise TableError(
            _("no column {column!r} in its first line; accepted headers: {accepted}").format(
                column=missing[0], accepted=", ".join(COLUMNS[missing[0]])
            )
        )
    rows = []
    line = reader.line_num
    for record in reader:
        start, line = line + 1, reader.line_num
        values = {c: one_line(record[i]) if i < len(record) else "" for c, i in positions.items()}
        if any(values.values()):
            rows.append(Row(line=start, values=values))
    return Table(headers=headers, rows=tuple(rows))


def cell(table: Table, file: str, row: Row, column: str) -> str:
    """Where a value is, for a message: 'questions.csv, line 17, column Chủ đề'."""
    return _("{file}, line {line}, column {column}").format(
        file=file, line=row.line, column=table.headers.get(column, column)
    )
