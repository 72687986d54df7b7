"""Read-only views of a workspace: the rows of `radiocast status`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from radiocast import broadcast, schedule
from radiocast.catalog import Catalog
from radiocast.errors import ConfigError
from radiocast.i18n import _
from radiocast.models import Broadcast, EpisodeState
from radiocast.schedule import is_held
from radiocast.workspace import Workspace


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRow:
    seed: str
    state: str
    slug: str | None = None
    title: str | None = None
    date: datetime | None = None
    in_feed: bool = False
    duration_ms: int | None = None
    size_bytes: int | None = None
    error: str | None = None
    live: Broadcast | None = None  # a live slot's row: its broadcast


def status(root: Path, *, now: datetime | None = None) -> list[StatusRow]:
    """One row per episode known to the catalog, plus seeds that could not be read, plus each live
    slot not yet replaced by its recording, in its state at *now* (default: the real clock)."""
    now = schedule.clock(now)
    ws = Workspace(root)
    if not ws.config_path.is_file():
        raise ConfigError(
            _("{path}: not found").format(path=ws.config_path), hint=_("run `radiocast init` or pass -C WORKSPACE")
        )
    if not ws.catalog_path.is_file():
        return []
    with Catalog(ws.catalog_path) as catalog:
        rows = [
            StatusRow(
                seed=e.seed,
                # Made, waiting for its date (schedule.py): "date" is when it goes out.
                state="scheduled" if is_held(e) else e.state.value,
                slug=e.slug,
                title=e.title,
                date=e.published,
                in_feed=e.live_since is not None,
                duration_ms=e.duration_ms,
                size_bytes=e.size_bytes,
                error=e.error,
            )
            for e in catalog.episodes()
        ]
        released = {e.guid for e in catalog.live_episodes()}
        shown = {b.guid for b in broadcast.in_feed(catalog.broadcasts(), released, now)}
        rows += [
            StatusRow(
                seed=b.seed,
                state=_live_state(broadcast.status_at(b, now)),
                title=b.title,
                date=b.slot.start,
                in_feed=b.guid in shown,
                live=b,
            )
            for b in catalog.broadcasts()
            if b.guid not in released
        ]
        rows += [StatusRow(seed=f.seed, state=EpisodeState.FAILED.value, error=f.error) for f in catalog.seed_errors()]
    return rows


def _live_state(status: broadcast.LiveStatus) -> str:
    """A live slot's state in `status`: live-pending, live or live-ended."""
    return "live" if status is broadcast.LiveStatus.LIVE else f"live-{status.value}"
