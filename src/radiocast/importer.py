"""Take over another tool's feed: one episode manifest per old item, GUIDs and dates kept as they were.

The old items become seeds/*.toml manifests with `guid` (the old <guid>, verbatim) and `date`
(the old pubDate's instant, with its seconds and offset), so they are reviewable, live in git,
and `publish` fetches their audio like any manifest's. The old channel's podcast:guid is adopted
into the catalog, as FEED-SPEC §2.2 asks of a move. Nothing is published here.
"""

from __future__ import annotations

import logging
import re
import tomllib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import Final
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import lxml.html
import tomli_w
from lxml import etree
from slugify import slugify

from radiocast.catalog import Catalog, workspace_lock
from radiocast.config import load_config
from radiocast.errors import ConfigError, FeedInputError
from radiocast.feed import podcast_guid
from radiocast.i18n import _
from radiocast.safexml import parse_feed, read_feed
from radiocast.text import block, one_line
from radiocast.urls import redact_url
from radiocast.validate import ATOM_NS, ITUNES_NS, PODCAST_NS, PODCAST_NS_LEGACY
from radiocast.workspace import Workspace

log = logging.getLogger(__name__)

CONTENT_NS: Final = "http://purl.org/rss/1.0/modules/content/"
_PODCAST_GUIDS: Final = [f"{{{ns}}}guid" for ns in (PODCAST_NS, PODCAST_NS_LEGACY)]
_PODCAST_LOCKS: Final = [f"{{{ns}}}locked" for ns in (PODCAST_NS, PODCAST_NS_LEGACY)]
# An enclosure without a type is audio when its file says so.
_AUDIO_SUFFIXES: Final = frozenset({".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac"})
_BLOCKS: Final = ("p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr")
_SLUG_MAX_LENGTH: Final = 60


@dataclass(frozen=True, slots=True, kw_only=True)
class OldItem:
    """One item of the old feed, as its manifest will say it."""

    guid: str
    title: str
    published: datetime  # with the old feed's own offset
    audio: str
    summary: str = ""
    episode: int | None = None
    season: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OldFeed:
    podcast_guid: str | None
    self_url: str | None
    items: tuple[OldItem, ...]
    skipped: tuple[str, ...]  # one line per item left out, naming it and why


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    written: tuple[tuple[str, OldItem], ...]  # (seed path relative to the workspace, item)
    kept: tuple[tuple[str, OldItem], ...]  # already imported: the manifest that has its guid
    skipped: tuple[str, ...]
    podcast_guid: str
    dry_run: bool


def import_feed(root: Path, source: str, *, feed_url: str | None = None, dry_run: bool = False) -> ImportReport:
    """Write a manifest in seeds/ for every episode of the feed at *source* (a URL or a path).

    *feed_url* is the old feed's public URL, from which its podcast:guid is derived when it has
    none (default: *source* if a URL, else the feed's atom:link rel="self"). Items already
    imported (a manifest has their guid) are left as they are; with *dry_run* nothing is written.
    """
    ws = Workspace(root)
    config = load_config(ws.config_path)
    is_url = source.startswith(("http://", "https://"))
    if not is_url and not Path(source).is_file():
        raise ConfigError(
            _("{source}: no such feed file").format(source=source),
            hint=_("give the old feed's http(s) URL or the path of a saved copy"),
        )
    shown = redact_url(source) if is_url else source
    old = read_old_feed(
        parse_feed(read_feed(source, config.fetch), source=shown), source=shown, base=source if is_url else None
    )
    guid = old.podcast_guid or podcast_guid(_old_feed_url(feed_url, source if is_url else None, old, shown))
    try:
        uuid.UUID(guid)
    except ValueError:
        # The feed and every derived episode GUID need a UUID; another value would fail every publish.
        raise FeedInputError(
            _("{source}: its podcast:guid {guid!r} is not a UUID").format(source=shown, guid=guid),
            hint=_("fix it where the old feed is made, or remove it there so that radiocast derives one"),
        ) from None
    if dry_run:
        # Writes nothing, not even an empty catalog: a workspace without one has no identity yet.
        if ws.catalog_path.is_file():
            with Catalog(ws.catalog_path) as catalog:
                _check_podcast_guid(catalog, guid, shown)
        written, kept = _plan(ws, old.items, config.tz)
    else:
        with workspace_lock(ws.lock_path), Catalog(ws.catalog_path) as catalog:
            _check_podcast_guid(catalog, guid, shown)
            written, kept = _plan(ws, old.items, config.tz)
            for seed, item in written:
                ws.write(ws.root / seed, manifest_text(item, shown).encode())
            catalog.set_meta("podcast_guid", guid)
    return ImportReport(
        written=tuple(written), kept=tuple(kept), skipped=old.skipped, podcast_guid=guid, dry_run=dry_run
    )


def _plan(
    ws: Workspace, items: tuple[OldItem, ...], tz: ZoneInfo
) -> tuple[list[tuple[str, OldItem]], list[tuple[str, OldItem]]]:
    """(manifests to write, items already imported), each with its seed path."""
    existing = _imported_guids(ws)
    taken = {p.name for p in ws.seeds_dir.glob("*")} if ws.seeds_dir.is_dir() else set()
    written, kept = [], []
    for item in items:
        if item.guid in existing:
            kept.append((existing[item.guid], item))
            continue
        name = _manifest_name(item, taken, tz)
        taken.add(name)
        written.append((ws.relative(ws.seeds_dir / name), item))
    return written, kept


def read_old_feed(root: etree._Element, *, source: str, base: str | None = None) -> OldFeed:
    """The channel's identity and the items worth importing; two items with one GUID are an error.

    Relative enclosure URLs are taken from *base* (the feed's URL), else from its atom:link rel="self".
    """
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        raise FeedInputError(
            _("{source} is not an RSS feed (its root is <{root}>)").format(
                source=source, root=etree.QName(root).localname
            ),
            hint=_("import the podcast's RSS feed"),
        )
    self_link = next(
        (link.get("href") for link in channel.iterfind(f"{{{ATOM_NS}}}link") if link.get("rel") == "self"), None
    )
    locked = _first_text(channel, _PODCAST_LOCKS).strip().lower()
    if locked == "yes":
        raise FeedInputError(
            _("{source} is locked against import (<podcast:locked>yes</podcast:locked>)").format(source=source),
            hint=_("its owner sets podcast:locked to no on the old host for the move, then imports again"),
        )
    items: list[OldItem] = []
    skipped: list[str] = []
    seen: dict[str, str] = {}
    for index, element in enumerate(channel.iterfind("item"), start=1):
        item = _item(element, index, base or self_link or "", source, skipped)
        if item is None:
            continue
        if item.guid in seen:
            raise FeedInputError(
                _("{source}: items {first!r} and {second!r} share the guid {guid!r}").format(
                    source=source, first=seen[item.guid], second=item.title, guid=item.guid
                ),
                hint=_("a GUID names one episode: fix the old feed, then import again"),
            )
        seen[item.guid] = item.title
        items.append(item)
    return OldFeed(
        podcast_guid=_first_text(channel, _PODCAST_GUIDS).strip() or None,
        self_url=self_link,
        items=tuple(items),
        skipped=tuple(skipped),
    )


def manifest_text(item: OldItem, source: str) -> str:
    """The episode manifest of *item*: TOML with a comment saying what must not be edited."""
    document: dict[str, object] = {
        "title": item.title,
        # The instant as the old feed gave it, offset included: publish keeps it.
        "date": item.published.isoformat(sep=" "),
        "audio": item.audio,
        "guid": item.guid,
    }
    if item.episode is not None:
        document["episode"] = item.episode
    if item.season is not None:
        document["season"] = item.season
    if item.summary:
        document["summary"] = item.summary
    comment = _("Imported from {source}: keep guid and date as they are, podcast apps know the episode by them.")
    return f"# {one_line(comment.format(source=source))}\n" + tomli_w.dumps(document, multiline_strings=True)


def _item(element: etree._Element, index: int, base: str, source: str, skipped: list[str]) -> OldItem | None:
    title = one_line(element.findtext("title") or "") or one_line(element.findtext(f"{{{ITUNES_NS}}}title") or "")
    name = repr(title) if title else _("item {index}").format(index=index)
    enclosure = element.find("enclosure")
    url = (enclosure.get("url") or "").strip() if enclosure is not None else ""
    audio = urljoin(base, url) if url else ""
    kind = (enclosure.get("type") or "").strip().lower() if enclosure is not None else ""
    reason = None
    if not title:
        reason = _("no title")
    elif not audio:
        reason = _("no enclosure")
    elif urlsplit(audio).scheme not in ("http", "https"):
        reason = _("its enclosure {url} is not an http(s) URL").format(url=redact_url(audio))
    elif not (
        kind.startswith("audio/") or (not kind and PurePosixPath(urlsplit(audio).path).suffix in _AUDIO_SUFFIXES)
    ):
        reason = _("its enclosure is {type}, not audio").format(type=kind or PurePosixPath(urlsplit(audio).path).name)
    published = _pub_date(element.findtext("pubDate"))
    if reason is None and published is None:
        reason = _("no pubDate radiocast can read ({value!r})").format(value=element.findtext("pubDate"))
    if reason is not None or published is None:
        line = _("{source}: skipped {item}: {reason}").format(source=source, item=name, reason=reason)
        log.warning("%s", line)
        skipped.append(line)
        return None
    # Apple's own fallback for an item without a guid is its enclosure URL.
    guid = (element.findtext("guid") or "").strip() or url
    return OldItem(
        guid=guid,
        title=title,
        published=published,
        audio=audio,
        summary=_notes(element),
        episode=_positive(element.findtext(f"{{{ITUNES_NS}}}episode")),
        season=_positive(element.findtext(f"{{{ITUNES_NS}}}season")),
    )


def _pub_date(value: str | None) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        published = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError):
        return None
    # RFC 2822's "-0000": a UTC time whose local offset is unknown.
    return published if published.tzinfo is not None else published.replace(tzinfo=UTC)


def _notes(element: etree._Element) -> str:
    """The item's show notes as plain text: content:encoded, else description, else itunes:summary."""
    markup = _first_text(element, [f"{{{CONTENT_NS}}}encoded", "description", f"{{{ITUNES_NS}}}summary"])
    if not markup.strip():
        return ""
    try:
        fragment = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return block(markup)  # not even HTML: the text as it is
    for node in fragment.iter(*_BLOCKS, "br"):
        # Paragraphs and line breaks stay lines once the tags are gone.
        node.tail = "\n" + (node.tail or "")
        if node.tag != "br":
            node.text = "\n" + (node.text or "")
    return re.sub(r"\n{3,}", "\n\n", block(fragment.text_content()))


def _first_text(element: etree._Element, paths: list[str]) -> str:
    return next((text for path in paths if (text := element.findtext(path) or "").strip()), "")


def _positive(value: str | None) -> int | None:
    try:
        number = int((value or "").strip())
    except ValueError:
        return None
    return number if number > 0 else None


def _old_feed_url(given: str | None, source_url: str | None, old: OldFeed, source: str) -> str:
    url = given or source_url or old.self_url
    if not url:
        raise ConfigError(
            _("{source} has no podcast:guid and radiocast cannot tell the old feed's URL to derive one").format(
                source=source
            ),
            hint=_("give it with --feed-url URL"),
        )
    return url


def _check_podcast_guid(catalog: Catalog, guid: str, source: str) -> None:
    """A workspace with episodes in its feed already has an identity: refuse to change it."""
    current = catalog.meta("podcast_guid")
    if current is not None and current != guid and catalog.live_episodes():
        raise ConfigError(
            _(
                "{source}: its podcast:guid {guid} is not this workspace's {current}, which has published episodes"
            ).format(source=source, guid=guid, current=current),
            hint=_("import into a new workspace (radiocast init), then publish there"),
        )


def _imported_guids(ws: Workspace) -> dict[str, str]:
    """guid → manifest, for every manifest in seeds/ that keeps a guid."""
    found: dict[str, str] = {}
    for path in sorted(ws.seeds_dir.glob("*.toml")) if ws.seeds_dir.is_dir() else ():
        guid = _manifest_guid(path)
        if guid:
            found.setdefault(guid, ws.relative(path))
    return found


def _manifest_guid(path: Path) -> str | None:
    try:
        guid = tomllib.loads(path.read_text(encoding="utf-8-sig")).get("guid")
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None  # publish reports a broken manifest; it keeps no guid here
    return guid.strip() if isinstance(guid, str) else None


def _manifest_name(item: OldItem, taken: set[str], tz: ZoneInfo) -> str:
    # The day in the podcast's own time zone, as its listeners see the date.
    base = f"{item.published.astimezone(tz):%Y-%m-%d}-" + (
        slugify(item.title, max_length=_SLUG_MAX_LENGTH, word_boundary=True) or "episode"
    )
    return next(name for name in _numbered(base) if name not in taken)


def _numbered(base: str) -> Iterator[str]:
    yield f"{base}.toml"
    n = 2
    while True:
        yield f"{base}-{n}.toml"
        n += 1
