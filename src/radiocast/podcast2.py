"""The Podcasting 2.0 namespace, plus itunes:explicit as true/false: a feedgen extension for the channel,
`item_tags` for an item (feed_items.py writes items with lxml directly).

Register the extension under its own attribute, not "podcast" (feedgen's iTunes extension owns that)::

    fg.register_extension("podcast2", Podcast2Extension)
    fg.podcast2.guid = "…"

Our class uses plain attributes, not feedgen's getter/setter style. Every string written here goes
through `xml_safe`, so a stray control character can never make lxml refuse the feed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from feedgen.ext.base import BaseExtension
from lxml import etree

from radiocast.chapters import CHAPTERS_MIME
from radiocast.errors import FeedError
from radiocast.i18n import _
from radiocast.text import one_line, xml_safe

# The canonical URI (FEED-SPEC §2); podcastparser only knows the old GitHub one.
PODCAST_NS: Final = "https://podcastindex.org/namespace/1.0"
ITUNES_NS: Final = "http://www.itunes.com/dtds/podcast-1.0.dtd"

_MEDIUM_BASES = ("podcast", "music", "video", "film", "audiobook", "newsletter", "blog")
MEDIUMS: Final = frozenset({*_MEDIUM_BASES, "publisher", "course", *(f"{m}L" for m in _MEDIUM_BASES), "mixed"})
TRANSCRIPT_TYPES: Final = frozenset({"text/plain", "text/html", "text/vtt", "application/json", "application/x-subrip"})
# Node text of person, location, updateFrequency, season name (FEED-SPEC §2.1).
_NODE_MAX_CHARS: Final = 128


def _node_text(text: str, what: str) -> str:
    text = one_line(text)
    if not text:
        raise FeedError(
            _("podcast:{what} has an empty text").format(what=what), hint=_("give the {what} a name").format(what=what)
        )
    return text[:_NODE_MAX_CHARS]


def _sub(
    parent: etree._Element,
    ns: str,
    tag: str,
    text: str | None = None,
    **attrs: str | None,
) -> etree._Element:
    elem = etree.SubElement(parent, f"{{{ns}}}{tag}")
    # Attribute order is insertion order: keep it fixed so rebuilds are byte-identical.
    for key, value in attrs.items():
        if value is not None:
            elem.set(key, xml_safe(value))
    if text is not None:
        elem.text = text
    return elem


@dataclass(frozen=True, slots=True, kw_only=True)
class Person:
    """A <podcast:person>: role defaults to "host", group to "cast" (podcast namespace)."""

    name: str
    role: str | None = None
    group: str | None = None
    img: str | None = None
    href: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    """A <podcast:location>, e.g. rel="creator" country="VN"."""

    name: str
    rel: str | None = None
    geo: str | None = None
    osm: str | None = None
    country: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UpdateFrequency:
    """A <podcast:updateFrequency>: human text plus an RFC 5545 rrule."""

    text: str
    rrule: str | None = None
    dtstart: str | None = None
    complete: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Transcript:
    """A <podcast:transcript>; rel="captions" marks timed captions."""

    url: str
    type: str
    language: str | None = None
    rel: str | None = None


LIVE_STATUSES: Final = ("pending", "live", "ended")


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveItem:
    """A <podcast:liveItem>: a live stream announced, on air or over; start and end are ISO 8601."""

    status: str
    start: str
    end: str
    title: str
    guid: str
    stream: str
    stream_type: str
    content_link: str  # a page that plays the stream, for apps that can't (required by the namespace)
    content_link_text: str
    description: str = ""


def _live_item(channel: etree._Element, after: etree._Element, live: LiveItem) -> etree._Element:
    if live.status not in LIVE_STATUSES:
        raise FeedError(
            _("podcast:liveItem status {status!r} is not one of {choices}").format(
                status=live.status, choices=", ".join(LIVE_STATUSES)
            )
        )
    elem = _sub(channel, PODCAST_NS, "liveItem", status=live.status, start=live.start, end=live.end)
    after.addnext(elem)
    etree.SubElement(elem, "title").text = xml_safe(live.title)
    if live.description:
        etree.SubElement(elem, "description").text = xml_safe(live.description)
    guid = etree.SubElement(elem, "guid", isPermaLink="false")
    guid.text = xml_safe(live.guid)
    # A stream has no size; RSS wants a length all the same, and apps ignore it for a stream.
    etree.SubElement(elem, "enclosure", url=xml_safe(live.stream), length="0", type=xml_safe(live.stream_type))
    _sub(elem, PODCAST_NS, "contentLink", _node_text(live.content_link_text, "contentLink"), href=live.content_link)
    return elem


def _persons(parent: etree._Element, persons: Sequence[Person]) -> None:
    for person in persons:
        _sub(
            parent,
            PODCAST_NS,
            "person",
            _node_text(person.name, "person"),
            role=person.role,
            group=person.group,
            img=person.img,
            href=person.href,
        )


def _explicit(parent: etree._Element, explicit: bool | None) -> None:
    # Apple and PSP-1 want true/false; feedgen 1.0 only accepts yes/no/clean (FEED-SPEC §5.7 b).
    if explicit is not None:
        _sub(parent, ITUNES_NS, "explicit", "true" if explicit else "false")


class Podcast2Extension(BaseExtension):  # type: ignore[misc]  # feedgen: untyped
    """Channel-level <podcast:*> tags, and <itunes:explicit> as true/false."""

    def __init__(self) -> None:
        self.itunes_explicit: bool | None = None
        self.guid: str | None = None
        self.locked: bool | None = None
        self.locked_owner: str | None = None
        self.medium: str | None = None
        self.update_frequency: UpdateFrequency | None = None
        self.persons: list[Person] = []
        self.locations: list[Location] = []
        self.live_items: list[LiveItem] = []

    def extend_ns(self) -> dict[str, str]:
        # Items (feed_items.py) are written under the channel and use this declaration.
        return {"podcast": PODCAST_NS}

    def extend_rss(self, rss_feed: etree._Element) -> etree._Element:
        channel = rss_feed[0]
        _explicit(channel, self.itunes_explicit)
        if self.guid is not None:
            _sub(channel, PODCAST_NS, "guid", xml_safe(self.guid))
        if self.locked is not None:
            _sub(
                channel,
                PODCAST_NS,
                "locked",
                "yes" if self.locked else "no",
                owner=self.locked_owner,
            )
        if self.medium is not None:
            if self.medium not in MEDIUMS:
                raise FeedError(
                    _("podcast:medium {medium!r} is not a Podcasting 2.0 medium").format(medium=self.medium),
                    hint=_("use one of: {choices}").format(choices=", ".join(sorted(MEDIUMS))),
                )
            _sub(channel, PODCAST_NS, "medium", self.medium)
        if self.update_frequency is not None:
            freq = self.update_frequency
            _sub(
                channel,
                PODCAST_NS,
                "updateFrequency",
                _node_text(freq.text, "updateFrequency"),
                complete="true" if freq.complete else None,
                dtstart=freq.dtstart,
                rrule=freq.rrule,
            )
        _persons(channel, self.persons)
        for loc in self.locations:
            _sub(
                channel,
                PODCAST_NS,
                "location",
                _node_text(loc.name, "location"),
                rel=loc.rel,
                geo=loc.geo,
                osm=loc.osm,
                country=loc.country,
            )
        # Right after the channel's <title>, ahead of its <link> and <description>: feedparser reads a
        # liveItem's <link> and <description> as the channel's, and the channel's own, coming later, win.
        anchor = channel[0]  # feedgen writes <title> first
        for live in self.live_items:
            anchor = _live_item(channel, anchor, live)
        return rss_feed


def item_tags(
    item: etree._Element,
    *,
    explicit: bool,
    transcripts: Sequence[Transcript],
    chapters_url: str | None,
    persons: Sequence[Person],
    season: int | None,
    episode: int | None,
) -> None:
    """Append an item's <itunes:explicit> as true/false and its <podcast:*> tags; numbers already positive.

    An item's person list replaces the channel's entirely (podcast namespace).
    """
    _explicit(item, explicit)
    for transcript in transcripts:
        if transcript.type not in TRANSCRIPT_TYPES:
            raise FeedError(
                _("podcast:transcript {url}: type {type!r} is not a transcript type").format(
                    url=transcript.url, type=transcript.type
                ),
                hint=_("use one of: {choices}").format(choices=", ".join(sorted(TRANSCRIPT_TYPES))),
            )
        _sub(
            item,
            PODCAST_NS,
            "transcript",
            url=transcript.url,
            type=transcript.type,
            language=transcript.language,
            rel=transcript.rel,
        )
    if chapters_url is not None:
        _sub(item, PODCAST_NS, "chapters", url=chapters_url, type=CHAPTERS_MIME)
    _persons(item, persons)
    if season is not None:
        _sub(item, PODCAST_NS, "season", str(season))
    if episode is not None:
        _sub(item, PODCAST_NS, "episode", str(episode))
