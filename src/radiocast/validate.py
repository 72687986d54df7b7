"""Feed linter: an RSS feed's bytes → the problems Apple, Spotify and podcast apps would have with it.

The rules are FEED-SPEC.md's §1 (Apple), §2 (Podcasting 2.0) and §7 (the acceptance checklist).
"""

from __future__ import annotations

import email.utils
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from lxml import etree

from radiocast.config import APPLE_CATEGORIES
from radiocast.i18n import _

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# The namespace's spec tells apps to accept its old URI too, but partytime and co. know only the new one.
PODCAST_NS_LEGACY = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
ATOM_NS = "http://www.w3.org/2005/Atom"
_CANONICAL = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": ATOM_NS}

APPLE, RSS, XML, SPOTIFY = "Apple", "RSS 2.0", "XML 1.0", "Spotify"
P20 = "Podcasting 2.0"

# Apple: "the file extension decides acceptance"; each accepted extension with its type.
APPLE_MEDIA = {
    ".m4a": "audio/x-m4a",
    ".mp3": "audio/mpeg",
    ".mov": "video/quicktime",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".pdf": "application/pdf",
}
_OBSOLETE_CATEGORIES = frozenset(
    {
        "News & Politics",
        "Government & Organizations",
        "Public Radio",
        "Talk Radio",
        "Games & Hobbies",
        "Science & Medicine",
        "Podcasting",
    }
)
# ISO 639-1 (two-letter) codes: Apple wants one of these, optionally with a region.
_ISO_639_1_CODES = """aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de dv dz ee el
    en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io is it iu ja
    jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd
    ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss
    st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu"""
_ISO_639_1 = frozenset(_ISO_639_1_CODES.split())
_LANGUAGE = re.compile(r"([A-Za-z]{2})(-[A-Za-z]{2}|-\d{3})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DURATION = re.compile(r"\d+(:[0-5]\d(:[0-5]\d)?)?", re.ASCII)  # W3C feedvalidator's
_POSITIVE = re.compile(r"[1-9]\d*", re.ASCII)
_NUMERIC_ZONE = re.compile(r"[+-]\d{4}\s*$")
_WEEKDAY = re.compile(r"\s*([A-Za-z]{3})\s*,")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DECLARATION = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\?>")
_DECLARED_ENCODING = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
_HTML_TAG = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9]*)")
# Apple renders these in descriptions; PSP-1 adds the inline four.
_DESCRIPTION_TAGS = frozenset({"p", "ol", "ul", "li", "a", "b", "i", "strong", "em"})
_TRANSCRIPT_TYPES = frozenset({"text/plain", "text/html", "text/vtt", "application/json", "application/x-subrip"})
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


def validate_feed(feed: bytes, *, enclosure_size: Callable[[str], int | None] | None = None) -> list[Problem]:
    """Check an RSS feed; problems come in document order: the XML, the channel, then each item.

    *enclosure_size(url)* gives the real size of the file behind an enclosure URL, or None when
    it can't tell; when given, an enclosure ``length`` that differs is an error.
    """
    linter = _Linter(enclosure_size)
    linter.check(feed)
    return linter.problems


class _Linter:
    def __init__(self, enclosure_size: Callable[[str], int | None] | None) -> None:
        self.enclosure_size = enclosure_size
        self.problems: list[Problem] = []
        self.ns = dict(_CANONICAL)
        self.guids: dict[str, str] = {}
        self.enclosure_urls: dict[str, str] = {}

    def error(self, rule: str, message: str, source: str) -> None:
        self.problems.append(Problem(severity=Severity.ERROR, rule=rule, message=message, source=source))

    def warning(self, rule: str, message: str, source: str) -> None:
        self.problems.append(Problem(severity=Severity.WARNING, rule=rule, message=message, source=source))

    def q(self, prefix: str, name: str) -> str:
        return f"{{{self.ns[prefix]}}}{name}"

    # -- document ----------------------------------------------------------------------------------

    def check(self, feed: bytes) -> None:
        # A parser per call (lxml parsers are not thread-safe); no entities, DTDs or network: the feed may be anyone's.
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            root = etree.fromstring(feed, parser)
        except etree.XMLSyntaxError as e:
            self.error("xml.wellformed", _("the feed is not well-formed XML: {error}").format(error=e), XML)
            return
        self.check_encoding(feed)
        if etree.QName(root).localname != "rss" or etree.QName(root).namespace is not None:
            self.error("rss.root", _("the root element is <{tag}>, not <rss>").format(tag=_tag(root)), RSS)
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
        for node in root.iter():
            if isinstance(node.tag, str):
                declared.update((prefix or "", uri) for prefix, uri in node.nsmap.items())
                used.add(etree.QName(node).namespace or "")
        for prefix, uri in sorted(declared):
            for name, canonical in _CANONICAL.items():
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

    # -- channel -----------------------------------------------------------------------------------

    def check_channel(self, ch: etree._Element) -> None:
        where = _("the channel")
        title = _text(ch.find("title"))
        if not title:
            self.error("channel.title", _("{where} has no <title>").format(where=where), APPLE)
        elif len(title) > MAX_TITLE_CHARS:
            self.warning(
                "channel.title",
                _("{where}'s <title> is {count} characters; Apple's limit for tag values is {limit}").format(
                    where=where, count=len(title), limit=MAX_TITLE_CHARS
                ),
                APPLE,
            )
        self.check_description(ch.find("description"), where, "channel", required=True)
        link = _text(ch.find("link"))
        if not link:
            self.error("channel.link", _("{where} has no <link> (the show's web page)").format(where=where), RSS)
        else:
            self.check_url(link, _("{where}'s <link>").format(where=where), "channel.link", RSS)
        self.check_language(_text(ch.find("language")))
        self.check_image(ch.find(self.q("itunes", "image")), where, "channel.image", required=True)
        self.check_categories(ch.findall(self.q("itunes", "category")))
        self.check_explicit(
            ch.find(self.q("itunes", "explicit")),
            where,
            "channel.explicit",
            required=True,
        )
        if not _text(ch.find(self.q("itunes", "author"))):
            self.error(
                "channel.author",
                _("{where} has no <itunes:author>; Spotify won't publish a show without one").format(where=where),
                SPOTIFY,
            )
        self.check_owner(ch.find(self.q("itunes", "owner")))
        kind = _text(ch.find(self.q("itunes", "type")))
        if kind is not None and kind not in ("episodic", "serial"):
            self.error(
                "channel.type",
                _('<itunes:type> is "{kind}"; it must be episodic or serial').format(kind=kind),
                APPLE,
            )
        self.check_atom_self(ch)
        self.check_podcast_guid(ch.find(self.q("podcast", "guid")))
        locked = _text(ch.find(self.q("podcast", "locked")))
        if locked is None:
            self.warning(
                "channel.locked",
                _('{where} has no <podcast:locked>; add <podcast:locked owner="EMAIL">yes</podcast:locked>').format(
                    where=where
                ),
                P20,
            )
        elif locked not in ("yes", "no"):
            self.error(
                "channel.locked",
                _('<podcast:locked> is "{locked}"; it must be yes or no').format(locked=locked),
                P20,
            )
        for name in ("lastBuildDate", "pubDate"):
            value = _text(ch.find(name))
            if value is not None:
                self.check_date(value, _("{where}'s <{name}>").format(where=where, name=name), f"channel.{name}")
        self.check_nfc((child for child in ch if child.tag != "item"), where)

    def check_language(self, language: str | None) -> None:
        if not language:
            self.error(
                "channel.language",
                _("the channel has no <language>; add <language>vi</language>"),
                APPLE,
            )
            return
        match = _LANGUAGE.fullmatch(language)
        if match is None or match.group(1).lower() not in _ISO_639_1:
            self.error(
                "channel.language",
                _('<language> is "{language}"; it must be an ISO 639 two-letter code such as vi or en-us').format(
                    language=language
                ),
                APPLE,
            )

    def check_categories(self, categories: list[etree._Element]) -> None:
        if not categories:
            self.error(
                "channel.category",
                _(
                    'the channel has no <itunes:category>; add e.g. <itunes:category text="News"><itunes:category text="Daily News"/></itunes:category>'
                ),
                APPLE,
            )
        for category in categories:
            name = category.get("text")
            if name is None:
                self.error(
                    "channel.category",
                    _("an <itunes:category> has no text attribute"),
                    APPLE,
                )
                continue
            if name not in APPLE_CATEGORIES:
                self.error(
                    "channel.category",
                    _('<itunes:category text="{name}"> is not an Apple category: {hint}').format(
                        name=name, hint=_category_hint(name)
                    ),
                    APPLE,
                )
                continue
            for sub in category.findall(self.q("itunes", "category")):
                sub_name = sub.get("text", "")
                if sub_name not in APPLE_CATEGORIES[name]:
                    allowed = ", ".join(APPLE_CATEGORIES[name]) or _("none")
                    self.error(
                        "channel.category",
                        _('"{sub}" is not a subcategory of "{name}" (its subcategories: {allowed})').format(
                            sub=sub_name, name=name, allowed=allowed
                        ),
                        APPLE,
                    )

    def check_owner(self, owner: etree._Element | None) -> None:
        email = _text(owner.find(self.q("itunes", "email"))) if owner is not None else None
        if not email:
            self.warning(
                "channel.owner",
                _("the channel has no <itunes:owner><itunes:email>; directories mail ownership checks there"),
                "W3C feedvalidator",
            )
        elif not _EMAIL.fullmatch(email):
            self.error(
                "channel.owner",
                _('<itunes:email> "{email}" is not an e-mail address').format(email=email),
                APPLE,
            )

    def check_atom_self(self, ch: etree._Element) -> None:
        links = [link for link in ch.findall(self.q("atom", "link")) if link.get("rel") == "self"]
        if not links:
            self.warning(
                "channel.atom-self",
                _('the channel has no <atom:link rel="self" href="FEED URL">'),
                "FEED-SPEC §7",
            )
            return
        href = links[0].get("href", "").strip()
        if not href:
            self.error("channel.atom-self", _('<atom:link rel="self"> has no href'), RSS)
        else:
            self.check_url(href, '<atom:link rel="self">', "channel.atom-self", RSS)

    def check_podcast_guid(self, element: etree._Element | None) -> None:
        value = _text(element)
        if not value:
            self.warning(
                "channel.podcast-guid",
                _("the channel has no <podcast:guid> (a UUIDv5 of the feed URL, FEED-SPEC §2.2)"),
                "Podcasting 2.0 guid",
            )
        elif not _UUID.fullmatch(value):
            self.error(
                "channel.podcast-guid",
                _('<podcast:guid> "{value}" is not a UUID').format(value=value),
                "Podcasting 2.0 guid",
            )
        elif uuid.UUID(value).version != 5:
            self.warning(
                "channel.podcast-guid",
                _(
                    '<podcast:guid> "{value}" is a version {version} UUID; the spec derives a version 5 one from the feed URL'
                ).format(value=value, version=uuid.UUID(value).version),
                "Podcasting 2.0 guid",
            )

    # -- items -------------------------------------------------------------------------------------

    def check_item(self, item: etree._Element, index: int) -> None:
        title_element = item.find("title")
        title = _text(title_element)
        guid_element = item.find("guid")
        guid = _text(guid_element)
        if title:
            where = _('item "{title}"').format(title=_shorten(title))
        elif guid:
            where = _("item {guid}").format(guid=guid)
        else:
            where = _("item #{index}").format(index=index)
        if title_element is not None and len(title_element):
            self.error(
                "item.title.html",
                _("{where}: <title> contains XML elements (<{tag}>); titles are plain text").format(
                    where=where, tag=_tag(title_element[0])
                ),
                "FEED-SPEC §3",
            )
        if not title:
            self.error("item.title", _("{where} has no <title>").format(where=where), APPLE)
        else:
            if len(title) > MAX_TITLE_CHARS:
                self.error(
                    "item.title",
                    _("{where}: <title> is {count} characters, more than {limit}").format(
                        where=where, count=len(title), limit=MAX_TITLE_CHARS
                    ),
                    APPLE,
                )
            if "<" in title or ">" in title:
                self.error(
                    "item.title.html",
                    _(
                        '{where}: <title> "{title}" contains < or >; titles are plain text (YouTube rejects them)'
                    ).format(where=where, title=_shorten(title)),
                    "FEED-SPEC §3",
                )
        self.check_guid(guid_element, guid, where)
        self.check_enclosure(item.findall("enclosure"), where)
        pub_date = _text(item.find("pubDate"))
        if not pub_date:
            self.error(
                "item.pubDate",
                _("{where} has no <pubDate>; Spotify won't publish it").format(where=where),
                SPOTIFY,
            )
        else:
            self.check_date(pub_date, f"{where}: <pubDate>", "item.pubDate")
        duration = _text(item.find(self.q("itunes", "duration")))
        if duration is None:
            self.warning("item.duration", _("{where} has no <itunes:duration>").format(where=where), APPLE)
        elif not _DURATION.fullmatch(duration):
            self.error(
                "item.duration",
                _('{where}: <itunes:duration> "{duration}" must be seconds (1801) or [HH:]MM:SS').format(
                    where=where, duration=duration
                ),
                APPLE,
            )
        self.check_description(item.find("description"), where, "item", required=False)
        self.check_explicit(
            item.find(self.q("itunes", "explicit")),
            where,
            "item.explicit",
            required=False,
        )
        for name in ("episode", "season"):
            value = _text(item.find(self.q("itunes", name)))
            if value is not None and not _POSITIVE.fullmatch(value):
                self.error(
                    f"item.{name}",
                    _('{where}: <itunes:{name}> "{value}" must be a positive integer').format(
                        where=where, name=name, value=value
                    ),
                    APPLE,
                )
        episode_type = _text(item.find(self.q("itunes", "episodeType")))
        if episode_type is not None and episode_type not in (
            "full",
            "trailer",
            "bonus",
        ):
            self.error(
                "item.episodeType",
                _('{where}: <itunes:episodeType> "{episode_type}" must be full, trailer or bonus').format(
                    where=where, episode_type=episode_type
                ),
                APPLE,
            )
        self.check_image(item.find(self.q("itunes", "image")), where, "item.image", required=False)
        self.check_podcast_links(item, where)
        self.check_nfc(item, where)

    def check_guid(self, element: etree._Element | None, guid: str | None, where: str) -> None:
        if element is None or not guid:
            self.error(
                "item.guid",
                _("{where} has no <guid>; apps then take the enclosure URL as its identity").format(where=where),
                "FEED-SPEC §1.3",
            )
            return
        if guid in self.guids:
            self.error(
                "item.guid.unique",
                _('{where}: <guid> "{guid}" is also the guid of {other}; apps will show only one of them').format(
                    where=where, guid=guid, other=self.guids[guid]
                ),
                "FEED-SPEC §1.3",
            )
        else:
            self.guids[guid] = where
        if element.get("isPermaLink") != "false":
            # RSS 2.0 makes a guid without the attribute a permalink, so apps may open it as a URL.
            self.warning(
                "item.guid.permalink",
                _('{where}: <guid> "{guid}" should carry isPermaLink="false" (it is an identifier, not a link)').format(
                    where=where, guid=guid
                ),
                RSS,
            )

    def check_enclosure(self, enclosures: list[etree._Element], where: str) -> None:
        if not enclosures:
            self.error(
                "item.enclosure",
                _("{where} has no <enclosure>: there is nothing to play").format(where=where),
                APPLE,
            )
            return
        if len(enclosures) > 1:
            self.warning(
                "item.enclosure",
                _("{where} has {count} <enclosure> elements; apps use only the first").format(
                    where=where, count=len(enclosures)
                ),
                RSS,
            )
        enclosure = enclosures[0]
        url = enclosure.get("url", "").strip()
        valid_url = False
        if not url:
            self.error("item.enclosure.url", _("{where}: <enclosure> has no url").format(where=where), APPLE)
        elif self.check_url(url, f"{where}: <enclosure>", "item.enclosure.url", APPLE):
            valid_url = True
            if url in self.enclosure_urls:
                self.error(
                    "item.enclosure.unique",
                    _(
                        "{where}: enclosure {url} is also the enclosure of {other}; Apple ignores a reused enclosure URL"
                    ).format(where=where, url=url, other=self.enclosure_urls[url]),
                    APPLE,
                )
            else:
                self.enclosure_urls[url] = where
        filename = urlsplit(url).path.rpartition("/")[2]
        extension = "." + filename.rpartition(".")[2].lower() if "." in filename else ""
        if valid_url and extension not in APPLE_MEDIA:
            self.error(
                "item.enclosure.url",
                _("{where}: enclosure {url} has no extension Apple accepts ({extensions})").format(
                    where=where, url=url, extensions=", ".join(APPLE_MEDIA)
                ),
                APPLE,
            )
        media_type = enclosure.get("type", "").strip()
        if not media_type:
            self.error(
                "item.enclosure.type",
                _("{where}: <enclosure> has no type; use audio/mpeg for MP3").format(where=where),
                APPLE,
            )
        elif media_type not in APPLE_MEDIA.values():
            self.error(
                "item.enclosure.type",
                _('{where}: enclosure type "{media_type}" is not one Apple accepts; MP3 is audio/mpeg').format(
                    where=where, media_type=media_type
                ),
                APPLE,
            )
        elif extension in APPLE_MEDIA and APPLE_MEDIA[extension] != media_type:
            self.warning(
                "item.enclosure.type",
                _(
                    '{where}: enclosure type "{media_type}" does not match its {extension} extension ({expected})'
                ).format(where=where, media_type=media_type, extension=extension, expected=APPLE_MEDIA[extension]),
                APPLE,
            )
        self.check_length(enclosure.get("length"), url if valid_url else None, where)

    def check_length(self, raw: str | None, url: str | None, where: str) -> None:
        if raw is None:
            self.error(
                "item.enclosure.length",
                _("{where}: <enclosure> has no length (the file's size in bytes)").format(where=where),
                APPLE,
            )
            return
        if not _POSITIVE.fullmatch(raw.strip()):
            self.error(
                "item.enclosure.length",
                _('{where}: enclosure length "{raw}" must be the file\'s size in bytes, a positive integer').format(
                    where=where, raw=raw
                ),
                APPLE,
            )
            return
        if url is None or self.enclosure_size is None:
            return
        size = self.enclosure_size(url)
        if size is not None and size != int(raw):
            self.error(
                "item.enclosure.length",
                _("{where}: enclosure length is {raw} bytes but {url} is {size} bytes; rebuild the feed").format(
                    where=where, raw=int(raw), url=url, size=size
                ),
                APPLE,
            )

    def check_podcast_links(self, item: etree._Element, where: str) -> None:
        for name, types in (
            ("transcript", _TRANSCRIPT_TYPES),
            ("chapters", frozenset({"application/json+chapters"})),
        ):
            for element in item.findall(self.q("podcast", name)):
                url = element.get("url", "").strip()
                if not url:
                    self.error(
                        f"item.{name}", _("{where}: <podcast:{name}> has no url").format(where=where, name=name), P20
                    )
                else:
                    self.check_url(url, f"{where}: <podcast:{name}>", f"item.{name}", P20)
                media_type = element.get("type")
                if media_type not in types:
                    self.error(
                        f"item.{name}",
                        _('{where}: <podcast:{name}> type "{value}" must be one of {types}').format(
                            where=where, name=name, value=media_type or "", types=", ".join(sorted(types))
                        ),
                        P20,
                    )

    # -- shared checks -----------------------------------------------------------------------------

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
        value = _text(element)
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
        if len(element):
            self.error(
                rule,
                _("{where}: <description> contains XML elements (<{tag}>); put HTML inside CDATA").format(
                    where=where, tag=_tag(element[0])
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
            for node in element.iter():
                if not isinstance(node.tag, str):
                    continue
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
                            where=where, tag=_tag(node), sample=sample
                        ),
                        "FEED-SPEC §1.6",
                    )
                    break


def _text(element: etree._Element | None) -> str | None:
    """The element's stripped text: None when it is missing, "" when it is empty."""
    if element is None:
        return None
    return (element.text or "").strip()


def _tag(element: etree._Element) -> str:
    name = etree.QName(element)
    return f"{element.prefix}:{name.localname}" if element.prefix else name.localname


def _shorten(text: str | None, limit: int = 60) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _category_hint(name: str) -> str:
    if name in _OBSOLETE_CATEGORIES:
        return _("an obsolete pre-2019 category; use e.g. News or Government")
    for top, subs in APPLE_CATEGORIES.items():
        if name.lower() == top.lower():
            return _('Apple spells it "{top}"').format(top=top)
        if name in subs:
            return _('it is a subcategory: nest it inside <itunes:category text="{top}">').format(top=top)
    return _("use one of {categories}").format(categories=", ".join(APPLE_CATEGORIES))
