"""The one exception hierarchy; the CLI maps each class to an exit code."""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """One meaning per code and command (README: "Exit codes")."""

    OK = 0
    # publish: some episodes failed, the others are published and in the feed.
    EPISODES_FAILED = 1
    # validate, check, doctor: an error was found (CONTRACT.md: validate exits 1); deploy: a transfer failed.
    PROBLEMS_FOUND = 1
    # Nothing was changed: a wrong command line, podcast.toml or seed path, or the workspace is busy.
    USAGE = 2
    # The run stopped: radiocast's catalog or the feed could not be read, built or written.
    NOT_FINISHED = 3
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
    """podcast.toml, a command-line value or the workspace's set-up is wrong; nothing was changed."""

    exit_code = ExitCode.USAGE


class WorkspaceBusyError(RadiocastError):
    """Another radiocast process holds the workspace lock."""

    exit_code = ExitCode.USAGE


class CatalogError(RadiocastError):
    """The SQLite catalog cannot be read or written: whatever the run had not done yet is left undone."""

    exit_code = ExitCode.NOT_FINISHED


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
    """The workspace's feed (or a page beside it) could not be built or written."""

    exit_code = ExitCode.NOT_FINISHED


class FeedInputError(RadiocastError):
    """A feed given to radiocast to read is refused: too big, a DTD, not well-formed XML."""

    exit_code = ExitCode.PROBLEMS_FOUND


class DeployError(RadiocastError):
    """Uploading the published files to a target failed; what is there stays as it was served."""
