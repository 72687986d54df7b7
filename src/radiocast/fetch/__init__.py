"""Fetching: a URL → a verified local file (retries, resume, sniffing), and feeds into memory."""

from __future__ import annotations

from radiocast.fetch._download import Fetcher, fetch_bytes, remote_size
from radiocast.fetch._http import FEED, MIB, FetchSession, Response, open_session, send

__all__ = ["FEED", "MIB", "FetchSession", "Fetcher", "Response", "fetch_bytes", "open_session", "remote_size", "send"]
