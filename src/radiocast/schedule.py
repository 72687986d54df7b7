"""The publish gate in time: an episode dated in the future is made but held out of the feed until then.

A held episode is fully produced (fetched, processed, tagged, its sidecars written) and recorded
as published with no `live_since`; the feed, the pages and everything built from
`Catalog.live_episodes()` never see it. A later `publish` (cron, a systemd timer) whose clock has
reached its date releases it. Until release its date follows the seed; once released, its
identity (and so its date) is fixed like any other episode's.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime

from radiocast.catalog import Catalog
from radiocast.errors import ConfigError
from radiocast.i18n import _
from radiocast.models import Episode, EpisodeState

log = logging.getLogger(__name__)


def clock(now: datetime | None) -> datetime:
    """*now*, or the real clock; a naive datetime is refused (its zone would be a guess)."""
    if now is None:
        return datetime.now(UTC)
    if now.utcoffset() is None:
        raise ConfigError(
            _("publish time {time} has no time zone").format(time=now.isoformat()),
            hint=_("pass a time-zone-aware datetime"),
        )
    return now


def is_due(episode: Episode, now: datetime) -> bool:
    return episode.published <= now


def is_held(episode: Episode) -> bool:
    """Made and waiting for its date: produced completely, never released."""
    return episode.live_since is None and episode.state is EpisodeState.PUBLISHED


def release_due(catalog: Catalog, now: datetime) -> list[Episode]:
    """Release every held episode whose date has come; return them."""
    released = []
    for episode in catalog.episodes():
        if is_held(episode) and is_due(episode, now):
            released.append(catalog.save(replace(episode, live_since=now.astimezone(UTC))))
            log.info(_("%s: its time has come; released into the feed"), episode.seed)
    return released
