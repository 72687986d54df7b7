"""The one exception hierarchy; the CLI maps each class to an exit code."""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    OK = 0
    EPISODES_FAILED = 1
    USAGE = 2
    INTERRUPTED = 130


class RadiocastError(Exception):
    """Base of every expected failure: a message naming the culprit, and a fix."""

    exit_code: ClassVar[ExitCode] = ExitCode.EPISODES_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ConfigError(RadiocastError):
    """podcast.toml or a command-line value is wrong; nothing was changed."""

    exit_code = ExitCode.USAGE


class WorkspaceBusyError(RadiocastError):
    """Another radiocast process holds the workspace lock."""

    exit_code = ExitCode.USAGE


class CatalogError(RadiocastError):
    """The SQLite catalog cannot be read or written."""

    exit_code = ExitCode.USAGE


class EpisodeError(RadiocastError):
    """One episode failed; the others go on."""


class SeedError(EpisodeError):
    """A seed document is malformed."""


class FetchError(EpisodeError):
    """Downloading an episode's audio failed."""


class AudioError(EpisodeError):
    """The audio could not be probed, decoded or encoded."""


class TagError(EpisodeError):
    """ID3 tags could not be written."""


class FeedError(RadiocastError):
    """The feed could not be built or read."""


class DeployError(RadiocastError):
    """Uploading the published files to a target failed; what is there stays as it was served."""
