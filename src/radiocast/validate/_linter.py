"""Feed linter: an RSS feed's bytes → the problems Apple, Spotify and podcast apps would have with it.

The rules are FEED-SPEC.md's §1 (Apple), §2 (Podcasting 2.0) and §7 (the acceptance checklist).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

from radiocast.i18n import _
from radiocast.safexml import MalformedFeedError, parse_feed
from radiocast.validate._channel import ChannelRules
from radiocast.validate._common import (
    APPLE,
    CANONICAL_NS,
    P20,
    RSS,
    SPOTIFY,
    XML,
    Problem,
    tag_of,
)
from radiocast.validate._items import ItemRules
from radiocast.validate._live import LiveItemRules

# The namespace's spec tells apps to accept its old URI too, but partytime and co. know only the new one.
PODCAST_NS_LEGACY = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\?>")
_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")


def validate_feed(
    feed: bytes,
    *,
    source: str | None = None,
    enclosure_size: Callable[[str], int | None] | None = None,
) -> list[Problem]:
    """Check an RSS feed; problems come in document order: the XML, the channel, then each item.

    *enclosure_size(url)* gives the real size of the file behind an enclosure URL, or None when
    it can't tell; when given, an enclosure ``length`` that differs is an error. A feed that
    safexml.parse_feed refuses (too big, a DTD) raises its FeedInputError naming *source*: that is
    no lint finding, and nothing of it is looked at.
    """
    linter = _Linter(enclosure_size)
    linter.check(feed, source or _("the feed"))
    return linter.problems


class _Linter(ChannelRules, ItemRules, LiveItemRules):
    """The whole feed: the XML document and <rss>, then the channel's, the items' and the live items' rules."""

    def check(self, feed: bytes, source: str) -> None:
        try:
            root = parse_feed(feed, source=source)
        except MalformedFeedError as e:
            self.error("xml.wellformed", _("the feed is not well-formed XML: {error}").format(error=e.detail), XML)
            return
        self.check_encoding(feed)
        if etree.QName(root).localname != "rss" or etree.QName(root).namespace is not None:
            self.error("rss.root", _("the root element is <{tag}>, not <rss>").format(tag=tag_of(root)), RSS)
            return
        if root.get("version") != "2.0":
            self.error(
                "rss.version",
                _('<rss version="{value}"> must be version="2.0"').format(value=root.get("version", "")),
                RSS,
            )
        channel = root.find("channel")
        if channel is None:
            self.error("rss.channel", _("<rss> has no <channel>"), RSS)
            return
        self.check_namespaces(root)
        self.check_channel(channel)
        items = channel.findall("item")
        if not items:
            self.warning(
                "channel.items",
                _("the channel has no <item>: directories list a show only once it has an episode"),
                SPOTIFY,
            )
        for index, item in enumerate(items, start=1):
            self.check_item(item, index)
        for index, live in enumerate(channel.findall(self.q("podcast", "liveItem")), start=1):
            self.check_live_item(live, index)

    def check_encoding(self, feed: bytes) -> None:
        try:
            feed.decode("utf-8")
        except UnicodeDecodeError as e:
            self.error(
                "xml.encoding",
                _("the feed is not UTF-8: byte 0x{byte:02x} at offset {start}").format(
                    byte=feed[e.start], start=e.start
                ),
                APPLE,
            )
            return
        declaration = _DECLARATION.match(feed)
        if declaration is None:
            self.warning(
                "xml.declaration",
                _('the feed has no XML declaration; start it with <?xml version="1.0" encoding="UTF-8"?>'),
                APPLE,
            )
            return
        encoding = _DECLARED_ENCODING.search(declaration.group())
        if encoding is None:
            self.warning(
                "xml.declaration",
                _('the XML declaration names no encoding; add encoding="UTF-8"'),
                APPLE,
            )
        elif encoding.group(1).decode("ascii", "replace").lower() != "utf-8":
            self.error(
                "xml.encoding",
                _('the XML declaration says encoding="{value}"; it must be UTF-8').format(
                    value=encoding.group(1).decode("ascii", "replace")
                ),
                APPLE,
            )

    def check_namespaces(self, root: etree._Element) -> None:
        declared: set[tuple[str, str]] = set()
        used: set[str] = set()
        for node in root.iter(etree.Element):
            declared.update((prefix or "", uri) for prefix, uri in node.nsmap.items())
            used.add(etree.QName(node).namespace or "")
        for prefix, uri in sorted(declared):
            for name, canonical in CANONICAL_NS.items():
                if uri == canonical or (prefix != name and uri.lower().rstrip("/") != canonical.lower().rstrip("/")):
                    continue
                if uri == PODCAST_NS_LEGACY:
                    self.warning(
                        f"namespace.{name}",
                        _(
                            'xmlns:{prefix}="{uri}" is the old URI of the Podcasting 2.0 namespace; use "{canonical}"'
                        ).format(prefix=prefix, uri=uri, canonical=canonical),
                        P20,
                    )
                else:
                    self.error(
                        f"namespace.{name}",
                        _('xmlns:{prefix}="{uri}" must be exactly "{canonical}": apps match namespaces by URI').format(
                            prefix=prefix, uri=uri, canonical=canonical
                        ),
                        APPLE if name == "itunes" else P20 if name == "podcast" else RSS,
                    )
                # Look the tags up under the URI the feed uses, so one typo is one problem, not one per tag.
                if uri in used and canonical not in used:
                    self.ns[name] = uri
