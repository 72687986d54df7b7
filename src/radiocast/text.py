"""Text as a person reads it, one set of rules for every stage: seeds, manifests, notes, the feed, tags, cues.

- a line ends at LF, CRLF or CR and nowhere else: `str.splitlines()` also breaks at VT, FF, FS/GS/RS,
  NEL, U+2028 and U+2029, which scraped web text carries inside titles;
- any other whitespace (`str.isspace`) is a space, and runs of spaces are one;
- controls that are not whitespace, lone surrogates and U+FFFE/U+FFFF are removed (XML 1.0 cannot
  carry them: lxml refuses the whole feed), as are the invisible U+200B, U+2060 and U+FEFF;
- the result is NFC; everything else is kept (bidi marks, ZWJ/ZWNJ that emoji and scripts need).
"""

from __future__ import annotations

import re
import unicodedata

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CLOCK = re.compile(r"^(?:(\d+):)?([0-5]?\d):([0-5]\d)(?:\.(\d{1,3}))?$")
# Seconds as a spreadsheet or Audacity writes them, with a decimal point or a decimal comma.
_SECONDS = re.compile(r"^(\d+)(?:[.,](\d+))?$")
_NEVER_TEXT = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff\u200b\u2060\ufeff]")
# The whitespace XML 1.0 has no Char for; it stays whitespace.
_XML_ILLEGAL_SPACE = re.compile("[\x0b\x0c\x1c-\x1f]")


def xml_safe(text: str) -> str:
    """*text* with its lines and spacing as they are, but nothing XML 1.0 cannot carry, in NFC."""
    # Removal first: dropping a control between a letter and its combining mark changes the NFC form.
    return unicodedata.normalize("NFC", _XML_ILLEGAL_SPACE.sub(" ", _NEVER_TEXT.sub("", text)))


def one_line(text: str) -> str:
    """*text* as one line: XML-safe, NFC, every whitespace run one space, none at either end."""
    # Most texts are already so by the time the feed is built: a few scans in C, no copies.
    # isprintable() is False for every control, format character (U+200B, U+2060, U+FEFF),
    # surrogate, non-character and whitespace but " ", so none of _NEVER_TEXT is there.
    if (
        text.isprintable()
        and "  " not in text
        and not text.startswith(" ")
        and not text.endswith(" ")
        and unicodedata.is_normalized("NFC", text)
    ):
        return text
    return unicodedata.normalize("NFC", " ".join(_NEVER_TEXT.sub("", text).split()))


def split_lines(text: str) -> list[str]:
    """The lines of *text* as an editor shows them, as they are (tabs kept)."""
    return _LINE_BREAK.split(text)


def seconds_text(ms: int) -> str:
    """Milliseconds as seconds without trailing zeros, as `#t=` links carry them: 130000 → "130", 3500 → "3.5"."""
    whole, rest = divmod(ms, 1000)
    return f"{whole}.{rest:03d}".rstrip("0").rstrip(".") if rest else str(whole)


def unaccented(text: str) -> str:
    """*text* without Vietnamese tone and vowel marks, đ as d: what people type when they skip diacritics."""
    bare = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", bare.replace("đ", "d").replace("Đ", "D"))


def lines(text: str) -> list[str]:
    """The lines of *text* as an editor shows them, each one `one_line`."""
    return [one_line(line) for line in split_lines(text)]


def block(text: str) -> str:
    """Several lines of *text*, each one `one_line`, LF-separated, blank lines at either end dropped."""
    return "\n".join(lines(text)).strip("\n")


def clock(ms: int, *, fraction: str | None = None) -> str:
    """*ms* as HH:MM:SS (with a sign when negative), the way chapters, cues and notes show a time.

    With *fraction* the milliseconds follow it: "." for WebVTT and chapter messages, "," for SRT.
    """
    sign = "-" if ms < 0 else ""
    seconds, millis = divmod(abs(ms), 1000)
    text = f"{sign}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{text}{fraction}{millis:03d}" if fraction is not None else text


def parse_clock(value: str) -> int:
    """'HH:MM:SS[.mmm]' or 'MM:SS' → milliseconds; ValueError if malformed."""
    match = _CLOCK.match(value.strip())
    if not match:
        raise ValueError(value)
    hours, minutes, seconds, millis = match.groups()
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int((millis or "0").ljust(3, "0"))


def parse_time(value: str) -> int:
    """A time into a recording as people write it: H:MM:SS, MM:SS or seconds ("754", "12.5", "12,5") → ms.

    >>> parse_time("1:02:03"), parse_time("02:03"), parse_time("12,5")
    (3723000, 123000, 12500)
    """
    match = _SECONDS.match(value.strip())
    if match is None:
        return parse_clock(value)
    whole, fraction = match.groups()
    return int(whole) * 1000 + round(float(f"0.{fraction or 0}") * 1000)
