"""What the feed rules share: Problem, the rule sources, the lint state and the checks channel and items both use."""

from __future__ import annotations

import email.utils
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from lxml import etree

from radiocast.i18n import _

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
# RFC 5005 feed history: <fh:archive/> marks an archive document.
FH_NS = "http://purl.org/syndication/history/1.0"
CANONICAL_NS = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": ATOM_NS}

APPLE, RSS, XML, SPOTIFY = "Apple", "RSS 2.0", "XML 1.0", "Spotify"
P20 = "Podcasting 2.0"

_NUMERIC_ZONE = re.compile(r"[+-]\d{4}\s*$")
_WEEKDAY = re.compile(r"\s*([A-Za-z]{3})\s*,")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_HTML_TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9]*)")
# Apple renders these in descriptions; PSP-1 adds the inline four.
_DESCRIPTION_TAGS = frozenset({"p", "ol", "ul", "li", "a", "b", "i", "strong", "em"})
MAX_DESCRIPTION_BYTES = 4000
MAX_TITLE_CHARS = 255


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One broken rule: *rule* is a short id, *source* says whose rule it is."""

    severity: Severity
    rule: str
    message: str
    source: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message} [{self.rule}; {self.source}]"


class Rules:
    """A lint run's state (the problems found so far) and the checks the channel and its items share."""

    def __init__(self, enclosure_size: Callable[[str], int | None] | None) -> None:
        self.enclosure_size = enclosure_size
        self.problems: list[Problem] = []
        self.ns = dict(CANONICAL_NS)
        self.guids: dict[str, str] = {}
        self.enclosure_urls: dict[str, str] = {}

    def error(self, rule: str, message: str, source: str) -> None:
        self.problems.append(Problem(severity=Severity.ERROR, rule=rule, message=message, source=source))

    def warning(self, rule: str, message: str, source: str) -> None:
        self.problems.append(Problem(severity=Severity.WARNING, rule=rule, message=message, source=source))

    def q(self, prefix: str, name: str) -> str:
        return f"{{{self.ns[prefix]}}}{name}"

    def check_url(self, url: str, what: str, rule: str, source: str) -> bool:
        """Report a non-http(s) URL as an error (False) and an http one as a warning."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            self.error(rule, _('{what}: "{url}" is not an http(s) URL').format(what=what, url=url), source)
            return False
        if parts.scheme.lower() == "http":
            self.warning(
                "url.https",
                _("{what}: {url} uses http; serve it over https").format(what=what, url=url),
                "FEED-SPEC §1.4",
            )
        return True

    def check_image(self, element: etree._Element | None, where: str, rule: str, *, required: bool) -> None:
        if element is None:
            if required:
                self.error(rule, _('{where} has no <itunes:image href="…/cover.jpg"/>').format(where=where), APPLE)
            return
        href = element.get("href", "").strip()
        if not href:
            self.error(rule, _("{where}: <itunes:image> has no href attribute").format(where=where), APPLE)
        elif self.check_url(href, f"{where}: <itunes:image>", rule, APPLE) and not urlsplit(href).path.lower().endswith(
            (".jpg", ".jpeg", ".png")
        ):
            self.error(
                rule,
                _("{where}: <itunes:image> {href} must end with .jpg or .png").format(where=where, href=href),
                APPLE,
            )

    def check_explicit(self, element: etree._Element | None, where: str, rule: str, *, required: bool) -> None:
        value = text_of(element)
        if value is None:
            if required:
                self.error(
                    rule,
                    _("{where} has no <itunes:explicit>; add <itunes:explicit>false</itunes:explicit>").format(
                        where=where
                    ),
                    APPLE,
                )
        elif value not in ("true", "false"):
            self.error(
                rule,
                _(
                    '{where}: <itunes:explicit> is "{value}"; it must be true or false (yes/no/clean are obsolete)'
                ).format(where=where, value=value),
                APPLE,
            )

    def check_description(self, element: etree._Element | None, where: str, scope: str, *, required: bool) -> None:
        rule = f"{scope}.description"
        if element is None:
            if required:
                self.error(rule, _("{where} has no <description>").format(where=where), APPLE)
            else:
                self.warning(rule, _("{where} has no <description>").format(where=where), APPLE)
            return
        child = first_child(element)
        if child is not None:
            self.error(
                rule,
                _("{where}: <description> contains XML elements (<{tag}>); put HTML inside CDATA").format(
                    where=where, tag=tag_of(child)
                ),
                RSS,
            )
        text = element.text or ""
        size = len(text.strip().encode("utf-8"))
        if size > MAX_DESCRIPTION_BYTES:
            self.error(
                rule,
                _("{where}: <description> is {size} bytes of UTF-8, more than {limit}").format(
                    where=where, size=size, limit=MAX_DESCRIPTION_BYTES
                ),
                APPLE,
            )
        elif required and not text.strip():
            self.error(rule, _("{where}: <description> is empty").format(where=where), APPLE)
        tags = sorted({name.lower() for name in _HTML_TAG.findall(text)} - _DESCRIPTION_TAGS)
        if tags:
            self.warning(
                rule,
                _(
                    "{where}: <description> uses HTML {tags}; Apple renders only <p> <ol> <ul> <li> <a> (and <b> <i> <strong> <em>)"
                ).format(where=where, tags=", ".join(f"<{t}>" for t in tags)),
                APPLE,
            )

    def check_date(self, value: str, what: str, rule: str) -> None:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            self.error(
                rule,
                _('{what} "{value}" is not an RFC 2822 date; write e.g. "Sat, 25 Dec 2021 08:00:00 +0700"').format(
                    what=what, value=value
                ),
                RSS,
            )
            return
        if not _NUMERIC_ZONE.search(value):
            if when.tzinfo is None:
                self.error(
                    rule,
                    _('{what} "{value}" has a time zone apps don\'t know; write a numeric offset like +0700').format(
                        what=what, value=value
                    ),
                    RSS,
                )
            else:
                self.warning(
                    rule,
                    _('{what} "{value}" names its time zone; write a numeric offset like +0700').format(
                        what=what, value=value
                    ),
                    "FEED-SPEC §0",
                )
        weekday = _WEEKDAY.match(value)
        if weekday and weekday.group(1).title() != _WEEKDAYS[when.weekday()]:
            self.warning(
                rule,
                _('{what} "{value}" says {day} but that day is a {actual}').format(
                    what=what, value=value, day=weekday.group(1), actual=_WEEKDAYS[when.weekday()]
                ),
                RSS,
            )

    def check_nfc(self, elements: Iterable[etree._Element], where: str) -> None:
        for element in elements:
            for node in element.iter(etree.Element):
                sample = next(
                    (
                        word
                        for value in (node.text or "", *node.attrib.values())
                        for word in value.split()
                        if not unicodedata.is_normalized("NFC", word)
                    ),
                    None,
                )
                if sample is not None:
                    self.warning(
                        "text.nfc",
                        _('{where}: <{tag}> has text not in Unicode NFC ("{sample}"); normalise it to NFC').format(
                            where=where, tag=tag_of(node), sample=sample
                        ),
                        "FEED-SPEC §1.6",
                    )
                    break


def text_of(element: etree._Element | None) -> str | None:
    """The element's stripped text: None when it is missing, "" when it is empty."""
    if element is None:
        return None
    return (element.text or "").strip()


def first_child(element: etree._Element) -> etree._Element | None:
    """The element's first child element: comments, PIs and entity references are not elements."""
    return next(element.iterchildren(etree.Element), None)


def tag_of(element: etree._Element) -> str:
    """The element's name as the feed writes it, e.g. itunes:image."""
    name = etree.QName(element)
    return f"{element.prefix}:{name.localname}" if element.prefix else name.localname
