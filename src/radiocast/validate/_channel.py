"""The channel's rules: title, link, language, artwork, categories, owner, self link, guid and lock."""

from __future__ import annotations

import re
import uuid

from lxml import etree

from radiocast.config import APPLE_CATEGORIES
from radiocast.i18n import _
from radiocast.languages import is_language_code
from radiocast.validate._common import APPLE, MAX_TITLE_CHARS, P20, RSS, SPOTIFY, Rules, text_of

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
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# RFC 5005's relations: paged feeds (§3) and archived feeds (§4).
_ARCHIVE_RELS = frozenset({"first", "last", "next", "prev", "previous", "current", "prev-archive", "next-archive"})
_RFC5005 = "RFC 5005"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class ChannelRules(Rules):
    """The checks of <channel> and its own elements (its items are ItemRules')."""

    def check_channel(self, ch: etree._Element) -> None:
        where = _("the channel")
        title = text_of(ch.find("title"))
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
        link = text_of(ch.find("link"))
        if not link:
            self.error("channel.link", _("{where} has no <link> (the show's web page)").format(where=where), RSS)
        else:
            self.check_url(link, _("{where}'s <link>").format(where=where), "channel.link", RSS)
        self.check_language(text_of(ch.find("language")))
        self.check_image(ch.find(self.q("itunes", "image")), where, "channel.image", required=True)
        self.check_categories(ch.findall(self.q("itunes", "category")))
        self.check_explicit(
            ch.find(self.q("itunes", "explicit")),
            where,
            "channel.explicit",
            required=True,
        )
        if not text_of(ch.find(self.q("itunes", "author"))):
            self.error(
                "channel.author",
                _("{where} has no <itunes:author>; Spotify won't publish a show without one").format(where=where),
                SPOTIFY,
            )
        self.check_owner(ch.find(self.q("itunes", "owner")))
        kind = text_of(ch.find(self.q("itunes", "type")))
        if kind is not None and kind not in ("episodic", "serial"):
            self.error(
                "channel.type",
                _('<itunes:type> is "{kind}"; it must be episodic or serial').format(kind=kind),
                APPLE,
            )
        self.check_atom_self(ch)
        self.check_archive_links(ch)
        self.check_podcast_guid(ch.find(self.q("podcast", "guid")))
        locked = text_of(ch.find(self.q("podcast", "locked")))
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
            value = text_of(ch.find(name))
            if value is not None:
                self.check_date(value, _("{where}'s <{name}>").format(where=where, name=name), f"channel.{name}")
        self.check_nfc((child for child in ch.iterchildren(etree.Element) if child.tag != "item"), where)

    def check_language(self, language: str | None) -> None:
        if not language:
            self.error(
                "channel.language",
                _("the channel has no <language>; add <language>vi</language>"),
                APPLE,
            )
            return
        if not is_language_code(language):
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
        email = text_of(owner.find(self.q("itunes", "email"))) if owner is not None else None
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

    def check_archive_links(self, ch: etree._Element) -> None:
        """RFC 5005's links to the feed's other documents: each must lead somewhere."""
        for link in ch.findall(self.q("atom", "link")):
            rel = link.get("rel", "")
            if rel not in _ARCHIVE_RELS:
                continue
            what = f'<atom:link rel="{rel}">'
            href = link.get("href", "").strip()
            if not href:
                self.error("channel.archive-link", _("{what} has no href").format(what=what), _RFC5005)
            else:
                self.check_url(href, what, "channel.archive-link", _RFC5005)

    def check_podcast_guid(self, element: etree._Element | None) -> None:
        value = text_of(element)
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


def _category_hint(name: str) -> str:
    if name in _OBSOLETE_CATEGORIES:
        return _("an obsolete pre-2019 category; use e.g. News or Government")
    for top, subs in APPLE_CATEGORIES.items():
        if name.lower() == top.lower():
            return _('Apple spells it "{top}"').format(top=top)
        if name in subs:
            return _('it is a subcategory: nest it inside <itunes:category text="{top}">').format(top=top)
    return _("use one of {categories}").format(categories=", ".join(APPLE_CATEGORIES))
