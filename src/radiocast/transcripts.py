"""Transcripts: the Cue model, and write/read WebVTT, SRT, HTML and plain text."""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from radiocast.errors import SeedError
from radiocast.i18n import _
from radiocast.text import clock, one_line

log = logging.getLogger(__name__)

MAX_LINE_CHARS = 65  # FEED-SPEC §2.4
MAX_CUE_LINES = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class Cue:
    """One timed caption."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str | None = None


# --- writing -------------------------------------------------------------------------------


def _wrap(text: str, width: int = MAX_LINE_CHARS) -> list[str]:
    """Lines of at most *width* characters, balanced, breaking only at spaces."""
    words = text.split(" ")
    lines: list[str] = []
    while words:
        rest = " ".join(words)
        if len(rest) <= width:
            lines.append(rest)
            break
        # Take as many words as fit (at least one), then balance two lines when two suffice.
        fit = 1
        while fit < len(words) and len(" ".join(words[: fit + 1])) <= width:
            fit += 1
        if len(" ".join(words[fit:])) <= width:
            fit = min(
                range(1, fit + 1),
                key=lambda k: max(len(" ".join(words[:k])), len(" ".join(words[k:]))),
            )
        lines.append(" ".join(words[:fit]))
        words = words[fit:]
    return lines


def _pieces(text: str, limit: int) -> list[str]:
    """Split *text* into parts of at most *limit* characters, preferring to end at punctuation."""
    words = text.split(" ")
    parts: list[str] = []
    current: list[str] = []
    for word in words:
        if current and len(" ".join([*current, word])) > limit:
            # Go back to the last clause end in the second half of the part, if any.
            cut = next(
                (
                    k
                    for k in range(len(current), 0, -1)
                    if current[k - 1][-1:] in ",;:" and len(" ".join(current[:k])) > limit // 2
                ),
                len(current),
            )
            parts.append(" ".join(current[:cut]))
            current = current[cut:]
        current.append(word)
    if current:
        parts.append(" ".join(current))
    return parts


def split_cue(cue: Cue, *, max_chars: int = MAX_LINE_CHARS * MAX_CUE_LINES) -> list[Cue]:
    """Split a long cue into several of at most *max_chars*, timed in proportion to their length."""
    text = one_line(cue.text)
    if len(text) <= max_chars:
        return [replace(cue, text=text)]
    parts = _pieces(text, max_chars)
    # Here, not at the top: numpy takes a tenth of a second to import, and a publish with nothing
    # to produce (most of them) splits no cue.
    import numpy as np

    lengths = np.cumsum([0] + [len(p) + 1 for p in parts], dtype=np.float64)
    times = cue.start_ms + (cue.end_ms - cue.start_ms) * lengths / lengths[-1]
    bounds = [round(float(t)) for t in times]
    return [
        Cue(start_ms=bounds[i], end_ms=bounds[i + 1], text=part, speaker=cue.speaker) for i, part in enumerate(parts)
    ]


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Iterable[Cue], *, language: str = "vi") -> str:
    """WebVTT captions: lines of at most 65 characters, long cues split, speakers as ``<v>``."""
    # A "Language:" header line is common but not valid WebVTT; a comment block is.
    blocks = ["WEBVTT", f"NOTE Language: {_escape_vtt(language)}"]
    for cue in cues:
        for piece in split_cue(cue):
            lines = [_escape_vtt(line) for line in _wrap(piece.text)]
            if piece.speaker:
                lines[0] = f"<v {_escape_vtt(one_line(piece.speaker))}>{lines[0]}"
            timing = f"{clock(max(0, piece.start_ms), fraction='.')} --> {clock(max(0, piece.end_ms), fraction='.')}"
            blocks.append("\n".join([timing, *lines]))
    return "\n\n".join(blocks) + "\n"


def to_srt(cues: Iterable[Cue]) -> str:
    """SubRip captions, numbered from 1; a speaker is written as a ``Name: `` prefix."""
    blocks: list[str] = []
    for cue in cues:
        for piece in split_cue(cue):
            text = f"{one_line(piece.speaker)}: {piece.text}" if piece.speaker else piece.text
            timing = f"{clock(max(0, piece.start_ms), fraction=',')} --> {clock(max(0, piece.end_ms), fraction=',')}"
            blocks.append("\n".join([str(len(blocks) + 1), timing, *_wrap(text)]))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def to_html(title: str, paragraphs: Iterable[str], *, language: str = "vi") -> str:
    """A small standalone HTML document: the title and one ``<p>`` per paragraph."""

    def esc(text: str) -> str:
        return html.escape(one_line(text), quote=True)

    body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs if p.strip())
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n</head>\n<body>\n<main>\n<h1>{esc(title)}</h1>\n{body}\n</main>\n"
        "</body>\n</html>\n"
    )


def to_text(title: str, paragraphs: Iterable[str]) -> str:
    """Plain text: the title, then the paragraphs, separated by blank lines."""
    blocks = [one_line(title), *(one_line(p) for p in paragraphs if p.strip())]
    return "\n\n".join(blocks) + "\n"


# --- reading -------------------------------------------------------------------------------

_VTT_TIME = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
_SRT_TIME = re.compile(r"^(\d{1,}):([0-5]\d):([0-5]\d)[,.](\d{1,3})$")
_TIMING = re.compile(r"^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t].*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)*(?:[ \t]+([^>]*))?>")
_TAG = re.compile(r"<[^>]*>")


def parse_transcript_file(path: Path) -> list[Cue] | str:
    """Read a station's transcript: WebVTT or SRT give cues, anything else is plain text."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SeedError(
            _("transcript {path} cannot be read ({reason})").format(path=path, reason=e.strerror),
            hint=_("check the transcript path"),
        ) from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SeedError(
            _("transcript {path} is not UTF-8 (byte {start})").format(path=path, start=e.start),
            hint=_("save it as UTF-8"),
        ) from e
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    first = text.split("\n", 1)[0]
    suffix = path.suffix.lower()
    if re.match(r"^WEBVTT(?:[ \t]|$)", first):
        return _parse_cues(text, path, vtt=True)
    if suffix == ".vtt":
        raise SeedError(
            _("transcript {path} is not WebVTT: its first line is not WEBVTT").format(path=path),
            hint=_("start the file with WEBVTT"),
        )
    if suffix == ".srt" or _looks_like_srt(text):
        return _parse_cues(text, path, vtt=False)
    plain = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    if not plain:
        raise SeedError(
            _("transcript {path} is empty").format(path=path), hint=_("add the text or remove the transcript key")
        )
    return plain


def _looks_like_srt(text: str) -> bool:
    lines = [line.strip() for line in text.strip().split("\n")[:3]]
    return len(lines) >= 2 and lines[0].isdigit() and "-->" in lines[1]


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Groups of non-blank lines, each with the 1-based line number of its first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _parse_time(value: str, *, vtt: bool, where: str) -> int:
    match = (_VTT_TIME if vtt else _SRT_TIME).match(value)
    if match is None:
        shape = "[HH:]MM:SS.mmm" if vtt else "HH:MM:SS,mmm"
        raise SeedError(
            _("{where}: time {value!r} is not {shape}").format(where=where, value=value, shape=shape),
            hint=_("fix the cue timing"),
        )
    hours, minutes, seconds, millis = match.groups()
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis.ljust(3, "0"))


def _parse_cues(text: str, path: Path, *, vtt: bool) -> list[Cue]:
    kind = "WebVTT" if vtt else "SRT"
    cues: list[Cue] = []
    blocks = _blocks(text)
    for line_no, lines in blocks[1:] if vtt else blocks:
        if vtt and re.match(r"^(?:NOTE|STYLE|REGION)(?:[ \t]|$)", lines[0]):
            continue
        timing_at = 0 if "-->" in lines[0] else 1
        where = _("transcript {path}, line {line}").format(path=path, line=line_no + timing_at)
        match = _TIMING.match(lines[timing_at].strip()) if len(lines) > timing_at else None
        if match is None:
            raise SeedError(
                _("transcript {path}, line {line}: expected a {kind} cue timing 'start --> end'").format(
                    path=path, line=line_no, kind=kind
                ),
                hint=_("separate cues with one blank line, each starting with its timing line"),
            )
        start = _parse_time(match.group(1), vtt=vtt, where=where)
        end = _parse_time(match.group(2), vtt=vtt, where=where)
        if end < start:
            raise SeedError(
                _("{where}: the cue ends before it starts").format(where=where), hint=_("fix the cue timing")
            )
        if cues and start < cues[-1].start_ms:
            raise SeedError(
                _("{where}: the cue starts before the previous one").format(where=where),
                hint=_("order the cues by time"),
            )
        body = " ".join(line.strip() for line in lines[timing_at + 1 :])
        speaker = None
        if vtt:
            voice = _VOICE.search(body)
            if voice and voice.group(1):
                speaker = one_line(html.unescape(voice.group(1))) or None
        cleaned = one_line(html.unescape(_TAG.sub("", body)))
        if cleaned:
            cues.append(Cue(start_ms=start, end_ms=end, text=cleaned, speaker=speaker))
    if not cues:
        raise SeedError(
            _("transcript {path} has no {kind} cues").format(path=path, kind=kind),
            hint=_("add cues or use a plain-text transcript"),
        )
    return cues
