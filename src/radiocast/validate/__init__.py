"""The feed linter: an RSS feed's XML, channel, items and live items against the podcast rules."""

from __future__ import annotations

from radiocast.validate._common import APPLE, ATOM_NS, FH_NS, ITUNES_NS, PODCAST_NS, Problem, Severity
from radiocast.validate._linter import PODCAST_NS_LEGACY, validate_feed

__all__ = [
    "APPLE",
    "ATOM_NS",
    "FH_NS",
    "ITUNES_NS",
    "PODCAST_NS",
    "PODCAST_NS_LEGACY",
    "Problem",
    "Severity",
    "validate_feed",
]
