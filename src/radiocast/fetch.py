"""Fetch: an audio URL → a complete, verified local MP3 (retries, resume, sniffing, atomic rename)."""

from __future__ import annotations

import hashlib
import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import InvalidHeader, MaxRetryError, NameResolutionError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from radiocast import __version__
from radiocast.errors import FetchError
from radiocast.files import write_atomic
from radiocast.i18n import N_, _
from radiocast.models import FetchSettings

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]
"""Called as bytes arrive: (bytes done, total bytes or None when the server does not say)."""

_USER_AGENT = f"radiocast/{__version__}"
# requests' default iter_content reads 1 byte at a time, 8 KiB is 1.7x slower than curl.
CHUNK_BYTES = 1024 * 1024
_MIB = 1024 * 1024
# A rate-limiting server may ask for a pause; beyond this a run would look hung, so fail instead.
RETRY_AFTER_MAX_S = 300.0
_BACKOFF_MAX_S = 30.0
# 501 and 505 say the server will never serve this request: retrying only wastes time.
_RETRY_STATUSES = frozenset({429, *range(500, 600)} - {501, 505})
_SNIFF_BYTES = 4  # an MPEG frame header; "ID3" needs 3
# Translated where they are raised (the language is chosen after import).
_HINT_URL = N_("check the audio URL in the seed (does it open in a browser?)")
_HINT_LATER = N_("run publish again later; a partial download is resumed")


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
        _check_url(url)
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise FetchError(
                _("cannot create {parent} for {url}: {reason}").format(parent=dest.parent, url=url, reason=e.strerror),
                hint=_("check the workspace's permissions"),
            ) from e
        log.info(_("Fetching %s"), url)
        part = _Part.open(url, dest, _is_audio_start if any_audio else _is_mpeg_start)
        started = time.monotonic()
        try:
            with _session(url, self._settings, self._user_agent, self._backoff_factor) as session:
                result = self._fetch(session, url, dest, part, etag, last_modified, progress)
        except _TransientError:
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
            log.info(_("Fetched %s: %s in %.1f s"), url, _human(result.size_bytes), elapsed)
        return result

    def _fetch(
        self,
        session: requests.Session,
        url: str,
        dest: Path,
        part: _Part,
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
            except _CutOffError as e:
                if attempt == attempts:
                    raise _TransientError(_cut_off_message(url, part, e, self._settings), hint=_(_HINT_LATER)) from e
                delay = 0.0 if attempt == 1 else min(_BACKOFF_MAX_S, self._backoff_factor * 2 ** (attempt - 2))
                log.warning(
                    _("GET %s cut off at %s (%s); resuming in %.1f s (attempt %d of %d)"),
                    url, _human(part.size), e, delay, attempt + 1, attempts,
                )  # fmt: skip
                time.sleep(delay)
        else:  # every attempt asked to start over
            raise _TransientError(
                _("GET {url} could not be resumed after {attempts} attempts").format(url=url, attempts=attempts),
                hint=_(_HINT_LATER),
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

    def _get(self, session: requests.Session, url: str, part: _Part, headers: dict[str, str]) -> requests.Response:
        """Send one GET (urllib3 retries connection errors and 429/5xx inside it)."""
        headers = dict(headers)
        if part.size:
            headers["Range"] = f"bytes={part.size}-"
            if part.validator:
                headers["If-Range"] = part.validator
        return _send(session, "GET", url, headers, self._settings)

    def _receive(
        self,
        response: requests.Response,
        url: str,
        part: _Part,
        progress: Progress | None,
    ) -> bool:
        """Write one response's body onto the .part; False means "start over, try again"."""
        status = response.status_code
        headers = response.headers
        coding = headers.get("Content-Encoding", "identity").strip().lower()
        encoded = coding not in ("", "identity")
        # Content-Length counts coded bytes, so it cannot check what iter_content decodes.
        total = None if encoded else _content_length(response)
        if status == 206:
            start, total = _content_range(headers.get("Content-Range", ""))
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
                    url, _human(part.size),
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
            size = _content_range(headers.get("Content-Range", ""))[1]
            if size == part.size and part.validator:
                return True
            part.reset()
            return False
        else:
            raise _status_error(url, response, self._settings.retries)
        self._check_size(url, total)
        self._stream(response, url, part, total, progress)
        return True

    def _check_size(self, url: str, size: int | None) -> None:
        limit_mb = self._settings.max_size_mb
        if size is not None and size > limit_mb * _MIB:
            raise FetchError(
                _("GET {url} is {size}, over the {limit_mb} MB limit (fetch.max_size_mb)").format(
                    url=url, size=_human(size), limit_mb=limit_mb
                ),
                hint=_("raise fetch.max_size_mb in podcast.toml if this file is really the episode"),
            )

    def _stream(
        self,
        response: requests.Response,
        url: str,
        part: _Part,
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
                    raise _CutOffError(e, timed_out=_caused_by(e, (ReadTimeoutError, TimeoutError))) from e
                if chunk is None:
                    break
                if part.size == 0:
                    pending += chunk
                    if len(pending) < _SNIFF_BYTES:
                        continue
                    _sniff(url, pending, response, part.accepts)
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
                _sniff(url, pending, response, part.accepts)  # too short to be audio: says why
        # No fsync: dest is an intermediate the pipeline tags and then publishes with its own
        # atomic write; syncing here cost ~0.1 s per 200 MiB, a third of curl's whole transfer.
        if total is not None and part.size < total:
            raise _CutOffError(
                _("{size} of {total} received").format(size=_human(part.size), total=_human(total)), timed_out=False
            )
        if total is not None and part.size > total:
            raise FetchError(
                _("GET {url} sent {size} bytes, more than the {total} it announced").format(
                    url=url, size=part.size, total=total
                ),
                hint=_(_HINT_URL),
            )


def fetch_bytes(url: str, settings: FetchSettings, *, user_agent: str = _USER_AGENT) -> bytes:
    """GET a small document (a feed) into memory, with download()'s retries, limits and errors."""
    try:
        _check_url(url)
        limit = settings.max_size_mb * _MIB
        with (
            _session(url, settings, user_agent, backoff_factor=1.0) as session,
            _send(session, "GET", url, {}, settings) as response,  # gzip welcome: this is text
        ):
            if response.status_code != 200:
                raise _status_error(url, response, settings.retries)
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
                    _("GET {url} was cut off ({cause})").format(url=url, cause=_root(e)), hint=_(_HINT_LATER)
                ) from e
    except FetchError as e:
        if e.hint == _(_HINT_URL):  # written for an episode's audio URL
            e.hint = _("check the feed's URL (does it open in a browser?)")
        raise
    return bytes(body)


def remote_size(url: str, settings: FetchSettings, *, user_agent: str = _USER_AGENT) -> int | None:
    """The size in bytes a HEAD request reports for *url*; None when it can't tell.

    "Can't tell" covers a non-http(s) URL, an error status, a network failure (logged as a
    warning) and a response without Content-Length or with a content coding.
    """
    try:
        _check_url(url)
        with (
            _session(url, settings, user_agent, backoff_factor=1.0) as session,
            _send(session, "HEAD", url, {"Accept-Encoding": "identity"}, settings) as response,
        ):
            if response.status_code != 200 or response.headers.get("Content-Encoding", "identity") != "identity":
                log.warning(_("HEAD %s returned HTTP %d: size unknown"), url, response.status_code)
                return None
            return _content_length(response)
    except FetchError as e:
        log.warning("%s", e.message)
        return None


class _TransientError(FetchError):
    """A network failure: the .part (a genuine prefix) is kept for a later resume."""


class _CutOffError(Exception):
    """The body stopped early; the .part holds what arrived and may be resumed."""

    def __init__(self, cause: object, *, timed_out: bool) -> None:
        super().__init__(str(_root(cause) if isinstance(cause, BaseException) else cause))
        self.timed_out = timed_out


@dataclass(slots=True)
class _Part:
    """``dest.part``: always a genuine prefix of the representation its .part.json names."""

    url: str
    path: Path
    meta: Path
    accepts: Callable[[bytes], bool]  # whether the first bytes look like the audio expected
    size: int = 0
    sha: hashlib._Hash = field(default_factory=hashlib.sha256)
    etag: str | None = None
    last_modified: str | None = None
    total: int | None = None
    resumable: bool = False

    @property
    def validator(self) -> str | None:
        """What If-Range may carry: a strong ETag, else Last-Modified (RFC 9110 §13.1.5)."""
        if self.etag and not self.etag.startswith("W/"):
            return self.etag
        return self.last_modified

    @classmethod
    def open(cls, url: str, dest: Path, accepts: Callable[[bytes], bool]) -> _Part:
        """Pick up a .part left by an earlier run when it can be resumed safely, else clear it."""
        part = cls(
            url=url,
            accepts=accepts,
            path=dest.with_name(dest.name + ".part"),
            meta=dest.with_name(dest.name + ".part.json"),
        )
        try:
            meta = json.loads(part.meta.read_text(encoding="utf-8"))
            size = part.path.stat().st_size
        except (OSError, ValueError):
            part.discard()
            return part
        if not isinstance(meta, dict) or meta.get("url") != url:
            part.discard()
            return part
        etag, last_modified, total = (
            meta.get("etag"),
            meta.get("last_modified"),
            meta.get("total"),
        )
        if not (_optional(etag, str) and _optional(last_modified, str) and _optional(total, int)):
            part.discard()
            return part
        part.etag, part.last_modified, part.total = etag, last_modified, total
        part.resumable = meta.get("resumable") is True
        if not part.resumable or size < _SNIFF_BYTES or (part.total is not None and size > part.total):
            part.discard()
            return part
        with part.path.open("rb") as f:
            head = f.read(_SNIFF_BYTES)
            if not part.accepts(head):
                part.discard()
                return part
            part.sha.update(head)
            while block := f.read(CHUNK_BYTES):
                part.sha.update(block)
        part.size = size
        log.info(_("Resuming %s from an earlier partial download (%s)"), url, _human(size))
        return part

    def begin(
        self,
        *,
        total: int | None,
        etag: str | None,
        last_modified: str | None,
        encoded: bool,
    ) -> None:
        """Record what the (empty) .part is about to hold, before any byte of it is written."""
        self.total, self.etag, self.last_modified = total, etag, last_modified
        # Ranges of a content-coded body count coded bytes: resuming such a download is unsafe.
        self.resumable = not encoded and (self.validator is not None or total is not None)
        record = {
            "url": self.url,
            "etag": etag,
            "last_modified": last_modified,
            "total": total,
            "resumable": self.resumable,
        }
        write_atomic(self.meta, json.dumps(record).encode())
        self.path.write_bytes(b"")

    def reset(self) -> None:
        """Empty the .part (before its .part.json changes, so a crash never pairs old bytes with a new validator)."""
        self.path.write_bytes(b"")
        self.size, self.sha = 0, hashlib.sha256()

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)
        self.meta.unlink(missing_ok=True)
        self.size, self.sha, self.resumable = 0, hashlib.sha256(), False


class _Retry(Retry):
    """urllib3's Retry that logs each retry and refuses an absurd Retry-After."""

    url: str = ""
    limit: int = 0

    def new(self, **kw: Any) -> Self:
        retry = super().new(**kw)
        retry.url, retry.limit = self.url, self.limit
        return retry

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: BaseHTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Self:
        if error is not None and _caused_by(error, (NameResolutionError,)):
            # Offline, or a mistyped host: waiting through every retry only delays the answer.
            raise MaxRetryError(_pool, url or self.url, error)  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if error is not None:
            why = str(_root(error))
        elif response is not None:
            why = f"HTTP {response.status}"
            if after := response.headers.get("Retry-After"):
                why += f", Retry-After: {after}"
        else:
            why = _("unknown error")
        log.info(_("%s %s failed (%s); retry %d of %d"), method or "GET", self.url, why, len(retry.history), self.limit)
        return retry

    def get_retry_after(self, response: BaseHTTPResponse) -> float | None:
        try:
            seconds = super().get_retry_after(response)
        except InvalidHeader:
            return None  # unparseable: fall back to our own backoff
        if seconds is not None and seconds > RETRY_AFTER_MAX_S:
            # Raised inside urllib3 after the response was drained; requests lets it through.
            asked = response.headers.get("Retry-After", "").strip()
            wait = _("{seconds} s").format(seconds=asked) if asked.isdigit() else _("until {time}").format(time=asked)
            raise _TransientError(
                _(
                    "GET {url} returned HTTP {status} asking to wait {wait} before retrying, over radiocast's {limit:g} s limit"
                ).format(url=self.url, status=response.status, wait=wait, limit=RETRY_AFTER_MAX_S),
                hint=_(_HINT_LATER),
            )
        return seconds


def _optional(value: object, kind: type) -> bool:
    return value is None or isinstance(value, kind)


def _session(url: str, settings: FetchSettings, user_agent: str, backoff_factor: float) -> requests.Session:
    """A Session for one download (Sessions are not thread-safe) with our retry policy mounted."""
    retry = _Retry(
        total=settings.retries,
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=_RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=_BACKOFF_MAX_S,
        # The last 5xx/429 comes back as a response, so the error says "returned HTTP 503".
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    retry.url, retry.limit = url, settings.retries
    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _send(
    session: requests.Session, method: str, url: str, headers: dict[str, str], settings: FetchSettings
) -> requests.Response:
    """Send one request, streaming; requests' and urllib3's exceptions become FetchErrors here."""
    timeout = (settings.connect_timeout_s, settings.read_timeout_s)
    try:
        return session.request(method, url, headers=headers, stream=True, timeout=timeout)
    except requests.ConnectTimeout as e:
        raise _TransientError(
            _("connection to {host} timed out after {timeout:g} s ({method} {url}; fetch.connect_timeout)").format(
                host=_host(url), timeout=timeout[0], method=method, url=url
            ),
            hint=_(_HINT_LATER),
        ) from e
    except requests.ReadTimeout as e:
        raise _TransientError(_read_timeout_message(method, url, timeout[1]), hint=_(_HINT_LATER)) from e
    except requests.TooManyRedirects as e:
        raise FetchError(
            _("{method} {url} redirects too many times").format(method=method, url=url), hint=_(_HINT_URL)
        ) from e
    except (requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL) as e:
        raise FetchError(
            _("{method} {url} leads to an unusable URL ({error})").format(method=method, url=url, error=e),
            hint=_(_HINT_URL),
        ) from e
    except requests.exceptions.SSLError as e:
        raise FetchError(
            _("TLS to {host} failed for {method} {url} ({cause})").format(
                host=_host(url), method=method, url=url, cause=_root(e)
            ),
            hint=_(_HINT_URL),
        ) from e
    except requests.ConnectionError as e:
        # Once urllib3's read retries run out, requests reports a timeout as a ConnectionError.
        if _caused_by(e, (ReadTimeoutError,)):
            raise _TransientError(_read_timeout_message(method, url, timeout[1]), hint=_(_HINT_LATER)) from e
        raise _TransientError(_connection_message(method, url, e), hint=_(_HINT_LATER)) from e
    except (requests.RequestException, Urllib3Error) as e:
        raise FetchError(
            _("{method} {url} failed: {cause}").format(method=method, url=url, cause=_root(e)), hint=_(_HINT_URL)
        ) from e


def _check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise FetchError(
            _("cannot download {url!r}: only http:// and https:// URLs are supported").format(url=url),
            hint=_(_HINT_URL),
        )


def _is_mpeg_start(head: bytes) -> bool:
    """An ID3v2 tag, or an MPEG audio frame header with no reserved field values."""
    if head.startswith(b"ID3"):
        return True
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    # layer 00 also rejects AAC's ADTS header, which shares the sync bits.
    return version != 1 and layer != 0 and bitrate != 15 and rate != 3


def _is_audio_start(head: bytes) -> bool:
    """MPEG audio, or a container a station's recorder writes: WAV, MP4/M4A, FLAC, Ogg."""
    return (
        _is_mpeg_start(head)
        or (head[:4] == b"RIFF" and head[8:12] == b"WAVE")
        or head[4:8] == b"ftyp"
        or head.startswith((b"fLaC", b"OggS"))
    )


def _sniff(url: str, head: bytes, response: requests.Response, accepts: Callable[[bytes], bool]) -> None:
    if accepts(head):
        return
    content_type = response.headers.get("Content-Type", "")
    text = head[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        what = _("an empty body")
    elif "html" in content_type or text.startswith((b"<!doctype html", b"<html")):
        what = _("an HTML page, not MP3 audio")
    else:
        what = _("data that is not MP3 audio (it starts with {head}; Content-Type: {content_type})").format(
            head=head[:8].hex(" "), content_type=content_type or _("none")
        )
    raise FetchError(_("GET {url} returned {what}").format(url=url, what=what), hint=_(_HINT_URL))


def _content_length(response: requests.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _content_range(value: str) -> tuple[int | None, int | None]:
    """``bytes 100-199/1000`` → (100, 1000); ``bytes */1000`` → (None, 1000); a missing part is None."""
    unit, _space, spec = value.strip().partition(" ")
    span, _slash, size = spec.partition("/")
    start = span.partition("-")[0]
    if unit.lower() != "bytes":
        return None, None
    return (int(start) if start.isdigit() else None), (int(size) if size.isdigit() else None)


def _status_error(url: str, response: requests.Response, retries: int) -> FetchError:
    status = response.status_code
    method, answer = response.request.method, f"{status} {response.reason or ''}".rstrip()
    if response.url != url:
        message = _("{method} {url} (redirected to {target}) returned HTTP {status}").format(
            method=method, url=url, target=response.url, status=answer
        )
    else:
        message = _("{method} {url} returned HTTP {status}").format(method=method, url=url, status=answer)
    if status in (401, 403):
        return FetchError(message, hint=_("the server refuses this file; {advice}").format(advice=_(_HINT_URL)))
    if status not in _RETRY_STATUSES:
        return FetchError(message, hint=_(_HINT_URL))
    message = _("{message}, still after {retries} retries").format(message=message, retries=retries)
    if status == 429:
        hint = _("the server is rate-limiting downloads; {advice}").format(advice=_(_HINT_LATER))
    else:
        hint = _("the server is failing; {advice}").format(advice=_(_HINT_LATER))
    # Transient: a .part from an earlier run is kept for the next attempt.
    return _TransientError(message, hint=hint)


def _read_timeout_message(method: str, url: str, seconds: float) -> str:
    return _(
        "{method} {url} timed out after {seconds:g} s waiting for the server to answer (fetch.read_timeout)"
    ).format(method=method, url=url, seconds=seconds)


def _connection_message(method: str, url: str, error: BaseException) -> str:
    host = _host(url)
    if _caused_by(error, (ConnectionRefusedError,)):
        return _("connection to {host} refused ({method} {url})").format(host=host, method=method, url=url)
    if _caused_by(error, (socket.gaierror,)):
        return _("cannot resolve {host} ({method} {url})").format(host=urlsplit(url).hostname, method=method, url=url)
    return _("connection to {host} failed ({method} {url}): {cause}").format(
        host=host, method=method, url=url, cause=_root(error)
    )


def _cut_off_message(url: str, part: _Part, error: _CutOffError, settings: FetchSettings) -> str:
    attempts = settings.retries + 1
    if part.total:
        got = _("{size} of {total}").format(size=_human(part.size), total=_human(part.total))
    else:
        got = _human(part.size)
    if error.timed_out:
        return _(
            "GET {url} timed out after {seconds:g} s without data (fetch.read_timeout), {attempts} attempts, {got} received"
        ).format(url=url, seconds=settings.read_timeout_s, attempts=attempts, got=got)
    return _("GET {url} was cut off {attempts} times ({error}), {got} received").format(
        url=url, attempts=attempts, error=error, got=got
    )


def _wrapped(error: BaseException) -> list[BaseException]:
    """What *error* wraps: requests keeps urllib3's error in args[0], urllib3 its cause in .reason."""
    inner = [
        getattr(error, "reason", None),
        error.args[0] if error.args else None,
        error.__cause__,
        error.__context__,
    ]
    return [e for e in inner if isinstance(e, BaseException) and e is not error]


def _caused_by(error: BaseException, types: tuple[type[BaseException], ...]) -> bool:
    seen: set[int] = set()
    todo = [error]
    while todo:
        e = todo.pop()
        if isinstance(e, types):
            return True
        if id(e) not in seen:
            seen.add(id(e))
            todo += _wrapped(e)
    return False


def _root(error: object) -> object:
    """The innermost cause, whose message is the informative one."""
    seen: set[int] = set()
    while isinstance(error, BaseException) and id(error) not in seen and (inner := _wrapped(error)):
        seen.add(id(error))
        error = inner[0]
    return error


def _host(url: str) -> str:
    return urlsplit(url).netloc


def _human(size: int | None) -> str:
    if size is None:
        return _("an unknown size")
    for unit, scale in (("GB", 1024**3), ("MB", _MIB), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return _("{size} bytes").format(size=size)
