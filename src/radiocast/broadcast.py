"""The live broadcast: a manifest's [live] slot, its state by the clock, and its podcast:liveItem.

A slot is kept in the catalog (so the feed stays derived from it) under the GUID the programme's
recording will get: the live item and the episode that follows are one programme, and apps that
key what they saw by GUID (Podcast Index, Podverse) update the entry instead of listing it twice.
The two are never in the feed together: once the recording is released, the live item is gone.

Its status follows the publish clock: pending before the start, live until the end, ended after.
An ended slot whose recording does not come stays for ENDED_KEPT, then leaves the feed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from radiocast.catalog import Catalog
from radiocast.models import Broadcast

ENDED_KEPT: Final = timedelta(days=7)


class LiveStatus(StrEnum):
    PENDING = "pending"
    LIVE = "live"
    ENDED = "ended"


def status_at(broadcast: Broadcast, now: datetime) -> LiveStatus:
    if now < broadcast.slot.start:
        return LiveStatus.PENDING
    if now < broadcast.slot.end:
        return LiveStatus.LIVE
    return LiveStatus.ENDED


def sync(catalog: Catalog, seed: str, stored: Broadcast | None, wanted: Broadcast | None) -> None:
    """Store the seed's slot as its manifest now says (None: it has no [live]); write only a change."""
    if wanted is None:
        if stored is not None:
            catalog.drop_broadcast(seed)
    elif wanted != stored:
        catalog.set_broadcast(wanted)


def in_feed(broadcasts: Iterable[Broadcast], released: Collection[str], now: datetime) -> list[Broadcast]:
    """The slots the feed announces at *now*: not yet replaced by a released recording, not long over."""
    return [b for b in broadcasts if b.guid not in released and now < b.slot.end + ENDED_KEPT]
