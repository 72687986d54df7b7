"""HTTP plumbing for fetch: a Session with radiocast's retry policy, error translation, sniffing.

Whatever requests or urllib3 raise becomes a FetchError here, its message naming the URL and
its hint the fix; a TransientError is the kind worth running again later.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
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

from radiocast.errors import FetchError
from radiocast.i18n import N_, _
from radiocast.models import FetchSettings

# The fetch stage's lines, under its name as before the split (filters and tests select by stage).
log = logging.getLogger("radiocast.fetch")

# requests' default iter_content reads 1 byte at a time, 8 KiB is 1.7x slower than curl.
CHUNK_BYTES = 1024 * 1024
MIB = 1024 * 1024
# A rate-limiting server may ask for a pause; beyond this a run would look hung, so fail instead.
RETRY_AFTER_MAX_S = 300.0
BACKOFF_MAX_S = 30.0
# 501 and 505 say the server will never serve this request: retrying only wastes time.
_RETRY_STATUSES = frozenset({429, *range(500, 600)} - {501, 505})
SNIFF_BYTES = 4  # an MPEG frame header; "ID3" needs 3
# Translated where they are raised (the language is chosen after import).
HINT_URL = N_("check the audio URL in the seed (does it open in a browser?)")
HINT_LATER = N_("run publish again later; a partial download is resumed")


class TransientError(FetchError):
    """A network failure: the .part (a genuine prefix) is kept for a later resume."""


class CutOffError(Exception):
    """The body stopped early; the .part holds what arrived and may be resumed."""

    def __init__(self, cause: object, *, timed_out: bool) -> None:
        super().__init__(str(root_cause(cause) if isinstance(cause, BaseException) else cause))
        self.timed_out = timed_out


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
        if error is not None and caused_by(error, (NameResolutionError,)):
            # Offline, or a mistyped host: waiting through every retry only delays the answer.
            raise MaxRetryError(_pool, url or self.url, error)  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if error is not None:
            why = str(root_cause(error))
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
            raise TransientError(
                _(
                    "GET {url} returned HTTP {status} asking to wait {wait} before retrying, over radiocast's {limit:g} s limit"
                ).format(url=self.url, status=response.status, wait=wait, limit=RETRY_AFTER_MAX_S),
                hint=_(HINT_LATER),
            )
        return seconds


def open_session(url: str, settings: FetchSettings, user_agent: str, backoff_factor: float) -> requests.Session:
    """A Session for one download (Sessions are not thread-safe) with our retry policy mounted."""
    retry = _Retry(
        total=settings.retries,
        allowed_methods=frozenset({"GET", "HEAD"}),
        status_forcelist=_RETRY_STATUSES,
        backoff_factor=backoff_factor,
        backoff_max=BACKOFF_MAX_S,
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


def send(
    session: requests.Session, method: str, url: str, headers: dict[str, str], settings: FetchSettings
) -> requests.Response:
    """Send one request, streaming; requests' and urllib3's exceptions become FetchErrors here."""
    timeout = (settings.connect_timeout_s, settings.read_timeout_s)
    try:
        return session.request(method, url, headers=headers, stream=True, timeout=timeout)
    except requests.ConnectTimeout as e:
        raise TransientError(
            _("connection to {host} timed out after {timeout:g} s ({method} {url}; fetch.connect_timeout)").format(
                host=_host(url), timeout=timeout[0], method=method, url=url
            ),
            hint=_(HINT_LATER),
        ) from e
    except requests.ReadTimeout as e:
        raise TransientError(_read_timeout_message(method, url, timeout[1]), hint=_(HINT_LATER)) from e
    except requests.TooManyRedirects as e:
        raise FetchError(
            _("{method} {url} redirects too many times").format(method=method, url=url), hint=_(HINT_URL)
        ) from e
    except (requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL) as e:
        raise FetchError(
            _("{method} {url} leads to an unusable URL ({error})").format(method=method, url=url, error=e),
            hint=_(HINT_URL),
        ) from e
    except requests.exceptions.SSLError as e:
        raise FetchError(
            _("TLS to {host} failed for {method} {url} ({cause})").format(
                host=_host(url), method=method, url=url, cause=root_cause(e)
            ),
            hint=_(HINT_URL),
        ) from e
    except requests.ConnectionError as e:
        # Once urllib3's read retries run out, requests reports a timeout as a ConnectionError.
        if caused_by(e, (ReadTimeoutError,)):
            raise TransientError(_read_timeout_message(method, url, timeout[1]), hint=_(HINT_LATER)) from e
        raise TransientError(_connection_message(method, url, e), hint=_(HINT_LATER)) from e
    except (requests.RequestException, Urllib3Error) as e:
        raise FetchError(
            _("{method} {url} failed: {cause}").format(method=method, url=url, cause=root_cause(e)), hint=_(HINT_URL)
        ) from e


def check_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise FetchError(
            _("cannot download {url!r}: only http:// and https:// URLs are supported").format(url=url),
            hint=_(HINT_URL),
        )


def is_mpeg_start(head: bytes) -> bool:
    """An ID3v2 tag, or an MPEG audio frame header with no reserved field values."""
    if head.startswith(b"ID3"):
        return True
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    # layer 00 also rejects AAC's ADTS header, which shares the sync bits.
    return version != 1 and layer != 0 and bitrate != 15 and rate != 3


def is_audio_start(head: bytes) -> bool:
    """MPEG audio, or a container a station's recorder writes: WAV, MP4/M4A, FLAC, Ogg."""
    return (
        is_mpeg_start(head)
        or (head[:4] == b"RIFF" and head[8:12] == b"WAVE")
        or head[4:8] == b"ftyp"
        or head.startswith((b"fLaC", b"OggS"))
    )


def sniff(url: str, head: bytes, response: requests.Response, accepts: Callable[[bytes], bool]) -> None:
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
    raise FetchError(_("GET {url} returned {what}").format(url=url, what=what), hint=_(HINT_URL))


def content_length(response: requests.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def content_range(value: str) -> tuple[int | None, int | None]:
    """``bytes 100-199/1000`` → (100, 1000); ``bytes */1000`` → (None, 1000); a missing part is None."""
    unit, _space, spec = value.strip().partition(" ")
    span, _slash, size = spec.partition("/")
    start = span.partition("-")[0]
    if unit.lower() != "bytes":
        return None, None
    return (int(start) if start.isdigit() else None), (int(size) if size.isdigit() else None)


def status_error(url: str, response: requests.Response, retries: int) -> FetchError:
    status = response.status_code
    method, answer = response.request.method, f"{status} {response.reason or ''}".rstrip()
    if response.url != url:
        message = _("{method} {url} (redirected to {target}) returned HTTP {status}").format(
            method=method, url=url, target=response.url, status=answer
        )
    else:
        message = _("{method} {url} returned HTTP {status}").format(method=method, url=url, status=answer)
    if status in (401, 403):
        return FetchError(message, hint=_("the server refuses this file; {advice}").format(advice=_(HINT_URL)))
    if status not in _RETRY_STATUSES:
        return FetchError(message, hint=_(HINT_URL))
    message = _("{message}, still after {retries} retries").format(message=message, retries=retries)
    if status == 429:
        hint = _("the server is rate-limiting downloads; {advice}").format(advice=_(HINT_LATER))
    else:
        hint = _("the server is failing; {advice}").format(advice=_(HINT_LATER))
    # Transient: a .part from an earlier run is kept for the next attempt.
    return TransientError(message, hint=hint)


def _read_timeout_message(method: str, url: str, seconds: float) -> str:
    return _(
        "{method} {url} timed out after {seconds:g} s waiting for the server to answer (fetch.read_timeout)"
    ).format(method=method, url=url, seconds=seconds)


def _connection_message(method: str, url: str, error: BaseException) -> str:
    host = _host(url)
    if caused_by(error, (ConnectionRefusedError,)):
        return _("connection to {host} refused ({method} {url})").format(host=host, method=method, url=url)
    if caused_by(error, (socket.gaierror,)):
        return _("cannot resolve {host} ({method} {url})").format(host=urlsplit(url).hostname, method=method, url=url)
    return _("connection to {host} failed ({method} {url}): {cause}").format(
        host=host, method=method, url=url, cause=root_cause(error)
    )


def cut_off_message(url: str, size: int, total: int | None, error: CutOffError, settings: FetchSettings) -> str:
    """Why a body of which *size* bytes (of *total*) arrived could not be completed."""
    attempts = settings.retries + 1
    got = _("{size} of {total}").format(size=human_size(size), total=human_size(total)) if total else human_size(size)
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


def caused_by(error: BaseException, types: tuple[type[BaseException], ...]) -> bool:
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


def root_cause(error: object) -> object:
    """The innermost cause, whose message is the informative one."""
    seen: set[int] = set()
    while isinstance(error, BaseException) and id(error) not in seen and (inner := _wrapped(error)):
        seen.add(id(error))
        error = inner[0]
    return error


def _host(url: str) -> str:
    return urlsplit(url).netloc


def human_size(size: int | None) -> str:
    if size is None:
        return _("an unknown size")
    for unit, scale in (("GB", 1024**3), ("MB", MIB), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return _("{size} bytes").format(size=size)
