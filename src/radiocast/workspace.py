"""Where each file of a workspace lives (CONTRACT.md's layout)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final

FEEDS_DIR: Final = "feeds"
INDEX_PAGE: Final = "feeds/index.html"
# Episode slugs that would collide with the programme's index pages.
_RESERVED_SLUG = re.compile(r"index(-\d+)?")


def index_page_path(number: int) -> str:
    """The programme page's *number*-th page (1-based), relative to the workspace."""
    return INDEX_PAGE if number == 1 else f"{FEEDS_DIR}/index-{number}.html"


def episode_page_path(slug: str) -> str:
    """The episode page of *slug*, relative to the workspace; never the same as an index page."""
    if _RESERVED_SLUG.fullmatch(slug):
        return f"{FEEDS_DIR}/{slug}.episode.html"
    return f"{FEEDS_DIR}/{slug}.html"


@dataclass(frozen=True, slots=True)
class Workspace:
    root: Path

    @property
    def config_path(self) -> Path:
        return self.root / "podcast.toml"

    @property
    def seeds_dir(self) -> Path:
        return self.root / "seeds"

    @property
    def audio_dir(self) -> Path:
        return self.root / "audio"

    @property
    def feeds_dir(self) -> Path:
        return self.root / "feeds"

    @property
    def feed_path(self) -> Path:
        return self.feeds_dir / "podcast.xml"

    @property
    def state_dir(self) -> Path:
        return self.root / ".radiocast"

    @property
    def partial_dir(self) -> Path:
        return self.state_dir / "partial"

    @property
    def catalog_path(self) -> Path:
        return self.state_dir / "catalog.sqlite3"

    @property
    def lock_path(self) -> Path:
        return self.state_dir / "lock"

    def relative(self, path: Path) -> str:
        """The path as shown to the operator: relative to the workspace when inside it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)
