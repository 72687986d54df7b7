"""The terminal side: stderr console, logging, and per-download progress bars (rich)."""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TransferSpeedColumn,
)

from radiocast.i18n import N_, _
from radiocast.models import EpisodeResult, Outcome
from radiocast.workspace import audio_path

stderr = Console(stderr=True, highlight=False)

# What happened to an episode, as the line after it says (translated when shown).
_OUTCOMES = {
    Outcome.PUBLISHED: N_("published"),
    Outcome.NARRATED: N_("narrated"),
    Outcome.UNCHANGED: N_("unchanged"),
    Outcome.RETAGGED: N_("retagged"),
    Outcome.FAILED: N_("failed"),
}


class _PlainFormatter(logging.Formatter):
    """`radiocast: warning: …`, like the error lines (`radiocast: error: …`)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"radiocast: {record.levelname.lower()}: {record.getMessage()}"


def setup_logging(verbosity: int) -> None:
    """-q → errors only, default → warnings, -v → info, -vv → debug; on stderr."""
    level = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler: logging.Handler
    if stderr.is_terminal:
        handler = RichHandler(console=stderr, show_time=False, show_path=False, markup=False)
        handler.setFormatter(logging.Formatter("%(message)s"))
    else:
        # Logs and CI read stderr line by line: one unwrapped line per record.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(_PlainFormatter())
    # Only our own loggers: libraries (and servers in the same process) keep theirs.
    logger = logging.getLogger("radiocast")
    logger.handlers[:] = [handler]
    logger.setLevel(level)
    logger.propagate = False
    # urllib3 warns on each retry by itself; our fetcher reports retries (at -v) and the outcome.
    logging.getLogger("urllib3").setLevel(level if level <= logging.DEBUG else logging.ERROR)


def error_line(message: str) -> str:
    # The prefix stays English in every language: scripts grep for it. The message is translated.
    return f"radiocast: error: {message}"


class PublishDisplay:
    """Bars per download on a terminal; one plain line per finished episode otherwise."""

    def __init__(self, *, quiet: bool = False) -> None:
        self._lock = threading.Lock()
        self._quiet = quiet
        self._live = stderr.is_terminal and not quiet
        self._tasks: dict[str, TaskID] = {}
        self._bars = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            console=stderr,
            transient=True,
            disable=not self._live,
        )

    def __enter__(self) -> PublishDisplay:
        self._bars.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self._bars.stop()

    def started(self, seed: str, title: str) -> None:
        with self._lock:
            self._tasks[seed] = self._bars.add_task(_shorten(title), total=None)

    def transferred(self, seed: str, done: int, total: int | None) -> None:
        task = self._tasks.get(seed)
        if task is not None:
            self._bars.update(task, completed=done, total=total)

    def finished(self, result: EpisodeResult) -> None:
        with self._lock:
            task = self._tasks.pop(result.seed, None)
            if task is not None:
                self._bars.remove_task(task)
        if result.outcome is Outcome.FAILED:
            self._bars.console.print(error_line(result.error or result.seed), markup=False, soft_wrap=True)
        elif not self._quiet and result.outcome is not Outcome.UNCHANGED:
            target = audio_path(result.slug) if result.slug else ""
            self._bars.console.print(
                f"{_(_OUTCOMES[result.outcome]):<10} {result.seed} → {target}", markup=False, soft_wrap=True
            )


def _shorten(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
