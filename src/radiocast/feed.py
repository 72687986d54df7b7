"""Catalog rows → RSS bytes: the channel by feedgen, its iTunes "podcast" extension and our podcast2
extension; the items by feed_items.py.

The bytes depend only on the channel and the episodes passed in: no clock, no randomness, a fixed
item order. Rebuilding from unchanged input gives byte-identical output, so ETags stay put and
clients see nothing new. What Apple, PSP-1 and the Podcasting 2.0 namespace ask for is in
FEED-SPEC.md §1, §2 and §7.
"""

from __future__ import annotations

import html
import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from feedgen.feed import FeedGenerator
from lxml import etree

from radiocast import __version__
from radiocast.broadcast import status_at
from radiocast.errors import FeedError
from radiocast.feed_items import ITEM_PREFIXES, add_item, plain_title
from radiocast.i18n import _
from radiocast.models import Broadcast, Channel, Episode, PodcastConfig
from radiocast.notes import MAX_DESCRIPTION_BYTES, shorten
from radiocast.podcast2 import LiveItem, Location, Podcast2Extension, UpdateFrequency
from radiocast.text import block, one_line, xml_safe
from radiocast.validate import ATOM_NS, FH_NS

# FEED-SPEC §2.2: a constant of the podcast namespace, not uuid5(NAMESPACE_URL, "podcast").
_PODCAST_GUID_NS: Final = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def podcast_guid(feed_url: str) -> str:
    """Return the podcast:guid of *feed_url*: UUIDv5 of the URL without its scheme and trailing "/"."""
    name = _SCHEME.sub("", feed_url).rstrip("/")
    if not name:
        raise FeedError(
            _("cannot derive a podcast:guid from the feed URL {feed_url!r}").format(feed_url=feed_url),
            hint=_("set podcast.base_url to the podcast's public URL"),
        )
    return str(uuid.uuid5(_PODCAST_GUID_NS, name))


def episode_guid(podcast_guid: str, source: str) -> str:
    """Return the permanent item GUID of the episode made from *source* (its audio URL or seed id).

    UUIDv5 under the podcast's own GUID: the same source gives the same GUID on any machine, and
    two podcasts sharing a source still get different GUIDs.
    """
    try:
        namespace = uuid.UUID(podcast_guid)
    except ValueError as e:
        raise FeedError(
            _("podcast GUID {guid!r} is not a UUID").format(guid=podcast_guid),
            hint=_("use podcast_guid(feed_url) once and store it"),
        ) from e
    # NFC so a seed name saved as NFD on one machine gives the same GUID as NFC on another.
    name = unicodedata.normalize("NFC", source.strip())
    if not name:
        raise FeedError(
            _("cannot derive an episode GUID from an empty source"),
            hint=_("pass the audio URL or seed id"),
        )
    return str(uuid.uuid5(namespace, name))


def build_feed(
    channel: Channel,
    episodes: Sequence[Episode],
    live: Sequence[LiveItem] = (),
    *,
    links: Sequence[tuple[str, str]] = (),
    archive_url: str | None = None,
) -> bytes:
    """Render the RSS feed (UTF-8 bytes) of *channel* with its published *episodes*, newest first,
    and the *live* broadcasts it announces (live_items).

    *links* are extra ``(rel, href)`` atom:links to the feed's other documents (archive.py's
    RFC 5005 chain). With *archive_url* the document is the archive page at that URL: its self
    link, ``<fh:archive/>``, and no WebSub hubs (an archive page is not subscribed to).
    """
    config = channel.config
    items = _ordered(episodes)
    newest = items[0].published.astimezone(config.tz) if items else None
    try:
        fg = FeedGenerator()
        fg.load_extension("podcast")
        fg.register_extension("podcast2", Podcast2Extension)
        _fill_channel(fg, channel, newest)
        fg.podcast2.live_items = list(live)
        # feedgen's tree itself, not rss_str's bytes: _finish would only parse them back.
        root, _doc = fg._create_rss()
        # feedgen declares content: whether or not an item uses it (FEED-SPEC §0). The other
        # unused declarations go now, while the tree is only the channel; content: goes with a
        # walk of the whole tree, only when no item wrote a content:encoded.
        etree.cleanup_namespaces(root, keep_ns_prefixes=ITEM_PREFIXES)
        wrote_content = False
        for episode in items:
            # After feedgen's channel tags, where feedgen put its entries.
            wrote_content |= add_item(root[0], config, episode)
        if not wrote_content:
            etree.cleanup_namespaces(root)
    except ValueError as e:
        # feedgen's and lxml's own validation: a value we failed to clean.
        raise FeedError(
            _("feed {url}: {error}").format(url=config.feed_url, error=e),
            hint=_("report this as a radiocast bug, with the episode titles"),
        ) from e
    hubs = () if archive_url else config.notify.hubs
    return _finish(root, has_items=bool(items), hubs=hubs, links=links, archive_url=archive_url)


def live_items(config: PodcastConfig, broadcasts: Iterable[Broadcast], now: datetime) -> list[LiveItem]:
    """The feed's podcast:liveItem of each slot, in start order; times with the podcast's offset."""
    return [
        LiveItem(
            status=status_at(b, now).value,
            start=b.slot.start.astimezone(config.tz).isoformat(),
            end=b.slot.end.astimezone(config.tz).isoformat(),
            title=b.title,
            guid=b.guid,
            stream=b.slot.stream,
            stream_type=b.slot.stream_type,
            content_link=config.site_url,
            content_link_text=config.title,
            description=b.summary,
        )
        for b in sorted(broadcasts, key=lambda b: (b.slot.start, b.guid))
    ]


def _ordered(episodes: Sequence[Episode]) -> list[Episode]:
    """Check the episodes' identity and return them newest first, ties broken by GUID."""
    by_guid: dict[str, Episode] = {}
    by_url: dict[str, Episode] = {}
    for ep in episodes:
        if ep.published.utcoffset() is None:
            raise FeedError(
                _("episode {slug}: published time {time} has no time zone").format(
                    slug=ep.slug, time=ep.published.isoformat()
                ),
                hint=_("store time-zone-aware datetimes in the catalog"),
            )
        if ep.size_bytes is None or ep.size_bytes <= 0:
            raise FeedError(
                _("episode {slug}: enclosure {url} has no size in bytes").format(slug=ep.slug, url=ep.enclosure_url),
                hint=_("re-run `radiocast publish` so {path} is measured").format(path=ep.audio_path),
            )
        if not ep.guid.strip():
            raise FeedError(_("episode {slug} has an empty GUID").format(slug=ep.slug), hint=_("fix the catalog row"))
        if (other := by_guid.get(ep.guid)) is not None:
            raise FeedError(
                _("episodes {first} and {second} share the GUID {guid}").format(
                    first=other.slug, second=ep.slug, guid=ep.guid
                ),
                hint=_("every episode needs its own permanent GUID; fix the catalog"),
            )
        if (other := by_url.get(ep.enclosure_url)) is not None:
            raise FeedError(
                _("episodes {first} and {second} share the enclosure {url}").format(
                    first=other.slug, second=ep.slug, url=ep.enclosure_url
                ),
                hint=_("Apple ignores a reused enclosure URL: give each episode its own audio file"),
            )
        by_guid[ep.guid] = by_url[ep.enclosure_url] = ep
    by_guid_order = sorted(episodes, key=lambda ep: ep.guid)
    # sorted() is stable, also with reverse=True: equal times keep GUID order.
    return sorted(by_guid_order, key=lambda ep: ep.published, reverse=True)


def _fill_channel(fg: Any, channel: Channel, newest: datetime | None) -> None:
    config = channel.config
    try:
        uuid.UUID(channel.podcast_guid)
    except ValueError as e:
        raise FeedError(
            _("podcast:guid {guid!r} is not a UUID").format(guid=channel.podcast_guid),
            hint=_("the catalog's podcast GUID must come from podcast_guid(feed_url)"),
        ) from e
    title = plain_title(config.title)
    description = _channel_description(config.description)
    if not title or not description:
        raise FeedError(
            _("podcast.title and podcast.description must have text (got {title!r}, {description!r})").format(
                title=config.title, description=config.description
            ),
            hint=_("write them in podcast.toml"),
        )
    fg.title(title)
    # feedgen writes the *last* link as RSS <link>: the self link must come first (FEED-SPEC §5.7 a).
    fg.link(href=config.feed_url, rel="self", type="application/rss+xml")
    fg.link(href=config.site_url, rel="alternate")
    fg.description(description)
    fg.language(config.language)
    if config.copyright and (copyright_ := one_line(config.copyright)):
        fg.copyright(copyright_)
    fg.generator(f"radiocast {__version__}")
    fg.image(url=config.image_url, title=title, link=config.site_url)
    if newest is not None:
        # Not now (feedgen's default): that would change the bytes on every build.
        fg.lastBuildDate(newest)
        fg.pubDate(newest)

    itunes = fg.podcast
    if author := one_line(config.author):
        itunes.itunes_author(author)
    # feedgen refuses an owner without a name; the show's own title is the name it has.
    itunes.itunes_owner(name=one_line(config.owner_name) or title, email=xml_safe(config.owner_email.strip()))
    itunes.itunes_image(config.image_url)
    if itunes.itunes_image() != config.image_url:
        # feedgen drops a URL not ending in .jpg/.png without a word.
        raise FeedError(
            _("cover image {url} must end in .jpg or .png for itunes:image").format(url=config.image_url),
            hint=_("save the cover as e.g. audio/cover.jpg and set podcast.image to it"),
        )
    itunes.itunes_category(
        [{"cat": xml_safe(c.name), **({"sub": xml_safe(c.sub)} if c.sub else {})} for c in config.categories]
    )
    itunes.itunes_type("episodic")
    if config.new_feed_url:
        itunes.itunes_new_feed_url(config.new_feed_url)

    podcast2 = fg.podcast2
    podcast2.itunes_explicit = config.explicit
    podcast2.guid = channel.podcast_guid
    # Locked against other hosts' import, unless the feed is moving to one.
    podcast2.locked = config.new_feed_url is None
    podcast2.locked_owner = config.owner_email.strip()
    podcast2.medium = "podcast"
    if config.location:
        podcast2.locations = [Location(name=config.location, rel="creator", country=config.country)]
    if config.update_frequency:
        podcast2.update_frequency = UpdateFrequency(text=config.update_frequency_text, rrule=config.update_frequency)


STYLESHEET_HREF: Final = "podcast.xsl"
_XML_DECLARATION = re.compile(rb"\A<\?xml[^>]*\?>")


def with_stylesheet(feed: bytes, href: str = STYLESHEET_HREF) -> bytes:
    """Return *feed* with an ``<?xml-stylesheet?>`` instruction between its XML declaration and root.

    A browser opening the feed then shows the XSL's page instead of raw XML; podcast apps skip
    processing instructions. *href* is relative to the feed's URL. Every other byte is kept, so
    the result is as deterministic as *feed*; a feed that already has the instruction is returned
    unchanged.
    """
    root = etree.fromstring(feed, etree.XMLParser(resolve_entities=False, no_network=True))
    sibling = root.getprevious()
    while sibling is not None:
        if isinstance(sibling, etree._ProcessingInstruction) and sibling.target == "xml-stylesheet":
            return feed
        sibling = sibling.getprevious()
    # A PI has no attributes to escape: refuse what would need escaping rather than emit a broken one.
    if not href.strip() or any(c in href for c in '"<>&?'):
        raise FeedError(
            _("stylesheet href {href!r} cannot go in an xml-stylesheet instruction").format(href=href),
            hint=_("use a plain path"),
        )
    instruction = etree.tostring(etree.ProcessingInstruction("xml-stylesheet", f'type="text/xsl" href="{href}"'))
    declaration = _XML_DECLARATION.match(feed)
    if declaration is None:
        return instruction + b"\n" + feed
    end = declaration.end()
    return feed[:end] + b"\n" + instruction + feed[end:]


def _finish(
    root: etree._Element,
    *,
    has_items: bool,
    hubs: Sequence[str] = (),
    links: Sequence[tuple[str, str]] = (),
    archive_url: str | None = None,
) -> bytes:
    """Finish feedgen's tree and write it: with no items, without the clock.

    feedgen writes only the self atom:link into RSS; the WebSub hubs and the other *links* go
    right after it.
    """
    self_link = root.find(f"channel/{{{ATOM_NS}}}link[@rel='self']")
    if self_link is not None:
        extra = [("hub", hub) for hub in hubs] + list(links)
        for rel, href in reversed(extra):
            self_link.addnext(etree.Element(f"{{{ATOM_NS}}}link", rel=rel, href=href))
        if archive_url is not None:
            self_link.set("href", archive_url)
            root = _as_archive(root)
    if not has_items:
        # feedgen stamps lastBuildDate with the current time; an empty feed has no date to give.
        channel = root[0]
        for elem in channel.findall("lastBuildDate"):
            channel.remove(elem)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


def _as_archive(root: etree._Element) -> etree._Element:
    """*root* marked as an RFC 5005 archive document: ``<fh:archive/>`` after the channel's atom:links.

    The fh prefix is declared on <rss> beside the others, which lxml can only do on a new root.
    """
    marked = etree.Element(root.tag, attrib=dict(root.attrib), nsmap={**root.nsmap, "fh": FH_NS})
    marked.extend(root)  # moves the channel over
    marked[0].findall(f"{{{ATOM_NS}}}link")[-1].addnext(etree.Element(f"{{{FH_NS}}}archive"))
    return marked


# --- text -----------------------------------------------------------------------------------------


def _escaped_size(text: str) -> int:
    return len(html.escape(text, quote=False).encode("utf-8"))


def _channel_description(text: str) -> str:
    """Plain text (the W3C validator warns on HTML here), ≤ 4000 UTF-8 bytes once escaped."""
    text = block(text)
    if _escaped_size(text) > MAX_DESCRIPTION_BYTES:
        text = shorten(text, lambda s: _escaped_size(s) <= MAX_DESCRIPTION_BYTES)
    return text
