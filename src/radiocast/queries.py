"""Read-only views of a workspace: `status` rows and `validate` of a feed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from radiocast.catalog import Catalog
from radiocast.errors import ConfigError
from radiocast.i18n import _
from radiocast.models import EpisodeState
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


def status(root: Path) -> list[StatusRow]:
    """One row per episode known to the catalog, plus seeds that could not be read."""
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
        rows += [StatusRow(seed=f.seed, state=EpisodeState.FAILED.value, error=f.error) for f in catalog.seed_errors()]
    return rows
