"""publish(): which stage runs for which episode, concurrency, and error collection."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from slugify import slugify

from radiocast import __version__
from radiocast.audio import probe
from radiocast.catalog import Catalog, workspace_lock
from radiocast.config import load_config, with_base_url
from radiocast.cover import cover_thumbnail
from radiocast.errors import ConfigError, EpisodeError, SeedError
from radiocast.feed import build_feed, episode_guid, podcast_guid
from radiocast.fetch import Fetcher, fetch_bytes, remote_size
from radiocast.files import move_into_place, write_atomic
from radiocast.models import Article, Channel, Episode, EpisodeState, FetchSettings, PodcastConfig
from radiocast.seeds import ARTICLE_SUFFIXES, is_seed, read_article
from radiocast.tagging import EpisodeTags, write_tags
from radiocast.validate import Problem, validate_feed
from radiocast.workspace import Workspace

log = logging.getLogger(__name__)

SLUG_MAX_LENGTH = 100


class Outcome(StrEnum):
    PUBLISHED = "published"
    UNCHANGED = "unchanged"
    RETAGGED = "retagged"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeResult:
    seed: str
    outcome: Outcome
    slug: str | None = None
    title: str | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishReport:
    results: tuple[EpisodeResult, ...]
    feed_path: Path
    episodes_in_feed: int

    @property
    def failed(self) -> tuple[EpisodeResult, ...]:
        return tuple(r for r in self.results if r.outcome is Outcome.FAILED)


class Progress(Protocol):
    """What the pipeline tells its caller as it goes (the CLI draws it)."""

    def started(self, seed: str, title: str) -> None: ...
    def transferred(self, seed: str, done: int, total: int | None) -> None: ...
    def finished(self, result: EpisodeResult) -> None: ...


class _Silent:
    def started(self, seed: str, title: str) -> None:
        pass

    def transferred(self, seed: str, done: int, total: int | None) -> None:
        pass

    def finished(self, result: EpisodeResult) -> None:
        pass


class _Action(StrEnum):
    FETCH = "fetch"
    REFRESH = "refresh"
    RETAG = "retag"
    NONE = "none"


@dataclass(frozen=True, slots=True)
class _Job:
    article: Article
    episode: Episode
    action: _Action
    tags: EpisodeTags
    digest: str


def publish(
    root: Path,
    seeds: Sequence[Path] | None = None,
    *,
    base_url: str | None = None,
    jobs: int = 4,
    refresh: bool = False,
    lock_wait_s: float = 0,
    progress: Progress | None = None,
) -> PublishReport:
    """Publish *seeds* (default: every seed in the workspace) and rebuild the feed.

    Configuration problems raise before anything changes; each episode's failure is
    recorded and reported, and the others are still published.
    """
    ws = Workspace(root)
    config = load_config(ws.config_path)
    if base_url is not None:
        config = with_base_url(config, base_url)
    seed_paths = _seed_paths(ws, seeds)
    cover_path = ws.root / config.image
    if not cover_path.is_file():
        raise ConfigError(
            f"{ws.config_path}: podcast.image {config.image} does not exist",
            hint="put a square 3000x3000 JPEG there (radiocast init makes a default one)",
        )
    cover_jpeg = cover_thumbnail(cover_path)
    report = progress or _Silent()
    with workspace_lock(ws.lock_path, wait_s=lock_wait_s), Catalog(ws.catalog_path) as catalog:
        channel = Channel(
            config=config, podcast_guid=catalog.set_meta_once("podcast_guid", podcast_guid(config.feed_url))
        )
        results: list[EpisodeResult] = []
        planned: list[_Job] = []
        claimed: dict[str, str] = {}
        for path in seed_paths:
            seed = _seed_name(ws, path)
            try:
                job = _plan(ws, catalog, channel, path, seed, claimed, cover_jpeg, refresh=refresh)
            except SeedError as e:
                catalog.record_seed_error(seed, str(e))
                result = EpisodeResult(seed=seed, outcome=Outcome.FAILED, error=str(e))
                report.finished(result)
                results.append(result)
                continue
            catalog.clear_seed_error(seed)
            planned.append(job)
        fetcher = Fetcher(config.fetch, user_agent=f"radiocast/{__version__}")
        with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="episode") as pool:
            for result in pool.map(lambda job: _run(ws, catalog, fetcher, job, report), planned):
                results.append(result)
        live = _sync_sizes(ws, catalog)
        feed = build_feed(channel, live)
        if not ws.feed_path.exists() or ws.feed_path.read_bytes() != feed:
            # Unchanged bytes keep the file's mtime, so clients' conditional GETs get 304.
            write_atomic(ws.feed_path, feed)
    return PublishReport(
        results=tuple(sorted(results, key=lambda r: r.seed)), feed_path=ws.feed_path, episodes_in_feed=len(live)
    )


def _seed_paths(ws: Workspace, seeds: Sequence[Path] | None) -> list[Path]:
    if seeds:
        missing = [str(p) for p in seeds if not p.is_file()]
        if missing:
            raise ConfigError(
                f"seed not found: {', '.join(missing)}", hint="give paths of seed files, e.g. seeds/*.txt"
            )
        return sorted(seeds, key=lambda p: p.as_posix())
    if not ws.seeds_dir.is_dir():
        raise ConfigError(f"{ws.seeds_dir} does not exist", hint="run `radiocast init` or create it")
    return sorted((p for p in ws.seeds_dir.iterdir() if is_seed(p)), key=lambda p: p.name)


def _seed_name(ws: Workspace, path: Path) -> str:
    return ws.relative(path)


def _plan(
    ws: Workspace,
    catalog: Catalog,
    channel: Channel,
    path: Path,
    seed: str,
    claimed: dict[str, str],
    cover_jpeg: bytes,
    *,
    refresh: bool,
) -> _Job:
    if path.suffix.lower() not in ARTICLE_SUFFIXES:
        raise SeedError(f"{seed}: unsupported seed type {path.suffix!r}", hint="seeds are article texts (*.txt)")
    config = channel.config
    article = read_article(path, seed=seed, tz=config.tz)
    guid = episode_guid(channel.podcast_guid, article.audio_url)
    if guid in claimed:
        raise SeedError(
            f"{seed}: links the same audio as {claimed[guid]} ({article.audio_url})",
            hint="remove one of the two seeds",
        )
    claimed[guid] = seed
    for stale in catalog.episodes_of_seed(seed):
        if stale.guid != guid and stale.live_since is None:
            # The seed's audio URL was corrected before it ever went live: start afresh.
            catalog.remove_unreleased(stale.guid)
    episode = catalog.episode(guid)
    if episode is None:
        slug = _unique_slug(catalog, article)
        episode = Episode(
            guid=guid,
            slug=slug,
            seed=seed,
            title=article.title,
            published=article.published,
            source_url=article.audio_url,
            enclosure_url=f"{config.base_url}audio/{slug}.mp3",
            summary=article.lead,
            body=article.paragraphs,
            author=article.author,
        )
        catalog.add(episode)
    else:
        episode = catalog.update(
            guid, seed=seed, title=article.title, summary=article.lead, body=article.paragraphs, author=article.author
        )
    tags = _tags(channel, episode, cover_jpeg)
    digest = _digest(tags)
    final = ws.root / episode.audio_path
    if episode.live_since is None or not final.is_file():
        action = _Action.FETCH
    elif refresh:
        action = _Action.REFRESH
    elif episode.tags_digest != digest:
        action = _Action.RETAG
    else:
        action = _Action.NONE
    return _Job(article=article, episode=episode, action=action, tags=tags, digest=digest)


def _unique_slug(catalog: Catalog, article: Article) -> str:
    base = slugify(article.title, max_length=SLUG_MAX_LENGTH, word_boundary=True) or (
        f"episode-{article.published:%Y-%m-%d}"
    )
    slug, n = base, 1
    while catalog.slug_taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _tags(channel: Channel, episode: Episode, cover_jpeg: bytes) -> EpisodeTags:
    config: PodcastConfig = channel.config
    return EpisodeTags(
        title=episode.title,
        artist=episode.author or config.author,
        album=config.title,
        date=episode.published,
        comment=episode.summary,
        source_url=episode.source_url,
        feed_url=config.feed_url,
        guid=episode.guid,
        copyright=config.copyright,
        cover_jpeg=cover_jpeg,
    )


def _digest(tags: EpisodeTags) -> str:
    fields = asdict(tags)
    cover = fields.pop("cover_jpeg")
    fields["cover"] = hashlib.sha256(cover).hexdigest() if cover else None
    return hashlib.sha256(json.dumps(fields, default=str, sort_keys=True).encode()).hexdigest()


def _run(ws: Workspace, catalog: Catalog, fetcher: Fetcher, job: _Job, report: Progress) -> EpisodeResult:
    episode = job.episode
    if job.action is _Action.NONE:
        result = _result(episode, Outcome.UNCHANGED)
        report.finished(result)
        return result
    report.started(episode.seed, episode.title)
    partial = ws.partial_dir / f"{episode.slug}.mp3"
    try:
        outcome = _work(ws, catalog, fetcher, job, partial, report)
    except EpisodeError as e:
        partial.unlink(missing_ok=True)
        message = f"{episode.seed}: {e}"
        catalog.update(episode.guid, state=EpisodeState.FAILED, error=message)
        log.debug("episode %s failed", episode.seed, exc_info=True)
        result = EpisodeResult(
            seed=episode.seed, outcome=Outcome.FAILED, slug=episode.slug, title=episode.title, error=message
        )
    else:
        result = _result(episode, outcome)
    report.finished(result)
    return result


def _work(ws: Workspace, catalog: Catalog, fetcher: Fetcher, job: _Job, partial: Path, report: Progress) -> Outcome:
    episode = job.episode
    final = ws.root / episode.audio_path
    outcome = Outcome.PUBLISHED
    if job.action is _Action.RETAG:
        shutil.copyfile(final, partial)
        outcome = Outcome.RETAGGED
    else:
        conditional = job.action is _Action.REFRESH
        fetched = fetcher.download(
            episode.source_url,
            partial,
            progress=_progress_for(report, episode.seed),
            etag=episode.etag if conditional else None,
            last_modified=episode.last_modified if conditional else None,
        )
        if fetched.not_modified:
            if episode.tags_digest == job.digest:
                catalog.update(episode.guid, state=EpisodeState.PUBLISHED, error=None)
                return Outcome.UNCHANGED
            shutil.copyfile(final, partial)
            outcome = Outcome.RETAGGED
        else:
            catalog.update(
                episode.guid,
                state=EpisodeState.FETCHED,
                sha256=fetched.sha256,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                error=None,
            )
    info = probe(partial)
    write_tags(partial, job.tags)
    catalog.update(episode.guid, state=EpisodeState.TAGGED, duration_ms=info.duration_ms)
    ws.audio_dir.mkdir(parents=True, exist_ok=True)
    move_into_place(partial, final)
    catalog.update(
        episode.guid,
        state=EpisodeState.PUBLISHED,
        error=None,
        size_bytes=final.stat().st_size,
        tags_digest=job.digest,
        live_since=episode.live_since or datetime.now(UTC),
    )
    return outcome


def _progress_for(report: Progress, seed: str) -> Callable[[int, int | None], None]:
    return lambda done, total: report.transferred(seed, done, total)


def _result(episode: Episode, outcome: Outcome) -> EpisodeResult:
    return EpisodeResult(seed=episode.seed, outcome=outcome, slug=episode.slug, title=episode.title)


def _sync_sizes(ws: Workspace, catalog: Catalog) -> list[Episode]:
    """Live episodes whose file is there, with sizes as on disk (enclosure length must match)."""
    live = []
    for episode in catalog.live_episodes():
        path = ws.root / episode.audio_path
        if not path.is_file():
            log.warning("%s is missing; left out of the feed until the next publish fetches it", episode.audio_path)
            continue
        size = path.stat().st_size
        if size != episode.size_bytes:
            episode = catalog.update(episode.guid, size_bytes=size)
        live.append(episode)
    return live


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusRow:
    seed: str
    state: str
    slug: str | None = None
    title: str | None = None
    date: datetime | None = None
    in_feed: bool = False
    duration_ms: int | None = None
    size_bytes: int | None = None
    error: str | None = None


def status(root: Path) -> list[StatusRow]:
    """One row per episode known to the catalog, plus seeds that could not be read."""
    ws = Workspace(root)
    if not ws.config_path.is_file():
        raise ConfigError(f"{ws.config_path}: not found", hint="run `radiocast init` or pass -C WORKSPACE")
    if not ws.catalog_path.is_file():
        return []
    with Catalog(ws.catalog_path) as catalog:
        rows = [
            StatusRow(
                seed=e.seed,
                state=e.state.value,
                slug=e.slug,
                title=e.title,
                date=e.published,
                in_feed=e.live_since is not None,
                duration_ms=e.duration_ms,
                size_bytes=e.size_bytes,
                error=e.error,
            )
            for e in catalog.episodes()
        ]
        rows += [StatusRow(seed=f.seed, state=EpisodeState.FAILED.value, error=f.error) for f in catalog.seed_errors()]
    return rows


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
                f"{ws.config_path}: not found", hint="run `radiocast init` or pass -C WORKSPACE, or give a FEED"
            )
        path: Path | None = ws.feed_path
    elif feed.startswith(("http://", "https://")):
        path = None
    else:
        path = Path(feed)
    if path is None:
        data = fetch_bytes(feed or "", settings)
    else:
        try:
            data = path.read_bytes()
        except OSError as e:
            raise ConfigError(
                f"cannot read the feed {path} ({e.strerror})", hint="run `radiocast publish` first"
            ) from e

    def enclosure_size(url: str) -> int | None:
        if config is not None and url.startswith(config.base_url):
            local = ws.root / url.removeprefix(config.base_url)
            return local.stat().st_size if local.is_file() else None
        if path is None:
            return remote_size(url, settings)
        return None

    return validate_feed(data, enclosure_size=enclosure_size)
