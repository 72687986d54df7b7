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

# Every published path, relative to the workspace root (= the web root): CONTRACT.md's layout.
AUDIO_DIR: Final = "audio"
FEEDS_DIR: Final = "feeds"
FEED_PATH: Final = f"{FEEDS_DIR}/podcast.xml"
INDEX_PAGE: Final = f"{FEEDS_DIR}/index.html"
ARCHIVE_DIR: Final = f"{FEEDS_DIR}/archive"  # archive.py's RFC 5005 archive pages
# Episode slugs that would collide with the programme's index, question and search pages.
_RESERVED_SLUG = re.compile(r"index(-\d+)?|questions|search")


def audio_path(slug: str) -> str:
    """The published MP3 of *slug*, relative to the workspace."""
    return f"{AUDIO_DIR}/{slug}.mp3"


def sidecar_path(slug: str, suffix: str) -> str:
    """A file published beside *slug*'s episode (".vtt", ".chapters.json", …), relative to the workspace."""
    return f"{FEEDS_DIR}/{slug}{suffix}"


def index_page_path(number: int) -> str:
    """The programme page's *number*-th page (1-based), relative to the workspace."""
    return INDEX_PAGE if number == 1 else f"{FEEDS_DIR}/index-{number}.html"


def archive_page_path(number: int) -> str:
    """The *number*-th archive feed page (1 holds the oldest episodes), relative to the workspace."""
    return f"{ARCHIVE_DIR}/{number}.xml"


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
        return self.root / AUDIO_DIR

    @property
    def feeds_dir(self) -> Path:
        return self.root / FEEDS_DIR

    @property
    def feed_path(self) -> Path:
        return self.root / FEED_PATH

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
