"""Fetch: an audio URL → a complete, verified local MP3 (retries, resume, sniffing, atomic rename).

The HTTP plumbing (retry policy, error translation, sniffing) is in httpclient.py, the
resumable ``.part`` in partfile.py.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

from radiocast import __version__
from radiocast.errors import FetchError
from radiocast.httpclient import (
    BACKOFF_MAX_S,
    CHUNK_BYTES,
    HINT_LATER,
    HINT_URL,
    MIB,
    RETRY_AFTER_MAX_S,
    SNIFF_BYTES,
    CutOffError,
    TransientError,
    caused_by,
    check_url,
    content_length,
    content_range,
    cut_off_message,
    human_size,
    is_audio_start,
    is_mpeg_start,
    open_session,
    root_cause,
    send,
    sniff,
    status_error,
)
from radiocast.i18n import _
from radiocast.models import FetchSettings
from radiocast.partfile import PartFile

# CHUNK_BYTES and RETRY_AFTER_MAX_S live in httpclient, beside the code they tune.
__all__ = ["CHUNK_BYTES", "RETRY_AFTER_MAX_S", "FetchResult", "Fetcher", "Progress", "fetch_bytes", "remote_size"]

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
"""Called as bytes arrive: (bytes done, total bytes or None when the server does not say)."""

_USER_AGENT = f"radiocast/{__version__}"


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

        Bytes stream to ``dest + ".part"`` (its validator beside it in ``.part.json``),
        which a later call resumes with Range/If-Range after an interruption. Connection
        errors, 429 and 5xx are retried up to ``settings.retries`` times with backoff,
        honouring Retry-After up to RETRY_AFTER_MAX_S; a body cut off mid-way is resumed
        up to ``settings.retries`` times (the last partial chunk, < 1 MiB, is fetched
        again). The body must start like MPEG audio (an ID3 tag or a frame header) and
        fit in ``settings.max_size_mb`` MiB (*any_audio*: or like WAV, MP4/M4A, FLAC or Ogg,
        for the station's own recordings). Passing *etag* / *last_modified* makes the
        request conditional (see FetchResult.not_modified). *dest* is replaced only on
        success: on failure nothing is written there (a file already there is left
        alone), and the .part is kept only when it is a genuine prefix worth resuming.
        """
        check_url(url)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise FetchError(
                _("cannot create {parent} for {url}: {reason}").format(parent=dest.parent, url=url, reason=e.strerror),
                hint=_("check the workspace's permissions"),
            ) from e
        log.info(_("Fetching %s"), url)
        part = PartFile.open(url, dest, is_audio_start if any_audio else is_mpeg_start)
        if part.size:
            log.info(_("Resuming %s from an earlier partial download (%s)"), url, human_size(part.size))
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
            log.info(_("Fetched %s: not modified since the last run (HTTP 304)"), url)
        else:
            elapsed = time.monotonic() - started
            log.info(_("Fetched %s: %s in %.1f s"), url, human_size(result.size_bytes), elapsed)
        return result

    def _fetch(
        self,
        session: requests.Session,
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
        for attempt in range(1, attempts + 1):
            if part.size and not part.resumable:
                part.reset()
            try:
                response = self._get(session, url, part, headers)
                with response:
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
                    if not self._receive(response, url, part, progress):
                        continue
                break
            except CutOffError as e:
                if attempt == attempts:
                    raise TransientError(
                        cut_off_message(url, part.size, part.total, e, self._settings), hint=_(HINT_LATER)
                    ) from e
                delay = 0.0 if attempt == 1 else min(BACKOFF_MAX_S, self._backoff_factor * 2 ** (attempt - 2))
                log.warning(
                    _("GET %s cut off at %s (%s); resuming in %.1f s (attempt %d of %d)"),
                    url, human_size(part.size), e, delay, attempt + 1, attempts,
                )  # fmt: skip
                time.sleep(delay)
        else:  # every attempt asked to start over
            raise TransientError(
                _("GET {url} could not be resumed after {attempts} attempts").format(url=url, attempts=attempts),
                hint=_(HINT_LATER),
            )
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

    def _get(self, session: requests.Session, url: str, part: PartFile, headers: dict[str, str]) -> requests.Response:
        """Send one GET (urllib3 retries connection errors and 429/5xx inside it)."""
        headers = dict(headers)
        if part.size:
            headers["Range"] = f"bytes={part.size}-"
            if part.validator:
                headers["If-Range"] = part.validator
        return send(session, "GET", url, headers, self._settings)

    def _receive(
        self,
        response: requests.Response,
        url: str,
        part: PartFile,
        progress: Progress | None,
    ) -> bool:
        """Write one response's body onto the .part; False means "start over, try again"."""
        status = response.status_code
        headers = response.headers
        coding = headers.get("Content-Encoding", "identity").strip().lower()
        encoded = coding not in ("", "identity")
        # Content-Length counts coded bytes, so it cannot check what iter_content decodes.
        total = None if encoded else content_length(response)
        if status == 206:
            start, total = content_range(headers.get("Content-Range", ""))
            if start != part.size or (part.total is not None and total != part.total):
                log.warning(_("GET %s answered a different range than asked; starting over"), url)
                part.reset()
                return False
            if part.size == 0:
                part.begin(
                    total=total,
                    etag=headers.get("ETag"),
                    last_modified=headers.get("Last-Modified"),
                    encoded=encoded,
                )
            part.total = total
        elif status == 200:
            if part.size:
                log.warning(
                    _("GET %s sent the whole file again (changed, or no range support); dropping the %s fetched"),
                    url, human_size(part.size),
                )  # fmt: skip
                part.reset()
            part.begin(
                total=total,
                etag=headers.get("ETag"),
                last_modified=headers.get("Last-Modified"),
                encoded=encoded,
            )
        elif status == 416 and part.size:
            # The .part may already be whole (a run stopped just before the rename).
            size = content_range(headers.get("Content-Range", ""))[1]
            if size == part.size and part.validator:
                return True
            part.reset()
            return False
        else:
            raise status_error(url, response, self._settings.retries)
        self._check_size(url, total)
        self._stream(response, url, part, total, progress)
        return True

    def _check_size(self, url: str, size: int | None) -> None:
        limit_mb = self._settings.max_size_mb
        if size is not None and size > limit_mb * MIB:
            raise FetchError(
                _("GET {url} is {size}, over the {limit_mb} MB limit (fetch.max_size_mb)").format(
                    url=url, size=human_size(size), limit_mb=limit_mb
                ),
                hint=_("raise fetch.max_size_mb in podcast.toml if this file is really the episode"),
            )

    def _stream(
        self,
        response: requests.Response,
        url: str,
        part: PartFile,
        total: int | None,
        progress: Progress | None,
    ) -> None:
        # The first bytes are held back until they are known to be MPEG audio.
        pending = b""
        chunks: Iterator[bytes] = response.iter_content(CHUNK_BYTES)
        with part.path.open("ab") as out:
            while True:
                try:
                    chunk = next(chunks, None)
                except (requests.RequestException, Urllib3Error, OSError) as e:
                    raise CutOffError(e, timed_out=caused_by(e, (ReadTimeoutError, TimeoutError))) from e
                if chunk is None:
                    break
                if part.size == 0:
                    pending += chunk
                    if len(pending) < SNIFF_BYTES:
                        continue
                    sniff(url, pending, response, part.accepts)
                    chunk, pending = pending, b""
                self._check_size(url, part.size + len(chunk))
                try:
                    out.write(chunk)
                except OSError as e:
                    raise FetchError(
                        _("cannot write {path}: {reason}").format(path=part.path, reason=e.strerror),
                        hint=_("free disk space in the workspace"),
                    ) from e
                part.sha.update(chunk)
                part.size += len(chunk)
                if progress is not None:
                    progress(part.size, total)
            if part.size == 0:
                sniff(url, pending, response, part.accepts)  # too short to be audio: says why
        # No fsync: dest is an intermediate the pipeline tags and then publishes with its own
        # atomic write; syncing here cost ~0.1 s per 200 MiB, a third of curl's whole transfer.
        if total is not None and part.size < total:
            raise CutOffError(
                _("{size} of {total} received").format(size=human_size(part.size), total=human_size(total)),
                timed_out=False,
            )
        if total is not None and part.size > total:
            raise FetchError(
                _("GET {url} sent {size} bytes, more than the {total} it announced").format(
                    url=url, size=part.size, total=total
                ),
                hint=_(HINT_URL),
            )


def fetch_bytes(url: str, settings: FetchSettings, *, user_agent: str = _USER_AGENT) -> bytes:
    """GET a small document (a feed) into memory, with download()'s retries, limits and errors."""
    try:
        check_url(url)
        limit = settings.max_size_mb * MIB
        with (
            open_session(url, settings, user_agent, backoff_factor=1.0) as session,
            send(session, "GET", url, {}, settings) as response,  # gzip welcome: this is text
        ):
            if response.status_code != 200:
                raise status_error(url, response, settings.retries)
            body = bytearray()
            try:
                for chunk in response.iter_content(CHUNK_BYTES):
                    body += chunk
                    if len(body) > limit:
                        raise FetchError(
                            _("GET {url} is over the {max_size_mb} MB limit (fetch.max_size_mb)").format(
                                url=url, max_size_mb=settings.max_size_mb
                            ),
                            hint=_("is this URL really a feed?"),
                        )
            except (requests.RequestException, Urllib3Error, OSError) as e:
                raise FetchError(
                    _("GET {url} was cut off ({cause})").format(url=url, cause=root_cause(e)), hint=_(HINT_LATER)
                ) from e
    except FetchError as e:
        if e.hint == _(HINT_URL):  # written for an episode's audio URL
            e.hint = _("check the feed's URL (does it open in a browser?)")
        raise
    return bytes(body)


def remote_size(url: str, settings: FetchSettings, *, user_agent: str = _USER_AGENT) -> int | None:
    """The size in bytes a HEAD request reports for *url*; None when it can't tell.

    "Can't tell" covers a non-http(s) URL, an error status, a network failure (logged as a
    warning) and a response without Content-Length or with a content coding.
    """
    try:
        check_url(url)
        with (
            open_session(url, settings, user_agent, backoff_factor=1.0) as session,
            send(session, "HEAD", url, {"Accept-Encoding": "identity"}, settings) as response,
        ):
            if response.status_code != 200 or response.headers.get("Content-Encoding", "identity") != "identity":
                log.warning(_("HEAD %s returned HTTP %d: size unknown"), url, response.status_code)
                return None
            return content_length(response)
    except FetchError as e:
        log.warning("%s", e.message)
        return None
