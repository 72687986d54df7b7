"""Where each file of a workspace lives (CONTRACT.md's layout)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


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
