"""Telling the directories that the feed changed: WebSub hubs and Podcast Index's pubnotify.

Only a feed that passed the publish gate is announced, and only when its bytes changed: an
unchanged publish pings nobody. A hub that fails is a warning, never a failed publish, and it is
asked again on the next publish (the catalog keeps who is still owed a ping), feed changed or not.
Podping needs an account and a token from podping.cloud: not supported; Podcast Index's pubnotify
feeds Podping on its side.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, replace
from pathlib import Path

from radiocast import __version__
from radiocast.catalog import Catalog
from radiocast.check import check_workspace
from radiocast.errors import FetchError
from radiocast.fetch import FEED, open_session, send
from radiocast.i18n import _
from radiocast.models import PodcastConfig
from radiocast.urls import redact_url
from radiocast.validate import Severity

log = logging.getLogger(__name__)

PENDING_KEY = "notify_pending"  # catalog meta: the JSON list of targets still owed a ping
_RETRIES = 2  # a ping is cheap to send again on the next publish


@dataclass(frozen=True, slots=True, kw_only=True)
class Ping:
    target: str
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def targets(config: PodcastConfig) -> list[str]:
    """Every URL told of a change: the WebSub hubs, then Podcast Index."""
    found = list(config.notify.hubs)
    if config.notify.podcast_index:
        found.append(config.notify.podcast_index_url)
    return found


def announce(root: Path, config: PodcastConfig, catalog: Catalog, *, feed_changed: bool) -> list[Ping]:
    """Ping whoever is owed a ping (all targets when the feed changed) if the gate passes."""
    every = targets(config)
    owed = set(every) if feed_changed else set(json.loads(catalog.meta(PENDING_KEY) or "[]")) & set(every)
    if not owed:
        return []
    errors = [f for f in check_workspace(root) if f.severity is Severity.ERROR]
    if errors:
        catalog.set_meta(PENDING_KEY, json.dumps(sorted(owed)))
        log.warning(
            _(
                "the hubs are not told of this feed: the publish gate found {count} errors (see `radiocast check`)"
            ).format(count=len(errors))
        )
        return []
    pings = [ping(config, target) for target in every if target in owed]
    failed = sorted(p.target for p in pings if not p.ok)
    catalog.set_meta(PENDING_KEY, json.dumps(failed) if failed else None)
    for p in pings:
        if p.ok:
            log.info(_("told %s that the feed changed"), redact_url(p.target))
        else:
            log.warning(
                _("%s was not told of the change (%s); it is asked again on the next publish"),
                redact_url(p.target),
                p.error,
            )
    return pings


def ping(config: PodcastConfig, target: str) -> Ping:
    """One notification: a WebSub publish ping (a form POST) or Podcast Index's pubnotify (GET ?url=)."""
    settings = replace(config.fetch, retries=_RETRIES)
    session = open_session(target, settings, f"radiocast/{__version__}", 0.5, FEED)
    try:
        if target in config.notify.hubs:
            response = send(
                session,
                "POST",
                target,
                {},
                settings,
                data={"hub.mode": "publish", "hub.url": config.feed_url},
            )
        else:
            response = send(session, "GET", target, {}, settings, params={"url": config.feed_url})
        response.close()
    except FetchError as e:
        return Ping(target=target, error=str(e))
    finally:
        session.close()
    if not 200 <= response.status_code < 300:
        return Ping(target=target, error=_("HTTP {status}").format(status=response.status_code))
    return Ping(target=target)
