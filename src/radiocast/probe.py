"""`check --online`: every published URL asked as Apple's crawler asks it.

Apple refuses a media host that answers a byte range with the whole file, hides HEAD, redirects
through a chain, or serves a length other than the feed's; a feed without ETag or Last-Modified
is fetched whole on every poll. Each URL is probed on its own, concurrently, and every problem is
reported: a redirect on one file does not hide a missing range support on another.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from radiocast import __version__
from radiocast.archive import walk
from radiocast.check import Finding, published_items
from radiocast.config import load_config
from radiocast.errors import FetchError
from radiocast.fetch import FEED, FetchSession, Response, open_session, send
from radiocast.i18n import _
from radiocast.models import FetchSettings
from radiocast.search import PROBED
from radiocast.serve import content_type
from radiocast.urls import redact_url
from radiocast.validate import Severity
from radiocast.workspace import INDEX_PAGE, Workspace

__all__ = ["check_online"]

FEED_TYPES = frozenset({"application/xml", "application/rss+xml", "text/xml"})
# A probe is one question: a failing server is the finding, not something to wait out.
_PROBE_RETRIES = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class _Target:
    url: str
    name: str  # the published file's workspace path: its type comes from it
    length: int | None = None  # an enclosure's length in the feed
    ranges: bool = False  # media: must answer a byte range


def check_online(root: Path, *, base_url: str | None = None, jobs: int = 8) -> list[Finding]:
    """Probe the feed and every file it links under base_url (or *base_url*, a deployed copy)."""
    ws = Workspace(root)
    config = load_config(ws.config_path)
    public = base_url if base_url is None or base_url.endswith("/") else base_url + "/"
    public = public or config.base_url

    def moved(url: str) -> str:
        return public + url.removeprefix(config.base_url)

    settings = replace(config.fetch, retries=_PROBE_RETRIES)
    feed_name = ws.relative(ws.feed_path)
    targets = [
        _Target(url=moved(config.feed_url), name=feed_name),
        _Target(url=moved(config.image_url), name=config.image.as_posix()),
        _Target(url=moved(config.site_url), name=INDEX_PAGE),
    ]
    documents, _chain = walk(ws, config)  # a broken chain is check's to report
    targets += [_Target(url=moved(config.base_url + page.name), name=page.name) for page in documents[1:]]
    feeds = {document.name for document in documents}
    items = [item for document in documents for item in published_items(document.data, source=document.name)]
    for item in items:
        if not item.enclosure_url.startswith(config.base_url):
            continue  # audio hosted elsewhere is its host's business
        targets.append(
            _Target(
                url=moved(item.enclosure_url),
                name=item.enclosure_url.removeprefix(config.base_url),
                length=item.length,
                ranges=True,
            )
        )
        targets += [
            _Target(url=moved(url), name=url.removeprefix(config.base_url))
            for url, _kind in item.sidecars
            if url.startswith(config.base_url)
        ]
    targets += [_Target(url=moved(config.base_url + name), name=name) for name in PROBED if (ws.root / name).is_file()]
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="probe") as pool:
        found = pool.map(lambda target: _probe(target, settings, is_feed=target.name in feeds), targets)
        return [finding for findings in found for finding in findings]


def _probe(target: _Target, settings: FetchSettings, *, is_feed: bool) -> list[Finding]:
    shown = redact_url(target.url)
    findings: list[Finding] = []

    def report(rule: str, message: str, fix: str, severity: Severity = Severity.ERROR) -> None:
        findings.append(Finding(severity=severity, where=shown, rule=rule, message=message, fix=fix))

    session = open_session(target.url, settings, f"radiocast/{__version__} (check)", 0.2, FEED)
    try:
        ask = _asker(session, target.url, settings)
        head = ask("HEAD", {})
        if _redirected(head, report):
            return findings
        if head.status_code != 200:
            report(
                "http.head",
                _("HEAD answers HTTP {status}, not 200").format(status=head.status_code),
                _("publish the file there and let the server answer HEAD (Apple checks media with it)"),
            )
            return findings
        _check_type(target, head, report)
        if target.length is not None:
            _check_length(target, head, report)
        if target.ranges:
            _check_range(target, ask, report)
        if is_feed:
            _check_conditional(ask, report)
    except FetchError as e:
        report("http.unreachable", str(e), _("check that the server is up and base_url points at it"))
    finally:
        session.close()
    return findings


Report = Callable[..., None]
Ask = Callable[[str, dict[str, str]], Response]


def _asker(session: FetchSession, url: str, settings: FetchSettings) -> Ask:
    def ask(method: str, headers: dict[str, str]) -> Response:
        response = send(session, method, url, headers, settings, allow_redirects=False)
        response.close()  # the headers are the answer: never read a whole MP3
        return response

    return ask


def _redirected(response: Response, report: Report) -> bool:
    if not response.is_redirect and response.status_code not in (301, 302, 303, 307, 308):
        return False
    report(
        "http.redirect",
        _("answers HTTP {status}, a redirect to {location}").format(
            status=response.status_code, location=redact_url(response.headers.get("Location", "?"))
        ),
        _(
            "serve the file at the URL the feed gives (Apple refuses redirect chains for media); fix base_url or the server"
        ),
    )
    return True


def _check_type(target: _Target, response: Response, report: Report) -> None:
    got = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    want = content_type(target.name)
    wanted = FEED_TYPES if target.name.endswith(".xml") else {want.split(";")[0]}
    if got in wanted:
        return
    # Chapters as plain JSON still work in every app that reads them.
    severity = Severity.WARNING if got == "application/json" and "json" in want else Severity.ERROR
    report(
        "http.content_type",
        _("served as {got}, not {want}").format(got=got or _("no Content-Type"), want=want),
        _("map the file's extension to {want} in the server's configuration (README: Hosting)").format(want=want),
        severity,
    )


def _check_length(target: _Target, response: Response, report: Report) -> None:
    got = response.headers.get("Content-Length")
    if got is not None and got.isdigit() and int(got) == target.length:
        return
    report(
        "http.content_length",
        _("Content-Length is {got}; the feed's enclosure length is {length}").format(
            got=got or _("missing"), length=target.length
        ),
        _("copy the published file to the server again, byte for byte, and do not let the server compress audio"),
    )


def _check_range(target: _Target, ask: Ask, report: Report) -> None:
    response = ask("GET", {"Range": "bytes=0-1", "Accept-Encoding": "identity"})
    if response.status_code != 206:
        report(
            "http.range",
            _("a Range: bytes=0-1 request gets HTTP {status}, not 206").format(status=response.status_code),
            _("turn on byte ranges on the server (nginx: do not set max_ranges 0); Apple refuses hosts without them"),
        )
        return
    want = f"bytes 0-1/{target.length}" if target.length is not None else None
    got = response.headers.get("Content-Range", "")
    if not got.startswith("bytes 0-1/") or (want is not None and got != want):
        report(
            "http.content_range",
            _("Content-Range is {got!r}, not {want!r}").format(got=got, want=want or "bytes 0-1/…"),
            _("copy the published file to the server again, byte for byte"),
        )


def _check_conditional(ask: Ask, report: Report) -> None:
    response = ask("GET", {"Accept-Encoding": "gzip"})
    etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    if response.headers.get("Content-Encoding") != "gzip":
        report(
            "http.gzip",
            _("the feed is not compressed for clients that accept gzip"),
            _("turn on gzip for application/xml on the server (nginx: gzip_types application/xml)"),
            Severity.WARNING,
        )
    if not etag and not modified:
        report(
            "http.validator",
            _("the feed has neither ETag nor Last-Modified: every app downloads it whole on every check"),
            _("let the server send ETag or Last-Modified for static files"),
        )
        return
    conditional = {"If-None-Match": etag} if etag else {"If-Modified-Since": modified or ""}
    again = ask("GET", conditional)
    if again.status_code != 304:
        report(
            "http.not_modified",
            _("a conditional GET ({header}) gets HTTP {status}, not 304").format(
                header=next(iter(conditional)), status=again.status_code
            ),
            _("let the server answer If-None-Match/If-Modified-Since with 304 Not Modified"),
        )
