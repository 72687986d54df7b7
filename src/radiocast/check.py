"""The publish gate, offline: FEED-SPEC §7 over the published workspace (feed, items, tags, audio, artwork).

`validate` is the feed's part of it; this adds what only the published files can tell: the MP3s
behind the enclosures (ID3v2.3 in UTF-16, no ID3v1, the sample rate, the duration the feed
states), the sidecars the feed links, the artwork, and whether base_url can reach listeners.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from radiocast.archive import walk
from radiocast.audio import measure_loudness
from radiocast.config import load_config
from radiocast.cover import check_cover
from radiocast.errors import AudioError, ConfigError, RadiocastError
from radiocast.fetch import remote_size
from radiocast.i18n import N_, _
from radiocast.models import APPLE_LISTING_LIMIT, FetchSettings, PodcastConfig
from radiocast.safexml import parse_feed, read_feed
from radiocast.tagging import read_stream, tag_problems
from radiocast.urls import is_loopback
from radiocast.validate import APPLE, ITUNES_NS, PODCAST_NS, Problem, Severity, validate_feed
from radiocast.workspace import Workspace

__all__ = ["Finding", "Severity", "check_feed", "check_workspace", "published_items"]

SAMPLE_RATES = (44100, 48000)
LOUDNESS_TOLERANCE_LU = 1.0
_REPUBLISH = N_("run `radiocast publish` again (it re-tags and re-sizes what it publishes)")
_FIX_SOURCE = N_("fix it in podcast.toml or the episode's seed, then run `radiocast publish`")
_FIX_RATE = N_("set audio.sample_rate to 44100 in podcast.toml, then run `radiocast publish`")


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One broken rule: where (a file or URL), the rule's id, what is wrong and how to fix it."""

    severity: Severity
    where: str
    rule: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message} [{self.rule}] — {self.fix}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishedItem:
    """What the published feed says of one episode: enough to check its files here and online."""

    title: str
    enclosure_url: str
    length: int | None
    duration_s: int | None
    sidecars: tuple[tuple[str, str], ...]  # (url, type) of podcast:chapters and podcast:transcript


def check_feed(root: Path, feed: str | None = None) -> list[Problem]:
    """Validate *feed* (a path or an http(s) URL; default: the workspace's feed).

    Enclosures under the workspace's base_url are checked against the files on disk;
    other http(s) enclosures against the size a HEAD request reports.
    """
    ws = Workspace(root)
    config = load_config(ws.config_path) if ws.config_path.is_file() else None
    settings = config.fetch if config else FetchSettings()
    if feed is None:
        if config is None:
            raise ConfigError(
                _("{path}: not found").format(path=ws.config_path),
                hint=_("run `radiocast init` or pass -C WORKSPACE, or give a FEED"),
            )
        path: Path | None = ws.feed_path
    elif feed.startswith(("http://", "https://")):
        path = None
    else:
        path = Path(feed)
    data = read_feed(path or feed or "", settings)

    def enclosure_size(url: str) -> int | None:
        if config is not None and url.startswith(config.base_url):
            local = ws.root / url.removeprefix(config.base_url)
            return local.stat().st_size if local.is_file() else None
        if path is None:
            return remote_size(url, settings)
        return None

    problems = validate_feed(data, source=str(path or feed), enclosure_size=enclosure_size)
    if feed is None and config is not None:
        # The workspace's own feed: its cover file is here to check too (the feed only names it).
        problems += [
            Problem(severity=Severity.WARNING, rule="channel.image.file", message=message, source=APPLE)
            for message in check_cover(ws.root / config.image)
        ]
    return problems


def check_workspace(root: Path, *, loudness: bool = False) -> list[Finding]:
    """Every problem of the published workspace *root*; empty when it may go out.

    *loudness* also measures each episode (ffmpeg, a pass over the whole audio: slow on a big archive).
    """
    ws = Workspace(root)
    config = load_config(ws.config_path)
    feed_name = ws.relative(ws.feed_path)
    findings = list(_base_url(config))
    findings += _lint(check_feed(root), feed_name)
    findings += [
        Finding(
            severity=Severity.ERROR,
            where=config.image.as_posix(),
            rule="artwork",
            message=message,
            fix=_("replace it with a square RGB JPEG of 1400 to 3000 px under 512 KB"),
        )
        for message in check_cover(ws.root / config.image)
    ]
    if not ws.feed_path.is_file():
        return findings
    documents, chain = walk(ws, config)
    findings += [
        Finding(severity=Severity.ERROR, where=p.where, rule=p.rule, message=p.message, fix=_(_REPUBLISH))
        for p in chain
    ]
    for page in documents[1:]:
        findings += _lint(check_feed(root, str(ws.root / page.name)), page.name)
    items = published_items(documents[0].data, source=feed_name)
    if len(items) > APPLE_LISTING_LIMIT:
        findings.append(
            Finding(
                severity=Severity.WARNING,
                where=feed_name,
                rule="feed.retention",
                message=_("the feed lists {count} episodes; Apple shows at most {limit}").format(
                    count=len(items), limit=APPLE_LISTING_LIMIT
                ),
                fix=_("set [feed] max_items = {limit} in podcast.toml, then run `radiocast publish`").format(
                    limit=APPLE_LISTING_LIMIT
                ),
            )
        )
    for page in documents[1:]:
        items += published_items(page.data, source=page.name)
    for item in items:
        local = _local_path(ws, config, item.enclosure_url)
        if local is not None:
            findings += _check_audio(ws, config, item, local, loudness=loudness)
        for url, kind in item.sidecars:
            path = _local_path(ws, config, url)
            if path is not None:
                findings += _check_sidecar(ws, path, kind)
    return findings


def _lint(problems: Iterable[Problem], where: str) -> list[Finding]:
    """The linter's problems with a published feed document, as findings."""
    return [
        Finding(
            severity=problem.severity,
            where=where,
            rule=problem.rule,
            message=f"{problem.message} ({problem.source})",
            fix=_(_FIX_SOURCE),
        )
        for problem in problems
        # base_url's scheme is judged once, by where it points; the artwork file below, as an error.
        if problem.rule not in ("url.https", "channel.image.file")
    ]


def published_items(feed: bytes, *, source: str) -> list[PublishedItem]:
    """The items of a published feed, as its enclosures and sidecar links say."""
    root = parse_feed(feed, source=source)
    items = []
    for item in root.iterfind("channel/item"):
        enclosure = item.find("enclosure")
        if enclosure is None or not enclosure.get("url"):
            continue  # the linter reports it
        duration = item.findtext(f"{{{ITUNES_NS}}}duration")
        sidecars = tuple(
            (element.get("url", ""), element.get("type", ""))
            for element in _children(item, ("chapters", "transcript"))
            if element.get("url")
        )
        items.append(
            PublishedItem(
                title=item.findtext("title") or "",
                enclosure_url=enclosure.get("url", ""),
                length=_integer(enclosure.get("length")),
                duration_s=_integer(duration),
                sidecars=sidecars,
            )
        )
    return items


def _children(item: etree._Element, names: Iterable[str]) -> Iterator[etree._Element]:
    for name in names:
        yield from item.iterfind(f"{{{PODCAST_NS}}}{name}")


def _integer(text: str | None) -> int | None:
    return int(text) if text is not None and text.strip().isdigit() else None


def _base_url(config: PodcastConfig) -> Iterator[Finding]:
    parts = urlsplit(config.base_url)
    if parts.scheme != "http":
        return
    local = is_loopback(parts.hostname or "")
    yield Finding(
        severity=Severity.WARNING if local else Severity.ERROR,
        where="podcast.toml",
        rule="base_url.https",
        message=(
            _("podcast.base_url {url} uses http: fine for a test on this computer, not for listeners")
            if local
            else _("podcast.base_url {url} uses http; Apple and Spotify need https")
        ).format(url=config.base_url),
        fix=_("serve the podcast over https and set podcast.base_url to its https:// address"),
    )


def _local_path(ws: Workspace, config: PodcastConfig, url: str) -> Path | None:
    """The published file behind *url*, when the URL is under base_url (else it is someone else's)."""
    if not url.startswith(config.base_url):
        return None
    return ws.root / url.removeprefix(config.base_url)


def _check_audio(
    ws: Workspace, config: PodcastConfig, item: PublishedItem, path: Path, *, loudness: bool
) -> list[Finding]:
    where = ws.relative(path)

    def error(rule: str, message: str, fix: str = _REPUBLISH) -> Finding:
        return Finding(severity=Severity.ERROR, where=where, rule=rule, message=message, fix=_(fix))

    if not path.is_file():
        return [error("audio.missing", _("the feed's enclosure {url} has no file here").format(url=item.enclosure_url))]
    findings: list[Finding] = []  # the linter compares the enclosure length with the file
    try:
        info = read_stream(path)
    except AudioError as e:
        return [*findings, error("audio.mp3", e.message)]
    if info.sample_rate not in SAMPLE_RATES:
        findings.append(
            error(
                "audio.sample_rate",
                _("sampled at {rate} Hz; apps expect 44100 or 48000").format(rate=info.sample_rate),
                _FIX_RATE,
            )
        )
    if item.duration_s is not None and abs(item.duration_s - info.length_s) > 1.0:
        findings.append(
            error(
                "item.duration",
                _("the feed says {stated} s, the audio lasts {actual:.1f} s").format(
                    stated=item.duration_s, actual=info.length_s
                ),
            )
        )
    findings += [error("id3", message) for message in tag_problems(path, item.title)]
    if loudness:
        findings += _check_loudness(where, path, config)
    return findings


def _check_loudness(where: str, path: Path, config: PodcastConfig) -> list[Finding]:
    try:
        integrated, peak = measure_loudness(path)
    except RadiocastError as e:
        return [Finding(severity=Severity.ERROR, where=where, rule="audio.loudness", message=str(e), fix=_(_REPUBLISH))]
    target, ceiling = config.audio.loudness, config.audio.true_peak
    findings = []
    fix = _("set audio.normalize_mp3 = true in podcast.toml (the newspaper's MP3s are left as they are by default)")
    if abs(integrated - target) > LOUDNESS_TOLERANCE_LU:
        findings.append(
            Finding(
                severity=Severity.WARNING,
                where=where,
                rule="audio.loudness",
                message=_("{lufs:.1f} LUFS; the target is {target:g} ± {tolerance:g}").format(
                    lufs=integrated, target=target, tolerance=LOUDNESS_TOLERANCE_LU
                ),
                fix=fix,
            )
        )
    if peak > ceiling:
        findings.append(
            Finding(
                severity=Severity.WARNING,
                where=where,
                rule="audio.true_peak",
                message=_("true peak {peak:.1f} dBTP, over {ceiling:g}").format(peak=peak, ceiling=ceiling),
                fix=fix,
            )
        )
    return findings


def _check_sidecar(ws: Workspace, path: Path, kind: str) -> list[Finding]:
    where = ws.relative(path)
    if not path.is_file():
        return [
            Finding(
                severity=Severity.ERROR,
                where=where,
                rule="sidecar.missing",
                message=_("the feed links this file and it is not there"),
                fix=_(_REPUBLISH),
            )
        ]
    if "json" not in kind:
        return []
    try:
        document = json.loads(path.read_bytes())
        chapters = document["chapters"]
        valid = isinstance(document.get("version"), str) and all(
            isinstance(c.get("startTime"), int | float) and c["startTime"] >= 0 for c in chapters
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        valid = False
    if valid:
        return []
    return [
        Finding(
            severity=Severity.ERROR,
            where=where,
            rule="chapters.json",
            message=_("not JSON chapters 1.2 (a version and chapters with startTime ≥ 0)"),
            fix=_(_REPUBLISH),
        )
    ]
