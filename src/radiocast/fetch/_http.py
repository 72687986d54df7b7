"""HTTP plumbing for fetch: a Session with radiocast's retry and fetch policies, error translation, sniffing.

Whatever requests or urllib3 raise becomes a FetchError here, its message naming the URL (with
its credentials hidden: redact_url) and its hint the fix for what was being fetched (a Purpose);
a TransientError is the kind worth running again later.

The fetch policy: only http(s), also for redirect targets, and never a host that fetch.refuse
lists or that resolves to an address in one of its networks (link-local and the cloud metadata
services by default), checked before each request of a redirect chain is sent. The check
resolves the name itself, so a DNS server that answers differently a moment later (rebinding)
could still slip past it; it keeps a seed's or a redirect's URL off the metadata services.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import socket
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from ipaddress import IPv4Address, IPv6Address, ip_address
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.connectionpool import ConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import InvalidHeader, MaxRetryError, NameResolutionError, ReadTimeoutError
from urllib3.response import BaseHTTPResponse
from urllib3.util.retry import Retry

from radiocast.errors import FetchError
from radiocast.i18n import N_, _
from radiocast.models import FetchSettings
from radiocast.urls import redact_url

# The fetch stage's lines, under its name as before the split (filters and tests select by stage).
log = logging.getLogger(__name__)

# requests' default iter_content reads 1 byte at a time, 8 KiB is 1.7x slower than curl.
CHUNK_BYTES = 1024 * 1024
# An answer as the other modules see it: requests stays this module's and fetch's business.
Response = requests.Response
MIB = 1024 * 1024
# A rate-limiting server may ask for a pause; beyond this a run would look hung, so fail instead.
RETRY_AFTER_MAX_S = 300.0
BACKOFF_MAX_S = 30.0
# 501 and 505 say the server will never serve this request: retrying only wastes time.
_RETRY_STATUSES = frozenset({429, *range(500, 600)} - {501, 505})
SNIFF_BYTES = 4  # an MPEG frame header; "ID3" needs 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Purpose:
    """What is being fetched, as the hints say it (msgids, translated where raised: the language is chosen after import)."""

    url: str  # the URL, or what it serves, is wrong
    later: str  # the network or the server failed: worth another try
    denied: str  # HTTP 401/403
    busy: str  # HTTP 429
    failing: str  # HTTP 5xx


AUDIO = Purpose(
    url=N_("check the audio URL in the seed (does it open in a browser?)"),
    later=N_("run publish again later; a partial download is resumed"),
    denied=N_("the server refuses this file; check the audio URL in the seed (does it open in a browser?)"),
    busy=N_("the server is rate-limiting downloads; run publish again later"),
    failing=N_("the server is failing; run publish again later"),
)
FEED = Purpose(
    url=N_("check the feed's URL (does it open in a browser?)"),
    later=N_("check the network connection and try again later"),
    denied=N_("the server refuses this feed; check the feed's URL, or ask its publisher for access"),
    busy=N_("the server is rate-limiting requests; try again in a few minutes"),
    failing=N_("the feed's server is failing; try again later"),
)
_HINT_TLS = N_(
    "the site's HTTPS certificate is not trusted: the site must fix it "
    "(if this computer's CA certificates are outdated, update them or name a bundle in REQUESTS_CA_BUNDLE)"
)
_HINT_REFUSED = N_("if this server is really safe to fetch from, remove {entry} from fetch.refuse in podcast.toml")


class TransientError(FetchError):
    """A network failure: the .part (a genuine prefix) is kept for a later resume."""


class CutOffError(Exception):
    """The body stopped early; the .part holds what arrived and may be resumed.

    *clean*: the response itself ended normally, only short of the file (a Range answer
    shorter than its Content-Range says), rather than the connection failing.
    """

    def __init__(self, cause: object, *, timed_out: bool, clean: bool = False) -> None:
        super().__init__(redact_url(str(root_cause(cause) if isinstance(cause, BaseException) else cause)))
        self.timed_out = timed_out
        self.clean = clean


class _RetryAfterTooLongError(Exception):
    """Raised inside urllib3 by _Retry; send() turns it into a TransientError with the right hint."""

    def __init__(self, status: int, asked: str) -> None:
        super().__init__(status, asked)
        self.status, self.asked = status, asked


class _Retry(Retry):
    """urllib3's Retry that logs each retry and refuses an absurd Retry-After."""

    url: str = ""  # redacted, for the log
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
        if error is not None and (
            caused_by(error, (NameResolutionError, ssl.SSLCertVerificationError)) or _not_http(error)
        ):
            # Offline, a mistyped host, an untrusted certificate, a port that does not speak HTTP:
            # waiting through every retry only delays the answer.
            raise MaxRetryError(_pool, url or self.url, error)  # type: ignore[arg-type]
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        if error is not None:
            why = redact_url(str(root_cause(error)))
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
            raise _RetryAfterTooLongError(response.status, response.headers.get("Retry-After", "").strip())
        return seconds


class FetchSession(requests.Session):
    """A Session for one URL that checks the fetch policy before sending each request, redirects included."""

    def __init__(self, url: str, settings: FetchSettings, purpose: Purpose) -> None:
        super().__init__()
        self.origin, self.settings, self.purpose = url, settings, purpose

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        target = request.url or ""
        method = request.method or "GET"
        # requests follows redirects by calling send() again with allow_redirects=False.
        redirected = kwargs.get("allow_redirects") is False
        parts = urlsplit(target)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            port = None  # out of range: requests refuses the URL in its own words
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(
                _("{method} {url} redirects to {target}, which is not an http(s) URL").format(
                    method=method, url=redact_url(self.origin), target=redact_url(target)
                ),
                hint=_(self.purpose.url),
            )
        # Through a proxy the proxy resolves the name: only the name itself can be checked here.
        proxied = bool(select_proxy(target, kwargs.get("proxies") or {}))
        try:
            why = _refusal(parts.hostname, port, self.settings, resolve=not proxied)
        except OSError as e:
            raise TransientError(_connection_message(method, target, e), hint=_(self.purpose.later)) from e
        if why is not None:
            reason, entry = why
            if redirected:
                message = _("{method} {url} redirects to {target}, which is refused: {reason}").format(
                    method=method, url=redact_url(self.origin), target=redact_url(target), reason=reason
                )
            else:
                # The URL as written (requests lower-cases the host), so the user finds it in the seed.
                message = _("{method} {url} is refused: {reason}").format(
                    method=method, url=redact_url(self.origin), reason=reason
                )
            raise FetchError(message, hint=_(_HINT_REFUSED).format(entry=entry))
        return super().send(request, **kwargs)


def _refusal(host: str, port: int | None, settings: FetchSettings, *, resolve: bool) -> tuple[str, str] | None:
    """(why, the fetch.refuse entry) when *host* may not be fetched from; None when it may.

    Raises:
        OSError: *host* does not resolve (socket.gaierror).
    """
    name = host.rstrip(".").lower()
    for refused in settings.refuse_hosts:
        if name == refused or name.endswith("." + refused):
            return _("{host} is in fetch.refuse ({entry})").format(host=host, entry=refused), refused
    try:
        addresses: list[IPv4Address | IPv6Address] = [ip_address(name)]
        literal = True
    except ValueError:
        if not resolve:
            return None
        try:
            infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
        except UnicodeError:
            return None  # not a name IDNA can encode: requests says so in its own words
        addresses = [ip_address(info[4][0]) for info in infos]
        literal = False
    for address in addresses:
        # ::ffff:169.254.169.254 reaches the IPv4 address.
        plain = address.ipv4_mapped if isinstance(address, IPv6Address) and address.ipv4_mapped else address
        for network in settings.refuse_networks:
            if plain in network:
                entry = str(network)
                if literal:
                    return _("{host} is in fetch.refuse ({entry})").format(host=host, entry=entry), entry
                why = _("{host} resolves to {address}, in fetch.refuse ({entry})").format(
                    host=host, address=plain, entry=entry
                )
                return why, entry
    return None


def open_session(
    url: str, settings: FetchSettings, user_agent: str, backoff_factor: float, purpose: Purpose = AUDIO
) -> FetchSession:
    """A Session for one download (Sessions are not thread-safe) with our retry and fetch policies."""
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
    retry.url, retry.limit = redact_url(url), settings.retries
    session = FetchSession(url, settings, purpose)
    session.headers["User-Agent"] = user_agent
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def send(
    session: FetchSession,
    method: str,
    url: str,
    headers: dict[str, str],
    settings: FetchSettings,
    *,
    timeout: tuple[float, float] | None = None,
    allow_redirects: bool = True,
    params: Mapping[str, str] | None = None,
    data: Mapping[str, str] | None = None,
) -> requests.Response:
    """Send one request, streaming; requests' and urllib3's exceptions become FetchErrors here.

    *timeout* (connect, read) defaults to the settings' timeouts; *allow_redirects* False hands
    back a 3xx as it came (to report it rather than follow it). *params* go into the query
    string, *data* into a form-encoded body.
    """
    timeout = timeout or (settings.connect_timeout_s, settings.read_timeout_s)
    purpose, shown = session.purpose, redact_url(url)
    try:
        return session.request(
            method,
            url,
            headers=headers,
            params=params,
            data=data,
            stream=True,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )
    except _RetryAfterTooLongError as e:
        wait = _("{seconds} s").format(seconds=e.asked) if e.asked.isdigit() else _("until {time}").format(time=e.asked)
        raise TransientError(
            _(
                "{method} {url} returned HTTP {status} asking to wait {wait} before retrying, over radiocast's {limit:g} s limit"
            ).format(method=method, url=shown, status=e.status, wait=wait, limit=RETRY_AFTER_MAX_S),
            hint=_(purpose.busy if e.status == 429 else purpose.failing),
        ) from e
    except requests.ConnectTimeout as e:
        raise TransientError(
            _("connection to {host} timed out after {timeout:g} s ({method} {url}; fetch.connect_timeout)").format(
                host=_host(url), timeout=timeout[0], method=method, url=shown
            ),
            hint=_(purpose.later),
        ) from e
    except requests.ReadTimeout as e:
        raise TransientError(_read_timeout_message(method, url, timeout[1]), hint=_(purpose.later)) from e
    except requests.TooManyRedirects as e:
        raise FetchError(
            _("{method} {url} redirects too many times").format(method=method, url=shown), hint=_(purpose.url)
        ) from e
    except (requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL) as e:
        raise FetchError(
            _("{method} {url} leads to an unusable URL ({error})").format(
                method=method, url=shown, error=redact_url(str(e))
            ),
            hint=_(purpose.url),
        ) from e
    except requests.exceptions.SSLError as e:
        untrusted = caused_by(e, (ssl.SSLCertVerificationError,))
        raise FetchError(
            _("TLS to {host} failed for {method} {url} ({cause})").format(
                host=_host(url), method=method, url=shown, cause=redact_url(str(root_cause(e)))
            ),
            hint=_(_HINT_TLS if untrusted else purpose.url),
        ) from e
    except requests.ConnectionError as e:
        if _not_http(e):
            raise FetchError(
                _("{method} {url}: the server's answer is not HTTP ({cause})").format(
                    method=method, url=shown, cause=redact_url(str(root_cause(e)))
                ),
                hint=_(purpose.url),
            ) from e
        # Once urllib3's read retries run out, requests reports a timeout as a ConnectionError.
        if caused_by(e, (ReadTimeoutError,)):
            raise TransientError(_read_timeout_message(method, url, timeout[1]), hint=_(purpose.later)) from e
        raise TransientError(_connection_message(method, url, e), hint=_(purpose.later)) from e
    except (requests.RequestException, Urllib3Error) as e:
        raise FetchError(
            _("{method} {url} failed: {cause}").format(method=method, url=shown, cause=redact_url(str(root_cause(e)))),
            hint=_(purpose.url),
        ) from e


def read_chunk(response: requests.Response, size: int, *, decode: bool) -> bytes:
    """Up to *size* bytes of the body from at most one read of the network; b"" at its end.

    Raises:
        urllib3.exceptions.HTTPError, OSError: the connection failed or the body is cut off.
    """
    raw: BaseHTTPResponse = response.raw
    return raw.read1(size, decode_content=decode)


def interrupt(response: requests.Response) -> None:
    """Make a read of *response* blocked in another thread return at once (urllib3's shutdown)."""
    raw: BaseHTTPResponse = response.raw
    # A response already finished has given its connection back: nothing is blocked then.
    with contextlib.suppress(RuntimeError, ValueError, OSError):
        raw.shutdown()


def check_url(url: str, purpose: Purpose = AUDIO) -> None:
    try:
        parts = urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok = False
    if not ok:
        raise FetchError(
            _("cannot download {url!r}: only http:// and https:// URLs are supported").format(url=redact_url(url)),
            hint=_(purpose.url),
        )


def strong_validator(headers: Mapping[str, str]) -> str | None:
    """What If-Range may carry to resume this response's body (RFC 9110 §13.1.5); None: nothing safe.

    A strong ETag; else, when there is no ETag at all, a Last-Modified the response's Date shows
    to be at least a second old, which makes it strong (§8.8.2.2). A weak ETag or a date that
    may name two versions written within one second could splice two files together.
    """
    etag = headers.get("ETag", "").strip()
    if etag:
        return None if etag.startswith("W/") else etag
    modified, date = _http_date(headers.get("Last-Modified")), _http_date(headers.get("Date"))
    if modified is None or date is None or date - modified < timedelta(seconds=1):
        return None
    return headers["Last-Modified"].strip()


def _http_date(value: str | None) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value or "")
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


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
    raise FetchError(_("GET {url} returned {what}").format(url=redact_url(url), what=what), hint=_(AUDIO.url))


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


def status_error(url: str, response: requests.Response, retries: int, purpose: Purpose = AUDIO) -> FetchError:
    status = response.status_code
    method, answer = response.request.method, f"{status} {response.reason or ''}".rstrip()
    if response.history:
        message = _("{method} {url} (redirected to {target}) returned HTTP {status}").format(
            method=method, url=redact_url(url), target=redact_url(response.url), status=answer
        )
    else:
        message = _("{method} {url} returned HTTP {status}").format(method=method, url=redact_url(url), status=answer)
    if status in (401, 403):
        return FetchError(message, hint=_(purpose.denied))
    if status not in _RETRY_STATUSES:
        return FetchError(message, hint=_(purpose.url))
    message = _("{message}, still after {retries} retries").format(message=message, retries=retries)
    # Transient: a .part from an earlier run is kept for the next attempt.
    return TransientError(message, hint=_(purpose.busy if status == 429 else purpose.failing))


def _not_http(error: BaseException) -> bool:
    """The server answered, but not with an HTTP status line (a closed connection is another matter)."""
    return caused_by(error, (http.client.BadStatusLine,)) and not caused_by(error, (http.client.RemoteDisconnected,))


def _read_timeout_message(method: str, url: str, seconds: float) -> str:
    return _(
        "{method} {url} timed out after {seconds:g} s waiting for the server to answer (fetch.read_timeout)"
    ).format(method=method, url=redact_url(url), seconds=seconds)


def _connection_message(method: str, url: str, error: BaseException) -> str:
    host, shown = _host(url), redact_url(url)
    if caused_by(error, (ConnectionRefusedError,)):
        return _("connection to {host} refused ({method} {url})").format(host=host, method=method, url=shown)
    if caused_by(error, (socket.gaierror,)):
        return _("cannot resolve {host} ({method} {url})").format(host=urlsplit(url).hostname, method=method, url=shown)
    return _("connection to {host} failed ({method} {url}): {cause}").format(
        host=host, method=method, url=shown, cause=redact_url(str(root_cause(error)))
    )


def cut_off_message(url: str, size: int, total: int | None, error: CutOffError, settings: FetchSettings) -> str:
    """Why a body of which *size* bytes (of *total*) arrived could not be completed."""
    attempts = settings.retries + 1
    got = _("{size} of {total}").format(size=human_size(size), total=human_size(total)) if total else human_size(size)
    if error.timed_out:
        return _(
            "GET {url} timed out after {seconds:g} s without data (fetch.read_timeout), {attempts} attempts, {got} received"
        ).format(url=redact_url(url), seconds=settings.read_timeout_s, attempts=attempts, got=got)
    return _("GET {url} was cut off {attempts} times ({error}), {got} received").format(
        url=redact_url(url), attempts=attempts, error=error, got=got
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
    """host:port as the messages show it (never the credentials a URL may carry)."""
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2]


def human_size(size: int | None) -> str:
    if size is None:
        return _("an unknown size")
    for unit, scale in (("GB", 1024**3), ("MB", MIB), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return _("{size} bytes").format(size=size)
