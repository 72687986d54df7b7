"""The items' rules: title, guid, enclosure, date, duration, episode numbers and Podcasting 2.0 links."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from lxml import etree

from radiocast.chapters import CHAPTERS_MIME
from radiocast.i18n import _
from radiocast.validate._common import APPLE, MAX_TITLE_CHARS, P20, RSS, SPOTIFY, Rules, first_child, tag_of, text_of

# Apple: "the file extension decides acceptance"; each accepted extension with its type.
APPLE_MEDIA = {
    ".m4a": "audio/x-m4a",
    ".mp3": "audio/mpeg",
    ".mov": "video/quicktime",
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".pdf": "application/pdf",
}
_DURATION = re.compile(r"\d+(:[0-5]\d(:[0-5]\d)?)?", re.ASCII)  # W3C feedvalidator's
_POSITIVE = re.compile(r"[1-9]\d*", re.ASCII)
_TRANSCRIPT_TYPES = frozenset({"text/plain", "text/html", "text/vtt", "application/json", "application/x-subrip"})


class ItemRules(Rules):
    """The checks of each <item>; guids and enclosure URLs must be unique across the feed."""

    def check_item(self, item: etree._Element, index: int) -> None:
        title_element = item.find("title")
        title = text_of(title_element)
        guid_element = item.find("guid")
        guid = text_of(guid_element)
        if title:
            where = _('item "{title}"').format(title=_shorten(title))
        elif guid:
            where = _("item {guid}").format(guid=guid)
        else:
            where = _("item #{index}").format(index=index)
        title_child = first_child(title_element) if title_element is not None else None
        if title_child is not None:
            self.error(
                "item.title.html",
                _("{where}: <title> contains XML elements (<{tag}>); titles are plain text").format(
                    where=where, tag=tag_of(title_child)
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
        pub_date = text_of(item.find("pubDate"))
        if not pub_date:
            self.error(
                "item.pubDate",
                _("{where} has no <pubDate>; Spotify won't publish it").format(where=where),
                SPOTIFY,
            )
        else:
            self.check_date(pub_date, f"{where}: <pubDate>", "item.pubDate")
        duration = text_of(item.find(self.q("itunes", "duration")))
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
            value = text_of(item.find(self.q("itunes", name)))
            if value is not None and not _POSITIVE.fullmatch(value):
                self.error(
                    f"item.{name}",
                    _('{where}: <itunes:{name}> "{value}" must be a positive integer').format(
                        where=where, name=name, value=value
                    ),
                    APPLE,
                )
        episode_type = text_of(item.find(self.q("itunes", "episodeType")))
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
            ("chapters", frozenset({CHAPTERS_MIME})),
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


def _shorten(text: str | None, limit: int = 60) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"
