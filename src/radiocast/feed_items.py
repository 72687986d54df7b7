"""One episode → its RSS <item>, written with lxml directly.

feedgen writes the channel (feed.py); the items, which are nearly all of a feed's bytes, are
SubElement calls here: feedgen's per-entry objects alone cost more than writing the XML. The
elements, attributes, order and texts are the ones feedgen, its iTunes extension and podcast2
wrote before, so a feed built by an older radiocast keeps its bytes. What each tag means is in
FEED-SPEC.md §1, §2 and §7.
"""

from __future__ import annotations

import email.utils
import logging
import re
from typing import Final
from urllib.parse import quote

from lxml import etree

from radiocast.i18n import _
from radiocast.models import Episode, PodcastConfig, Sidecar
from radiocast.notes import episode_notes, person_name, shorten
from radiocast.podcast2 import ITUNES_NS, Person, Transcript, item_tags
from radiocast.text import one_line, xml_safe
from radiocast.workspace import episode_page_path

# The feed stage's lines, under its name as before the split (filters and tests select by stage).
log = logging.getLogger("radiocast.feed")

# Apple counts tag values in characters, <description> alone in bytes (notes.MAX_DESCRIPTION_BYTES).
MAX_TITLE_CHARS: Final = 255
ENCLOSURE_TYPE: Final = "audio/mpeg"
CONTENT_NS: Final = "http://purl.org/rss/1.0/modules/content/"
# The prefixes of the namespaces an item's tags are in.
ITEM_PREFIXES: Final = ("itunes", "podcast", "content")

# Only things that look like tags or comments: "a < b > c" keeps its words.
_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.DOTALL)
_ENCODED: Final = f"{{{CONTENT_NS}}}encoded"
_AUTHOR: Final = f"{{{ITUNES_NS}}}author"
_DURATION: Final = f"{{{ITUNES_NS}}}duration"
_SEASON: Final = f"{{{ITUNES_NS}}}season"
_EPISODE: Final = f"{{{ITUNES_NS}}}episode"
_EPISODE_TYPE: Final = f"{{{ITUNES_NS}}}episodeType"


def add_item(channel: etree._Element, config: PodcastConfig, ep: Episode) -> bool:
    """Append *ep*'s <item> to *channel*; True when it has a content:encoded.

    The namespaces of ITEM_PREFIXES must be declared on the root. lxml raises ValueError on a
    text XML cannot carry.
    """
    sub = etree.SubElement
    item = sub(channel, "item")
    title = plain_title(ep.title)
    if not title:
        log.warning(_("episode %s: title %r has no text left once cleaned; using the slug"), ep.slug, ep.title)
        title = ep.slug
    sub(item, "title").text = title
    sub(item, "link").text = config.base_url + episode_page_path(ep.slug)
    description, content = episode_notes(ep)
    if description or content:
        # Apple asks for item HTML inside CDATA; escaped, the notes can never hold "]]>".
        sub(item, "description").text = etree.CDATA(description or content)
    # Only when it holds more: an app that finds no content:encoded shows the description's
    # HTML (Apple, podcastparser's description_html), and every poll would fetch it twice.
    encoded = bool(description and content and content != description)
    if encoded:
        sub(item, _ENCODED).text = etree.CDATA(content)
    sub(item, "guid", isPermaLink="false").text = ep.guid
    sub(item, "enclosure", url=ep.enclosure_url, length=str(ep.size_bytes), type=ENCLOSURE_TYPE)
    # RFC 2822 with the podcast's numeric offset, e.g. +0700; English day and month names whatever the locale.
    sub(item, "pubDate").text = email.utils.format_datetime(ep.published.astimezone(config.tz))
    if ep.author and (author := one_line(ep.author)):
        sub(item, _AUTHOR).text = author
    if ep.duration_ms is not None:
        sub(item, _DURATION).text = str(_seconds(ep.slug, ep.duration_ms))
    season = _positive(ep, "season", ep.season)
    number = _positive(ep, "episode", ep.episode_number)
    if season is not None:
        sub(item, _SEASON).text = str(season)
    if number is not None:
        sub(item, _EPISODE).text = str(number)
    sub(item, _EPISODE_TYPE).text = "full"
    item_tags(
        item,
        explicit=config.explicit,
        transcripts=[
            Transcript(url=sidecar_url(config, s), type=s.mime, language=config.language, rel=s.rel)
            for s in ep.transcripts
        ],
        chapters_url=sidecar_url(config, ep.chapters_file) if ep.chapters_file is not None else None,
        persons=[
            Person(name=name, role=speaker.role.value, group="cast")
            for speaker in ep.speakers
            if (name := person_name(speaker))
        ],
        season=season,
        episode=number,
    )
    return encoded


def plain_title(text: str) -> str:
    """A title as Apple and YouTube want it: plain text, no < or >, at most 255 characters."""
    text = _TAG.sub("", xml_safe(text)).replace("<", "").replace(">", "")
    text = one_line(text)
    if len(text) > MAX_TITLE_CHARS:
        text = shorten(text, lambda s: len(s) <= MAX_TITLE_CHARS)
    return text


def sidecar_url(config: PodcastConfig, sidecar: Sidecar) -> str:
    return config.base_url + quote(sidecar.path.lstrip("/"))


def _seconds(slug: str, duration_ms: int) -> int:
    """itunes:duration in whole seconds, half up; a negative one is a bug upstream (build_feed's ValueError)."""
    seconds = (duration_ms + 500) // 1000
    if seconds < 0:
        raise ValueError(f"episode {slug}: negative duration {duration_ms} ms")
    return seconds


def _positive(ep: Episode, what: str, value: int | None) -> int | None:
    """Apple and Podcasting 2.0 want a positive number: leave out anything else, and say so."""
    if value is None:
        return None
    if value < 1:
        log.warning(_("episode %s: %s number %d is not positive; left out of the feed"), ep.slug, what, value)
        return None
    return value
