"""Vietnamese article text → sentences, and sentences → words a speech engine can read.

Pure text in, text out: no I/O, no third-party imports.

Reading choices (southern usage, as the station is in Đồng Tháp, with the newspaper's written
forms where both are heard on air):

- a zero tens digit is "lẻ" (105 → "một trăm lẻ năm"), not the northern "linh";
- 1000 is "nghìn" (the newspaper's and the programme's written form; "ngàn" is the colloquial
  southern one: change ``THOUSAND`` to switch);
- 1 after "mươi" is "mốt", 5 after "mười"/"mươi" is "lăm", 4 after "mươi" stays "bốn";
- a number written with a leading zero ("05", "0277") is read digit by digit, as a code;
- a dot between digits is a thousands separator when the groups have three digits
  ("1.500" → 1500), a comma is the decimal mark ("3,5" → "ba phẩy năm").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

THOUSAND = "nghìn"
ZERO_TENS = "lẻ"

# --- sentence splitting --------------------------------------------------------------------

# Dotted abbreviations after which a "." does not end the sentence (case-sensitive).
_ABBREVIATIONS = frozenset(
    {
        "TP", "Tp", "TX", "TT", "Q", "P", "KP", "TS", "PGS", "GS", "ThS", "Th", "S", "BS", "KS",
        "CN", "NXB", "Ths", "Ts", "Bs", "ĐC", "St", "Mr", "Mrs", "Ms", "Dr",
    }
)  # fmt: skip
# ". ! ? …" (any run), then closing quotes/brackets, then whitespace or the end.
_TERMINATOR = re.compile(r"(?:[.!?…]+)[\"'”’»)\]]*(?=\s|$)")
_OPENERS = "\"'“‘«([{-–—"
_SPACE = re.compile(r"\s+")
_LINES = re.compile(r"\s*\n\s*")


@dataclass(frozen=True, slots=True)
class SentenceList:
    """The sentences of several paragraphs, and where the paragraphs start."""

    sentences: tuple[str, ...]
    # Indices of sentences that start a paragraph other than the first (speech.synthesize's
    # ``paragraph_breaks``).
    paragraph_breaks: frozenset[int]


def split_sentences(text: str) -> list[str]:
    """Split *text* into sentences; every line break is also a sentence (paragraph) boundary."""
    sentences: list[str] = []
    for line in _LINES.split(unicodedata.normalize("NFC", text)):
        sentences.extend(_split_line(line))
    return sentences


def split_paragraphs(paragraphs: Iterable[str]) -> SentenceList:
    """Split each paragraph into sentences; a paragraph always ends its last sentence."""
    sentences: list[str] = []
    breaks: set[int] = set()
    for paragraph in paragraphs:
        found = split_sentences(paragraph)
        if found and sentences:
            breaks.add(len(sentences))
        sentences.extend(found)
    return SentenceList(tuple(sentences), frozenset(breaks))


def _split_line(line: str) -> list[str]:
    line = _SPACE.sub(" ", line).strip()
    pieces: list[str] = []
    start = 0
    for match in _TERMINATOR.finditer(line):
        if _ends_sentence(line, match):
            pieces.append(line[start : match.end()].strip())
            start = match.end()
    pieces.append(line[start:].strip())
    sentences: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        # A piece of punctuation alone ("…" after a quote) belongs to the sentence before it.
        if sentences and not any(c.isalnum() for c in piece):
            sentences[-1] += " " + piece
        else:
            sentences.append(piece)
    return sentences


def _ends_sentence(line: str, match: re.Match[str]) -> bool:
    rest = line[match.end() :].lstrip().lstrip(_OPENERS)
    if not rest:
        return True
    # Vietnamese sentences start with a capital or a digit: "…” mang lại" goes on.
    if rest[0].islower():
        return False
    if match.group() != ".":
        return True
    word = line[: match.start()].rsplit(" ", 1)[-1].lstrip(_OPENERS)
    return not _is_abbreviation(word)


def _is_abbreviation(word: str) -> bool:
    """'TP', 'PGS.TS', 'Th.S', or an initial ('V' in 'Nguyễn V. A')."""
    parts = [part for part in word.split(".") if part]
    return bool(parts) and all(part in _ABBREVIATIONS or (len(part) == 1 and part.isupper()) for part in parts)


# --- speakable text ------------------------------------------------------------------------

_DIGIT_WORDS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

# Abbreviations written without dots, matched as whole words (case-sensitive).
_WORDS: dict[str, str] = {
    "CB,CC,VC": "cán bộ, công chức, viên chức",
    "CB, CC, VC": "cán bộ, công chức, viên chức",
    "CBCCVC": "cán bộ, công chức, viên chức",
    "CB,CC": "cán bộ, công chức",
    "CBCC": "cán bộ, công chức",
    "UBMTTQ": "Ủy ban Mặt trận Tổ quốc",
    "UBND": "Ủy ban nhân dân",
    "HĐND": "Hội đồng nhân dân",
    "MTTQ": "Mặt trận Tổ quốc",
    "THCS": "trung học cơ sở",
    "THPT": "trung học phổ thông",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "CCHC": "cải cách hành chính",
    "TTHC": "thủ tục hành chính",
    "HTX": "hợp tác xã",
    "ĐTO": "Đồng Tháp Online",
    "ĐBSCL": "Đồng bằng sông Cửu Long",
    "KT-XH": "kinh tế - xã hội",
    "QP-AN": "quốc phòng - an ninh",
    "ANTT": "an ninh trật tự",
    "CSGT": "cảnh sát giao thông",
    "BCH": "Ban Chấp hành",
    "BTV": "Ban Thường vụ",
    "PCT": "Phó Chủ tịch",
    "TW": "Trung ương",
    "NQ": "nghị quyết",
    "QĐ": "quyết định",
    "KH": "kế hoạch",
    "HCM": "Hồ Chí Minh",
    "TP": "thành phố",
    "v.v.": "vân vân",
}
# Parts of dotted abbreviations: "TP.", "TS.", "PGS.TS.", "Th.S", "TP.HCM".
_DOTTED: dict[str, str] = {
    "TP": "thành phố",
    "Tp": "thành phố",
    "TX": "thị xã",
    "TS": "tiến sĩ",
    "PGS": "phó giáo sư",
    "GS": "giáo sư",
    "ThS": "thạc sĩ",
    "BS": "bác sĩ",
    "KS": "kỹ sư",
    "HCM": "Hồ Chí Minh",
}
# "Q. 1", "P. 3": only before a number, where they cannot be a person's initial.
_BEFORE_NUMBER = {"Q": "quận", "P": "phường", "KP": "khu phố"}
_UNITS = {
    "%": "phần trăm",
    "km2": "ki-lô-mét vuông",
    "km²": "ki-lô-mét vuông",
    "m2": "mét vuông",
    "m²": "mét vuông",
    "m3": "mét khối",
    "m³": "mét khối",
    "km": "ki-lô-mét",
    "kg": "ki-lô-gam",
    "ha": "héc-ta",
    "đ": "đồng",
}


def _word_pattern(words: Iterable[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w.])(?:{alternatives})(?![\w])")


_WORD_RE = _word_pattern(_WORDS)
_DOTTED_RE = re.compile(r"(?<![\w.])((?:[^\W\d_]+\.)+[^\W\d_]*)(?=[\s,;:)”\"]|$)")
_BEFORE_NUMBER_RE = re.compile(r"(?<![\w.])(Q|P|KP)\.\s*(?=\d)")
_DATE_DMY = re.compile(r"(?:\b([Nn]gày)\s+)?(?<![\d.,/])(\d{1,2})([/.-])(\d{1,2})\3(\d{4})(?!\d)")
_DATE_MY = re.compile(r"(?:\b([Tt]háng)\s+)?(?<![\d/])(\d{1,2})/(\d{4})(?!\d)")
_DATE_DM = re.compile(r"\b([Nn]gày)\s+(\d{1,2})/(\d{1,2})(?![/\d])")
_TIME = re.compile(r"(?<![\d:])(\d{1,2}):(\d{2})(?::(\d{2}))?(?![\d:])")
_TIME_H = re.compile(r"(?<![\w,.])(\d{1,2})[hg](\d{2})?(?!\w)")
_ORDINAL = re.compile(r"\b([Tt]hứ)\s+([14])(?!\d)")
_RANGE = re.compile(r"(?<![\d.,/])([1-9]\d{0,3})\s*[-–]\s*([1-9]\d{0,3})(?![\d.,/])")
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))
_NUMBER = re.compile(
    r"(?<![\d.,])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+)|\.(\d+))?(?![\d])"
    rf"(?:\s?({_UNIT_ALT})(?!\w))?"
)
_ANY_DIGITS = re.compile(r"\d+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?…)”])")
# "05/KH" and "COVID-19" once the digits became words: a slash or a dangling hyphen is a space.
_STRAY_MARKS = re.compile(r"\s*/\s*|(?<=\w)-\s+")


def speakable(text: str) -> str:
    """Rewrite *text* for a speech engine: numbers, dates, times and abbreviations as words."""
    text = unicodedata.normalize("NFC", text)
    # Dotted forms first, so that "TP." loses its dot (which the engine would read as a pause).
    text = _DOTTED_RE.sub(_expand_dotted, text)
    text = _BEFORE_NUMBER_RE.sub(lambda m: _BEFORE_NUMBER[m.group(1)] + " ", text)
    text = _WORD_RE.sub(lambda m: _WORDS[m.group()], text)
    text = _DATE_DMY.sub(_say_dmy, text)
    text = _DATE_MY.sub(_say_my, text)
    text = _DATE_DM.sub(_say_dm, text)
    text = _TIME.sub(_say_time, text)
    text = _TIME_H.sub(_say_time_h, text)
    text = _ORDINAL.sub(lambda m: f"{m.group(1)} {'nhất' if m.group(2) == '1' else 'tư'}", text)
    text = _RANGE.sub(lambda m: f" {number_words(int(m.group(1)))} đến {number_words(int(m.group(2)))} ", text)
    text = _NUMBER.sub(_say_number, text)
    # Anything left (digits glued to letters, other scripts' digits) is still read as a number.
    text = _ANY_DIGITS.sub(lambda m: f" {_say_integer(m.group())} ", text)
    text = _STRAY_MARKS.sub(" ", text)
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACE.sub(" ", text)).strip()
    return unicodedata.normalize("NFC", text)


def number_words(n: int) -> str:
    """Read a non-negative integer in Vietnamese: 2021 → 'hai nghìn không trăm hai mươi mốt'."""
    if n < 0:
        return "âm " + number_words(-n)
    if n == 0:
        return _DIGIT_WORDS[0]
    return " ".join(_number(n, full=False))


def _number(n: int, *, full: bool) -> list[str]:
    """Words for 0 < n; *full* when higher digits were said (so "không trăm", "lẻ" are needed)."""
    billions, rest = divmod(n, 1_000_000_000)
    words: list[str] = []
    if billions:
        words += [*_number(billions, full=full), "tỷ"]
        full = True
    for size, name in ((1_000_000, "triệu"), (1000, THOUSAND)):
        group, rest = divmod(rest, size)
        if group:
            words += [*_below_thousand(group, full=full), name]
            full = True
    if rest:
        words += _below_thousand(rest, full=full)
    return words


def _below_thousand(n: int, *, full: bool) -> list[str]:
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if hundreds or full:
        words += [_DIGIT_WORDS[hundreds], "trăm"]
    if tens == 0:
        if units:
            words += [ZERO_TENS, _DIGIT_WORDS[units]] if words else [_DIGIT_WORDS[units]]
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _DIGIT_WORDS[units])
    else:
        words += [_DIGIT_WORDS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 5: "lăm"}.get(units, _DIGIT_WORDS[units]))
    return words


def _say_integer(digits: str) -> str:
    # A leading zero means a code or a phone number; very long runs are identifiers too.
    if (len(digits) > 1 and digits[0] == "0") or len(digits) > 15:
        return " ".join(_DIGIT_WORDS[int(d)] for d in digits)
    return number_words(int(digits))


def _say_fraction(digits: str) -> str:
    return _say_integer(digits) if digits[0] != "0" else " ".join(_DIGIT_WORDS[int(d)] for d in digits)


def _say_number(m: re.Match[str]) -> str:
    integer, comma_decimals, dot_decimals, unit = m.groups()
    words = _say_integer(integer.replace(".", "")) if "." in integer else _say_integer(integer)
    if comma_decimals:
        words += " phẩy " + _say_fraction(comma_decimals)
    elif dot_decimals:
        # "1.5" is not Vietnamese notation: a section number or a version, read "chấm".
        words += " chấm " + _say_fraction(dot_decimals)
    if unit:
        words += " " + _UNITS[unit]
    return f" {words} "


def _expand_dotted(m: re.Match[str]) -> str:
    token = m.group(1)
    parts = [part for part in token.replace("Th.S", "ThS").split(".") if part]
    if parts and all(part in _DOTTED for part in parts):
        return " ".join(_DOTTED[part] for part in parts)
    return token


def _month(n: int) -> str:
    return "tư" if n == 4 else number_words(n)


def _say_dmy(m: re.Match[str]) -> str:
    prefix, day, _sep, month, year = m.groups()
    d, mo = int(day), int(month)
    if not (1 <= d <= 31 and 1 <= mo <= 12):
        return m.group()
    return f" {prefix or 'ngày'} {number_words(d)} tháng {_month(mo)} năm {number_words(int(year))} "


def _say_my(m: re.Match[str]) -> str:
    prefix, month, year = m.groups()
    mo = int(month)
    if not 1 <= mo <= 12:
        return m.group()
    return f" {prefix or 'tháng'} {_month(mo)} năm {number_words(int(year))} "


def _say_dm(m: re.Match[str]) -> str:
    prefix, day, month = m.groups()
    d, mo = int(day), int(month)
    if not (1 <= d <= 31 and 1 <= mo <= 12):
        return m.group()
    return f" {prefix} {number_words(d)} tháng {_month(mo)} "


def _clock(hours: int, minutes: int, seconds: int = 0) -> str:
    words = f"{number_words(hours)} giờ"
    if minutes or seconds:
        words += f" {number_words(minutes)} phút"
    if seconds:
        words += f" {number_words(seconds)} giây"
    return f" {words} "


def _say_time(m: re.Match[str]) -> str:
    hours, minutes, seconds = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        return m.group()
    return _clock(hours, minutes, seconds)


def _say_time_h(m: re.Match[str]) -> str:
    hours, minutes = int(m.group(1)), int(m.group(2) or 0)
    if hours > 23 or minutes > 59:
        return m.group()
    return _clock(hours, minutes)
