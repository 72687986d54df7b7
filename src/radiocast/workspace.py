"""Where each file of a workspace lives (CONTRACT.md's layout)."""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from radiocast.files import write_atomic
from radiocast.i18n import _

log = logging.getLogger(__name__)

FEEDS_DIR: Final = "feeds"
INDEX_PAGE: Final = "feeds/index.html"
# Episode slugs that would collide with the programme's index, question and search pages.
_RESERVED_SLUG = re.compile(r"index(-\d+)?|questions|search")


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
    def staging_dir(self) -> Path:
        """Where published files are made before their rename: the workspace's filesystem, outside the web root."""
        return self.state_dir / "staging"

    @property
    def catalog_path(self) -> Path:
        return self.state_dir / "catalog.sqlite3"

    @property
    def lock_path(self) -> Path:
        return self.state_dir / "lock"

    def write(self, final: Path, data: bytes) -> None:
        """Replace *final* with *data* in one rename, made in the staging folder."""
        write_atomic(final, data, staging_dir=self.staging_dir)

    def sweep(self) -> None:
        """Remove what a killed run left half-made: the staging folder's files, and temporary
        files that older versions made beside the published ones (``audio/.x.mp3.abc.tmp``).

        Call it holding the workspace lock, before anything is staged. Partial downloads
        are kept: the next fetch resumes them. A leftover that cannot be removed is a warning.
        """
        leftovers = list(self.staging_dir.iterdir()) if self.staging_dir.is_dir() else []
        for folder in (self.audio_dir, self.feeds_dir):
            if folder.is_dir():
                leftovers += [p for p in folder.rglob(".*.tmp") if p.is_file()]
        for path in leftovers:
            try:
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
            except OSError as e:
                log.warning(
                    _("cannot remove {path}, left by an interrupted run: {reason}").format(
                        path=self.relative(path), reason=e.strerror or e
                    )
                )
            else:
                log.debug("removed %s, left by an interrupted run", self.relative(path))

    def relative(self, path: Path) -> str:
        """The path as shown to the operator: relative to the workspace when inside it."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return str(path)
