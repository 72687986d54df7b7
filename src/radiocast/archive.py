"""Large archives as RFC 5005 archived feeds: the main feed keeps the newest episodes, archive pages the rest.

`feeds/podcast.xml` keeps the newest ``[feed] max_items`` live episodes (by date, as the feed
orders them); the older ones go into archive pages ``feeds/archive/<n>.xml``, each a complete
feed with the channel's metadata and ``<fh:archive/>``. Every live episode is in exactly one
document. Pages are numbered from the oldest, max_items episodes each: page 1 holds the oldest.

A new episode pushes the main feed's oldest one into the newest page. Once a page is full the next
one starts, and every page but the newest is frozen: its bytes never change again (RFC 5005 §4
wants archive documents stable; caches and apps that have one never need it again). The newest
page changes as it fills, and once more when the next page starts (it gains the links to it). Only
an episode dated before archived ones and published later, or a new max_items, moves episodes
between pages.

The links, ``<atom:link>`` in each channel:

- the main feed: ``prev-archive`` (RFC 5005 §4) and ``next`` (§3, paged feeds: what gPodder and
  podcastparser follow) to the newest page;
- page k: ``current`` to the main feed; ``prev-archive`` and ``next`` to page k-1; ``next-archive``
  and ``prev`` to page k+1 (the newest page: ``prev`` to the main feed).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from radiocast.errors import FeedError
from radiocast.feed import build_feed, with_stylesheet
from radiocast.i18n import _
from radiocast.models import Channel, Episode, PodcastConfig
from radiocast.podcast2 import LiveItem
from radiocast.safexml import parse_feed, read_feed
from radiocast.validate import ATOM_NS, FH_NS
from radiocast.workspace import ARCHIVE_DIR, Workspace, archive_page_path

__all__ = ["ChainProblem", "Document", "build_feeds", "remove_stale", "walk"]

log = logging.getLogger(__name__)


def build_feeds(
    channel: Channel, episodes: Sequence[Episode], live: Sequence[LiveItem] = ()
) -> tuple[bytes, dict[str, bytes]]:
    """The main feed (with its stylesheet) and the archive pages by workspace path, of the live *episodes*.

    The *live* broadcasts are announced in the main feed only: an archive page is not polled."""
    config = channel.config
    size = config.feed.max_items
    # The feed's own order: newest first, equal times by GUID.
    newest_first = sorted(episodes, key=lambda ep: (-ep.published.timestamp(), ep.guid))
    oldest_first = newest_first[size:][::-1]
    pages = [oldest_first[start : start + size] for start in range(0, len(oldest_first), size)]
    urls = [config.base_url + archive_page_path(number) for number in range(1, len(pages) + 1)]
    main_links = [("prev-archive", urls[-1]), ("next", urls[-1])] if urls else []
    main = with_stylesheet(build_feed(channel, newest_first[:size], live, links=main_links))
    documents = {}
    for index, page in enumerate(pages):
        links = [("current", config.feed_url)]
        if index > 0:
            links += [("prev-archive", urls[index - 1]), ("next", urls[index - 1])]
        if index + 1 < len(pages):
            links += [("next-archive", urls[index + 1]), ("prev", urls[index + 1])]
        else:
            links.append(("prev", config.feed_url))
        documents[archive_page_path(index + 1)] = build_feed(channel, page, links=links, archive_url=urls[index])
    return main, documents


def remove_stale(ws: Workspace, pages: Mapping[str, bytes]) -> None:
    """Remove the archive pages no longer made (max_items was raised): no feed links them any more.

    Call it once the main feed is written, so that no published feed links a removed page.
    """
    folder = ws.root / ARCHIVE_DIR
    if not folder.is_dir():
        return
    for path in sorted(folder.glob("*.xml")):
        if ws.relative(path) in pages:
            continue
        try:
            path.unlink()
        except OSError as e:
            log.warning(
                _("cannot remove {path}, an archive page no feed links any more: {reason}").format(
                    path=ws.relative(path), reason=e.strerror or e
                )
            )
        else:
            log.info(_("removed %s: its episodes are in the newer documents now"), ws.relative(path))


@dataclass(frozen=True, slots=True, kw_only=True)
class Document:
    """One published feed document: its workspace path and bytes."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainProblem:
    """A broken link of the archive chain, or an episode in two documents."""

    where: str
    rule: str
    message: str


def walk(ws: Workspace, config: PodcastConfig) -> tuple[list[Document], list[ChainProblem]]:
    """The published feed, then each archive page its ``prev-archive`` links reach (newest first); and
    what is wrong with the chain. A document that cannot be read ends the walk: the linter reports it."""
    name = ws.relative(ws.feed_path)
    documents = [Document(name=name, data=read_feed(ws.feed_path, config.fetch))]
    problems: list[ChainProblem] = []
    holder: dict[str, str] = {}  # each episode's GUID → the document that lists it
    while True:
        document = documents[-1]
        try:
            channel = parse_feed(document.data, source=document.name).find("channel")
        except FeedError:
            break
        if channel is None:
            break
        problems += _marker_problems(document, channel.find(f"{{{FH_NS}}}archive") is not None, len(documents) > 1)
        for guid in channel.iterfind("item/guid"):
            key = (guid.text or "").strip()
            if key in holder:
                problems.append(
                    ChainProblem(
                        where=document.name,
                        rule="archive.duplicate",
                        message=_("the episode {guid} is also in {other}; an episode belongs in one document").format(
                            guid=key, other=holder[key]
                        ),
                    )
                )
            holder.setdefault(key, document.name)
        links: dict[str, str] = {}
        for link in channel.iterfind(f"{{{ATOM_NS}}}link"):
            links.setdefault(link.get("rel", ""), link.get("href", "").strip())
        older = links.get("prev-archive")
        if links.get("next") != older:
            problems.append(
                ChainProblem(
                    where=document.name,
                    rule="archive.link",
                    message=_(
                        'rel="next" ({next}) is not rel="prev-archive" ({older}): gPodder walks the first'
                    ).format(next=links.get("next"), older=older),
                )
            )
        if len(documents) > 1 and links.get("current") != config.feed_url:
            problems.append(
                ChainProblem(
                    where=document.name,
                    rule="archive.link",
                    message=_('rel="current" is {current}, not the feed {feed}').format(
                        current=links.get("current"), feed=config.feed_url
                    ),
                )
            )
        if not older:
            break
        problem, following = _follow(ws, config, older, seen={d.name for d in documents})
        if problem is not None:
            problems.append(ChainProblem(where=document.name, rule="archive.link", message=problem))
        if following is None:
            break
        documents.append(following)
    return documents, problems


def _marker_problems(document: Document, marked: bool, archived: bool) -> list[ChainProblem]:
    if marked == archived:
        return []
    message = (
        _("an archive page without <fh:archive/>: readers take it for the feed itself")
        if archived
        else _("the feed is marked <fh:archive/>: readers take it for an archive page and never look for new episodes")
    )
    return [ChainProblem(where=document.name, rule="archive.marker", message=message)]


def _follow(ws: Workspace, config: PodcastConfig, url: str, *, seen: set[str]) -> tuple[str | None, Document | None]:
    """The archive page behind *url*, or the problem that stops the walk there."""
    if not url.startswith(config.base_url):
        return _('rel="prev-archive" links {url}, outside podcast.base_url').format(url=url), None
    name = url.removeprefix(config.base_url)
    if name in seen:
        return _('rel="prev-archive" links {url} again: the chain goes round in a circle').format(url=url), None
    path = ws.root / name
    if not path.is_file():
        return _('rel="prev-archive" links {url}, which has no file here').format(url=url), None
    return None, Document(name=name, data=read_feed(path, config.fetch))
