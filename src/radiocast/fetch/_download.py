"""Fetch: an audio URL → a complete, verified local MP3 (retries, resume, sniffing, atomic rename).

The HTTP plumbing (retry and fetch policies, error translation, sniffing) is in _http.py,
the resumable ``.part`` in _partfile.py.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from pathlib import Path
from typing import BinaryIO

import requests
from urllib3.exceptions import DecodeError, ReadTimeoutError
from urllib3.exceptions import HTTPError as Urllib3Error

from radiocast import __version__
from radiocast.errors import FetchError
from radiocast.fetch._http import (
    AUDIO,
    BACKOFF_MAX_S,
    CHUNK_BYTES,
    FEED,
    MIB,
    CutOffError,
    FetchSession,
    TransientError,
    caused_by,
    check_url,
    content_length,
    content_range,
    cut_off_message,
    human_size,
    interrupt,
    is_audio_start,
    is_mpeg_start,
    open_session,
    read_chunk,
    root_cause,
    send,
    sniff,
    status_error,
    strong_validator,
)
from radiocast.fetch._partfile import PartFile
from radiocast.i18n import _
from radiocast.models import FetchSettings
from radiocast.urls import redact_url

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
"""Called as bytes arrive: (bytes done, total bytes or None when the server does not say)."""

_USER_AGENT = f"radiocast/{__version__}"
# Bytes held back before the first write: enough for sniff() to tell audio, HTML and others apart.
_SNIFF_HOLD = 512


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchResult:
    """A finished download, or a conditional GET that found the caller's copy current.

    When *not_modified* is true the server answered 304 to the caller's ``etag`` /
    ``last_modified``: nothing was written, *path* is still *dest*, *size_bytes* is 0 and
    *sha256* is ``""`` (the caller's copy keeps its own), and *etag* / *last_modified* are
    the server's current validators (the caller's, when the 304 repeated none).
    """

    path: Path
    size_bytes: int
    sha256: str
    etag: str | None
    last_modified: str | None
    not_modified: bool = False


class _Next(Enum):
    """What one response leaves the download loop to do."""

    DONE = auto()
    RESTART = auto()  # the .part was emptied or does not match: ask again (costs an attempt)
    WITHOUT_RANGE = auto()  # the server refuses even ``Range: bytes=0-``: ask for the plain file


class _NotCodedError(Exception):
    """The body is labelled with a Content-Encoding (gzip) its bytes do not have."""


class Fetcher:
    """Download episode audio over HTTP(S); safe to share between threads."""

    def __init__(
        self,
        settings: FetchSettings,
        *,
        user_agent: str = _USER_AGENT,
        backoff_factor: float = 1.0,
    ) -> None:
        self._settings = settings
        self._user_agent = user_agent
        self._backoff_factor = backoff_factor

    def download(
        self,
        url: str,
        dest: Path,
        *,
        progress: Progress | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        any_audio: bool = False,
    ) -> FetchResult:
        """Download *url* to *dest*, which appears only once complete and verified.

        Bytes stream to ``dest + ".part"`` (its validator beside it in ``.part.json``). The
        first request asks for ``Range: bytes=0-``, so that a server with ranges states the
        file's length in Content-Range, independent of the message's Content-Length. A body
        cut off mid-way is resumed with Range + If-Range, but only under a strong validator
        (a strong ETag, or a Last-Modified older than the response's Date by a second): else
        it starts over, so two versions of a file are never spliced. Connection errors, 429
        and 5xx are retried up to ``settings.retries`` times with backoff, honouring
        Retry-After up to RETRY_AFTER_MAX_S; a cut-off is resumed up to ``settings.retries``
        times, and a Range answer that ends cleanly but short of the file is continued at once.
        The body must start like MPEG audio (an ID3 tag or a frame header) and fit in
        ``settings.max_size_mb`` MiB (*any_audio*: or like WAV, MP4/M4A, FLAC or Ogg, for the
        station's own recordings). A body gzip-coded in spite of ``Accept-Encoding: identity``
        is decoded; one labelled gzip but not coded is stored as sent. Passing *etag* /
        *last_modified* makes the request conditional (see FetchResult.not_modified). The
        fetch policy (_http.py) applies to *url* and every redirect. *dest* is replaced only
        on success: on failure nothing is written there (a file already there is left alone),
        and the .part is kept only when it is a genuine prefix worth resuming.
        """
        check_url(url)
        shown = redact_url(url)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise FetchError(
                _("cannot create {parent} for {url}: {reason}").format(
                    parent=dest.parent, url=shown, reason=e.strerror
                ),
                hint=_("check the workspace's permissions"),
            ) from e
        log.info(_("Fetching %s"), shown)
        part = PartFile.open(url, dest, is_audio_start if any_audio else is_mpeg_start)
        if part.size:
            log.info(_("Resuming %s from an earlier partial download (%s)"), shown, human_size(part.size))
        started = time.monotonic()
        try:
            with open_session(url, self._settings, self._user_agent, self._backoff_factor) as session:
                result = self._fetch(session, url, dest, part, etag, last_modified, progress)
        except TransientError:
            if not (part.resumable and part.size):
                part.discard()
            raise
        except FetchError:
            part.discard()
            raise
        if result.not_modified:
            log.info(_("Fetched %s: not modified since the last run (HTTP 304)"), shown)
        else:
            elapsed = time.monotonic() - started
            log.info(_("Fetched %s: %s in %.1f s"), shown, human_size(result.size_bytes), elapsed)
        return result

    def _fetch(
        self,
        session: FetchSession,
        url: str,
        dest: Path,
        part: PartFile,
        etag: str | None,
        last_modified: str | None,
        progress: Progress | None,
    ) -> FetchResult:
        # Audio gains nothing from gzip, and Range/Content-Length would count coded bytes.
        headers = {"Accept-Encoding": "identity"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        conditional = bool(etag or last_modified)
        attempts = self._settings.retries + 1
        attempt, ranges, decode = 1, True, True
        while True:
            if part.size and not part.resumable:
                part.reset()
            before = part.size
            try:
                with self._get(session, url, part, headers, ranges=ranges) as response:
                    if response.status_code == 304 and conditional:
                        part.discard()
                        return FetchResult(
                            path=dest,
                            size_bytes=0,
                            sha256="",
                            etag=response.headers.get("ETag", etag),
                            last_modified=response.headers.get("Last-Modified", last_modified),
                            not_modified=True,
                        )
                    step = self._receive(response, url, part, progress, decode=decode)
            except _NotCodedError:
                log.warning(_("GET %s is labelled gzip-coded but is not; fetching it as sent"), redact_url(url))
                decode = False
                continue
            except CutOffError as e:
                if e.clean and part.resumable and part.size > before:
                    continue  # a Range answer shorter than the file, but progress: ask for the rest
                if attempt == attempts:
                    raise TransientError(
                        cut_off_message(url, part.size, part.total, e, self._settings), hint=_(AUDIO.later)
                    ) from e
                delay = 0.0 if attempt == 1 else min(BACKOFF_MAX_S, self._backoff_factor * 2 ** (attempt - 2))
                log.warning(
                    _("GET %s cut off at %s (%s); resuming in %.1f s (attempt %d of %d)"),
                    redact_url(url), human_size(part.size), e, delay, attempt + 1, attempts,
                )  # fmt: skip
                time.sleep(delay)
                attempt += 1
                continue
            if step is _Next.DONE:
                break
            if step is _Next.WITHOUT_RANGE:
                ranges = False
                continue
            if attempt == attempts:
                raise TransientError(
                    _("GET {url} could not be resumed after {attempts} attempts").format(
                        url=redact_url(url), attempts=attempts
                    ),
                    hint=_(AUDIO.later),
                )
            attempt += 1
        try:
            part.path.replace(dest)
        except OSError as e:
            raise FetchError(
                _("cannot move {path} to {dest}: {reason}").format(path=part.path, dest=dest, reason=e.strerror),
                hint=_("check the workspace"),
            ) from e
        part.meta.unlink(missing_ok=True)
        return FetchResult(
            path=dest,
            size_bytes=part.size,
            sha256=part.sha.hexdigest(),
            etag=part.etag,
            last_modified=part.last_modified,
        )

    def _get(
        self, session: FetchSession, url: str, part: PartFile, headers: dict[str, str], *, ranges: bool
    ) -> requests.Response:
        """Send one GET (urllib3 retries connection errors and 429/5xx inside it)."""
        headers = dict(headers)
        if part.size and part.validator:
            headers["Range"] = f"bytes={part.size}-"
            headers["If-Range"] = part.validator
        elif ranges:
            headers["Range"] = "bytes=0-"
        return send(session, "GET", url, headers, self._settings)

    def _receive(
        self,
        response: requests.Response,
        url: str,
        part: PartFile,
        progress: Progress | None,
        *,
        decode: bool,
    ) -> _Next:
        """Write one response's body onto the .part."""
        status = response.status_code
        headers = response.headers
        coding = headers.get("Content-Encoding", "identity").strip().lower()
        encoded = coding not in ("", "identity")
        # Content-Length counts coded bytes, so it cannot check what read_chunk decodes.
        total = None if encoded and decode else content_length(response)
        # Ranges of a content-coded body count coded bytes: resuming one is unsafe.
        validator = None if encoded else strong_validator(headers)
        etag, modified = headers.get("ETag"), headers.get("Last-Modified")
        if status == 206:
            start, total = content_range(headers.get("Content-Range", ""))
            moved = start != part.size or (part.total is not None and total != part.total)
            if moved or (part.size and _other_version(part, etag, modified)):
                log.warning(_("GET %s answered a different range than asked; starting over"), redact_url(url))
                part.reset()
                return _Next.RESTART
            if part.size == 0:
                part.begin(total=total, etag=etag, last_modified=modified, validator=validator)
            part.total = total
        elif status == 200:
            if part.size:
                log.warning(
                    _("GET %s sent the whole file again (changed, or no range support); dropping the %s fetched"),
                    redact_url(url), human_size(part.size),
                )  # fmt: skip
                part.reset()
            part.begin(total=total, etag=etag, last_modified=modified, validator=validator)
        elif status == 416 and "Range" in response.request.headers:
            size = content_range(headers.get("Content-Range", ""))[1]
            if part.size:
                # The .part may already be whole (a run stopped just before the rename).
                if size == part.size:
                    return _Next.DONE
                part.reset()
                return _Next.RESTART
            if size == 0:
                sniff(url, b"", response, part.accepts)  # an empty file: says so
            return _Next.WITHOUT_RANGE
        else:
            raise status_error(url, response, self._settings.retries)
        self._check_size(url, total)
        self._stream(response, url, part, total, progress, decode=decode)
        return _Next.DONE

    def _check_size(self, url: str, size: int | None, *, announced: bool = True) -> None:
        """Refuse a body over fetch.max_size_mb: as announced (before reading it), or as it arrives."""
        limit_mb = self._settings.max_size_mb
        if size is None or size <= limit_mb * MIB:
            return
        if announced:
            message = _("GET {url} is {size}, over the {limit_mb} MB limit (fetch.max_size_mb)").format(
                url=redact_url(url), size=human_size(size), limit_mb=limit_mb
            )
        else:
            message = _("GET {url} sent more than the {limit_mb} MB limit (fetch.max_size_mb)").format(
                url=redact_url(url), limit_mb=limit_mb
            )
        raise FetchError(message, hint=_("raise fetch.max_size_mb in podcast.toml if this file is really the episode"))

    def _stream(
        self,
        response: requests.Response,
        url: str,
        part: PartFile,
        total: int | None,
        progress: Progress | None,
        *,
        decode: bool,
    ) -> None:
        """Append the body to the .part as it arrives: all that came before a cut-off is kept."""
        try:
            with part.path.open("ab") as out:
                cut = self._copy(response, url, part, out, total, progress, decode=decode)
        except OSError as e:  # the reads' errors are a cut-off: these are the file's
            raise FetchError(
                _("cannot write {path}: {reason}").format(path=part.path, reason=e.strerror),
                hint=_("free disk space in the workspace"),
            ) from e
        if progress is not None:
            progress(part.size, total)
        # No fsync: dest is an intermediate the pipeline tags and then publishes with its own
        # atomic write; syncing here cost ~0.1 s per 200 MiB, a third of curl's whole transfer.
        if cut is not None and not (total is not None and part.size == total):
            raise cut  # (all that Content-Range or Content-Length promised did arrive: done)
        if total is not None and part.size < total:
            raise CutOffError(
                _("{size} of {total} received").format(size=human_size(part.size), total=human_size(total)),
                timed_out=False,
                clean=True,
            )
        if total is not None and part.size > total:
            raise FetchError(
                _("GET {url} sent {size} bytes, more than the {total} it announced").format(
                    url=redact_url(url), size=part.size, total=total
                ),
                hint=_(AUDIO.url),
            )

    def _copy(
        self,
        response: requests.Response,
        url: str,
        part: PartFile,
        out: BinaryIO,
        total: int | None,
        progress: Progress | None,
        *,
        decode: bool,
    ) -> CutOffError | None:
        """Copy the body into *out* until its end (None) or a cut-off (returned)."""
        head = b""  # the first bytes, held back until they are known to be audio
        reported = part.size
        limit = self._settings.max_size_mb * MIB
        while True:
            try:
                # Never more than one byte past the size limit.
                data = read_chunk(response, max(1, min(CHUNK_BYTES, limit + 1 - part.size - len(head))), decode=decode)
            except DecodeError as e:
                if decode and part.size == 0 and not head:
                    raise _NotCodedError from e
                return CutOffError(e, timed_out=False)
            except (Urllib3Error, OSError) as e:
                return CutOffError(e, timed_out=caused_by(e, (ReadTimeoutError, TimeoutError)))
            if part.size == 0:
                head += data
                if data and len(head) < _SNIFF_HOLD:
                    continue
                sniff(url, head[:_SNIFF_HOLD], response, part.accepts)  # an empty body, too, says what it is
                data, head = head, b""
            if not data:
                return None
            self._check_size(url, part.size + len(data), announced=False)
            out.write(data)
            part.sha.update(data)
            part.size += len(data)
            if progress is not None and part.size - reported >= CHUNK_BYTES:
                progress(part.size, total)
                reported = part.size


def _other_version(part: PartFile, etag: str | None, last_modified: str | None) -> bool:
    """A 206 whose validator differs from the one If-Range carried: a server that ignored If-Range."""
    theirs = etag if part.validator == part.etag else last_modified
    return theirs is not None and theirs != part.validator


def fetch_bytes(url: str, settings: FetchSettings, *, max_bytes: int, user_agent: str = _USER_AGENT) -> bytes:
    """GET a feed into memory, with download()'s retries, policy and errors, and a feed's hints.

    At most ``min(max_bytes, settings.max_size_mb MiB)`` bytes (after gzip decoding) are read:
    past that it fails without reading further. The whole body must arrive within
    ``settings.feed_deadline_s`` seconds of the request, however slowly the server sends it.
    """
    check_url(url, FEED)
    shown = redact_url(url)
    limit = min(max_bytes, settings.max_size_mb * MIB)
    deadline = settings.feed_deadline_s
    too_big = FetchError(
        _("GET {url} is over the {size} limit for a feed").format(url=shown, size=human_size(limit)),
        hint=_("is this URL really a feed?"),
    )
    timeout = (min(settings.connect_timeout_s, deadline), min(settings.read_timeout_s, deadline))
    started = time.monotonic()
    with (
        open_session(url, settings, user_agent, backoff_factor=1.0, purpose=FEED) as session,
        send(session, "GET", url, {}, settings, timeout=timeout) as response,  # gzip welcome: this is text
    ):
        if response.status_code != 200:
            raise status_error(url, response, settings.retries, FEED)
        size = None if response.headers.get("Content-Encoding") else content_length(response)
        if size is not None and size > limit:
            raise too_big
        expired = threading.Event()

        def expire() -> None:
            expired.set()
            interrupt(response)

        timer = threading.Timer(max(0.0, deadline - (time.monotonic() - started)), expire)
        timer.daemon = True
        timer.start()
        body = bytearray()
        try:
            # One byte past the limit tells an oversized feed from one exactly at it.
            while chunk := read_chunk(response, min(CHUNK_BYTES, limit + 1 - len(body)), decode=True):
                body += chunk
                if len(body) > limit:
                    raise too_big
        except (Urllib3Error, OSError) as e:
            if not expired.is_set():
                raise TransientError(
                    _("GET {url} was cut off ({cause})").format(url=shown, cause=redact_url(str(root_cause(e)))),
                    hint=_(FEED.later),
                ) from e
        finally:
            timer.cancel()
        if expired.is_set():  # the interrupted read may also have looked like the body's end
            raise TransientError(
                _("GET {url} did not finish within {seconds:g} s (fetch.feed_deadline), {size} received").format(
                    url=shown, seconds=deadline, size=human_size(len(body))
                ),
                hint=_(
                    "is this URL really a feed (not a stream)? If the server is only slow, raise fetch.feed_deadline"
                ),
            )
    return bytes(body)


def remote_size(url: str, settings: FetchSettings, *, user_agent: str = _USER_AGENT) -> int | None:
    """The size in bytes a HEAD request reports for *url*; None when it can't tell.

    "Can't tell" covers a non-http(s) URL, an error status, a network failure or a URL the
    fetch policy refuses (logged as a warning) and a response without Content-Length or with
    a content coding.
    """
    try:
        check_url(url, FEED)
        with (
            open_session(url, settings, user_agent, backoff_factor=1.0, purpose=FEED) as session,
            send(session, "HEAD", url, {"Accept-Encoding": "identity"}, settings) as response,
        ):
            if response.status_code != 200 or response.headers.get("Content-Encoding", "identity") != "identity":
                log.warning(_("HEAD %s returned HTTP %d: size unknown"), redact_url(url), response.status_code)
                return None
            return content_length(response)
    except FetchError as e:
        log.warning("%s", e.message)
        return None
