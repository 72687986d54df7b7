"""publish(): which stage runs for which episode, concurrency, and error collection."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, is_dataclass, replace
from dataclasses import fields as dataclass_fields
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from slugify import slugify

from radiocast import __version__, broadcast, schedule, search
from radiocast.archive import build_feeds, remove_stale
from radiocast.audio import configure_ffmpeg
from radiocast.catalog import Catalog, chapter_dict, workspace_lock
from radiocast.config import load_config, with_base_url
from radiocast.cover import check_cover
from radiocast.errors import ConfigError, EpisodeError, FeedError, RadiocastError, SeedError
from radiocast.feed import episode_guid, live_items, podcast_guid
from radiocast.fetch import Fetcher
from radiocast.i18n import _
from radiocast.models import (
    Broadcast,
    Channel,
    Chapter,
    Episode,
    EpisodeResult,
    EpisodeState,
    Kind,
    Outcome,
    PodcastConfig,
    Progress,
)
from radiocast.notify import Ping, announce
from radiocast.produce import Context, Source, build, retag
from radiocast.seeds import ARTICLE_SUFFIXES, MANIFEST_SUFFIXES, is_seed, read_article, read_manifest
from radiocast.site import build_site
from radiocast.thumbnails import cached_thumbnail
from radiocast.urls import public_url, redact_url
from radiocast.workspace import Workspace, audio_path

log = logging.getLogger(__name__)

SLUG_MAX_LENGTH = 100
RENDER_STAMP = "render.json"  # under .radiocast/: what the pages and feeds were last made from
# radiocast's own inputs to the pages: a changed template or stylesheet renders again, version or not.
_TEMPLATE_FILES = tuple(
    sorted(
        p
        for d in ("templates", "data")
        for p in (Path(__file__).parent / d).iterdir()
        if p.suffix in (".j2", ".xsl", ".json", ".css", ".js")
    )
)
THUMBNAIL_CACHE = "cache"  # under .radiocast/: the cover's thumbnails between runs
PAGE_COVER_PX = 288  # the cover on the programme's pages: sharp at 144 CSS px on 2x screens


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishReport:
    results: tuple[EpisodeResult, ...]
    feed_path: Path
    episodes_in_feed: int
    episodes_archived: int = 0  # live episodes past [feed] max_items, in feeds/archive/
    pings: tuple[Ping, ...] = ()  # the hubs told of a changed feed, and how each answered

    @property
    def failed(self) -> tuple[EpisodeResult, ...]:
        return tuple(r for r in self.results if r.outcome is Outcome.FAILED)


class _Silent:
    def started(self, seed: str, title: str) -> None:
        pass

    def transferred(self, seed: str, done: int, total: int | None) -> None:
        pass

    def finished(self, result: EpisodeResult) -> None:
        pass


class _Action(StrEnum):
    BUILD = "build"  # obtain the audio, process, tag, publish
    REFRESH = "refresh"  # ask the source again (conditional GET), build if it changed
    RETAG = "retag"  # metadata changed: re-tag the published MP3 and rewrite its sidecars
    NONE = "none"


@dataclass(frozen=True, slots=True)
class _Job:
    source: Source
    episode: Episode
    action: _Action
    digest: str


@dataclass(frozen=True, slots=True)
class _Plan:
    """What planning decided for one seed. Nothing of it is written until every seed is planned."""

    seed: str
    slot: tuple[Broadcast | None, Broadcast | None]  # the live slot as stored, and as the seed now says
    stale: tuple[str, ...]  # the seed's never-released rows that give way (GUIDs)
    new: bool  # the episode has no row yet
    changed: bool  # the episode differs from its row (a new one always does)
    job: _Job | None  # None: a programme still waiting for its live broadcast


def publish(
    root: Path,
    seeds: Sequence[Path] | None = None,
    *,
    base_url: str | None = None,
    jobs: int = 4,
    refresh: bool = False,
    narrate: bool | None = None,
    lock_wait_s: float = 0,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> PublishReport:
    """Publish *seeds* (default: every seed in the workspace) and rebuild the feed.

    Configuration problems raise before anything changes; each episode's failure is
    recorded and reported, and the others are still published. *now* (default: the real clock,
    time-zone-aware) decides which episodes are due: one dated later is made but held back.
    """
    now = schedule.clock(now)
    ws = Workspace(root)
    config = _settings(ws, base_url=base_url, narrate=narrate)
    seed_paths = _seed_paths(ws, seeds)
    inputs = _check_inputs(ws, config)
    with workspace_lock(ws.lock_path, wait_s=lock_wait_s), Catalog(ws.catalog_path) as catalog:
        ws.sweep()
        context = _context(ws, config, catalog, inputs, progress or _Silent(), now)
        results, planned = _plan_all(context, seed_paths, refresh=refresh, every_seed=not seeds)
        results += _run_all(context, planned, jobs)
        schedule.release_due(catalog, now)
        live = _sync_sizes(ws, catalog)
        feed_changed = _render(context, live, inputs.cover)
        pings = announce(ws.root, config, catalog, feed_changed=feed_changed)
    return PublishReport(
        results=tuple(sorted(results, key=lambda r: r.seed)),
        feed_path=ws.feed_path,
        episodes_in_feed=min(len(live), config.feed.max_items),
        episodes_archived=max(0, len(live) - config.feed.max_items),
        pings=tuple(pings),
    )


@dataclass(frozen=True, slots=True)
class _Inputs:
    """The workspace files every episode of a run uses: the cover and the jingles."""

    cover: Path
    intro: Path | None
    outro: Path | None


def _settings(ws: Workspace, *, base_url: str | None, narrate: bool | None) -> PodcastConfig:
    """podcast.toml with this run's overrides, and the ffmpeg it chooses."""
    config = load_config(ws.config_path)
    if base_url is not None:
        config = with_base_url(config, base_url)
    if narrate is not None:
        config = replace(config, audio=replace(config.audio, narrate=narrate))
    configure_ffmpeg(config.audio.ffmpeg, source=ws.config_path)
    return config


def _check_inputs(ws: Workspace, config: PodcastConfig) -> _Inputs:
    """The cover and the jingles podcast.toml names must exist: nothing starts without them."""
    cover = ws.root / config.image
    if not cover.is_file():
        raise ConfigError(
            _("{path}: podcast.image {image} does not exist").format(path=ws.config_path, image=config.image),
            hint=_("put a square 3000x3000 JPEG there (radiocast init makes a default one)"),
        )
    jingles = {}
    for name, jingle in (("intro", config.audio.intro), ("outro", config.audio.outro)):
        if jingle is not None and not (ws.root / jingle).is_file():
            raise ConfigError(
                _("{path}: audio.{name} {jingle} does not exist").format(path=ws.config_path, name=name, jingle=jingle),
                hint=_("fix the path or remove the key"),
            )
        jingles[name] = ws.root / jingle if jingle else None
    for problem in check_cover(cover):
        log.warning(problem)
    return _Inputs(cover=cover, intro=jingles["intro"], outro=jingles["outro"])


def _context(
    ws: Workspace, config: PodcastConfig, catalog: Catalog, inputs: _Inputs, progress: Progress, now: datetime
) -> Context:
    guid = catalog.set_meta_once("podcast_guid", podcast_guid(config.feed_url))
    return Context(
        ws=ws,
        channel=Channel(config=config, podcast_guid=guid),
        catalog=catalog,
        fetcher=Fetcher(config.fetch, user_agent=f"radiocast/{__version__}"),
        cover_jpeg=cached_thumbnail(inputs.cover, ws.state_dir / THUMBNAIL_CACHE),
        intro=inputs.intro,
        outro=inputs.outro,
        progress=progress,
        now=now,
    )


def _plan_all(
    context: Context, seed_paths: Sequence[Path], *, refresh: bool, every_seed: bool
) -> tuple[list[EpisodeResult], list[_Job]]:
    """A job per seed that has work; a seed that cannot be read is its result, failed, right away.

    Every seed is planned before the catalog changes: a seed that fails to plan leaves it as it was.
    """
    catalog = context.catalog
    results: list[EpisodeResult] = []
    plans: list[_Plan] = []
    claimed: dict[str, str] = {}
    slugs: set[str] = set()
    # A seed without unreleased rows has none when its turn comes: no per-seed query then.
    unreleased = catalog.unreleased_seeds()
    slots = {b.seed: b for b in catalog.broadcasts()}
    resolved_root = context.ws.root.resolve()
    seen = set()
    for path in seed_paths:
        seed = _relative(resolved_root, path)
        seen.add(seed)
        try:
            plans.append(
                _plan(context, path, seed, claimed, slugs, refresh=refresh, unreleased=unreleased, slots=slots)
            )
        except SeedError as e:
            result = EpisodeResult(seed=seed, outcome=Outcome.FAILED, error=str(e))
            context.progress.finished(result)
            results.append(result)
    for result in results:
        catalog.record_seed_error(result.seed, str(result.error))
    for plan in plans:
        catalog.clear_seed_error(plan.seed)
        broadcast.sync(catalog, plan.seed, *plan.slot)
        for guid in plan.stale:
            catalog.remove_unreleased(guid)
        if plan.job is not None and plan.new:
            catalog.add(plan.job.episode)
        elif plan.job is not None and plan.changed:
            catalog.save(plan.job.episode)
    if every_seed:
        # Every seed was read: a slot whose manifest is gone goes with it.
        for gone in slots.keys() - seen:
            catalog.drop_broadcast(gone)
    return results, [plan.job for plan in plans if plan.job is not None]


def _run_all(context: Context, planned: Sequence[_Job], jobs: int) -> list[EpisodeResult]:
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="episode")
    try:
        return list(pool.map(lambda job: _run(context, job), planned))
    except KeyboardInterrupt:
        # Stop the downloads under way at their next chunk (their .part files stay for
        # the next run to resume) instead of waiting for them to finish.
        context.cancelled.set()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _render(context: Context, live: list[Episode], cover: Path) -> bool:
    """Write the pages, the feed and its archive pages that changed; True when the feed did."""
    ws, channel, catalog, now = context.ws, context.channel, context.catalog, context.now
    on_air = broadcast.in_feed(catalog.broadcasts(), {e.guid for e in live}, now)
    statuses = [(b, broadcast.status_at(b, now).value) for b in on_air]
    thumbnail = cached_thumbnail(cover, ws.state_dir / THUMBNAIL_CACHE, size=PAGE_COVER_PX)
    stamp = ws.state_dir / RENDER_STAMP
    inputs = _render_inputs(channel, live, statuses, thumbnail)
    if not _render_needed(ws, stamp, inputs):
        # Nothing they are made from changed and every file is as written: the same bytes again.
        _update_search(ws, channel, live)
        return False
    outputs = build_site(channel, live, cover=thumbnail, live=statuses)
    feed_name = ws.relative(ws.feed_path)
    outputs[feed_name], archive_pages = build_feeds(channel, live, live_items(channel.config, on_air, now))
    outputs.update(archive_pages)
    written = set()
    # In path order: feeds/archive/ before the feeds/podcast.xml that links its pages.
    for relative, data in sorted(outputs.items()):
        path = ws.root / relative
        try:
            if not path.exists() or path.read_bytes() != data:
                # Unchanged bytes keep the file's mtime, so clients' conditional GETs get 304.
                ws.write(path, data)
                written.add(relative)
                log.debug("wrote %s", relative)
        except OSError as e:
            raise _write_error(ws, e, FeedError) from e
    remove_stale(ws, archive_pages)
    _update_search(ws, channel, live)
    _stamp_render(ws, stamp, inputs, outputs)
    return feed_name in written


def _update_search(ws: Workspace, channel: Channel, live: list[Episode]) -> None:
    try:
        search.update_index(ws, channel, live)
    except OSError as e:
        raise _write_error(ws, e, FeedError) from e


def _render_inputs(
    channel: Channel, live: Sequence[Episode], statuses: Sequence[tuple[Broadcast, str]], thumbnail: bytes | None
) -> str:
    """A digest of everything the pages and feeds are made from, radiocast's own files included."""
    digest = hashlib.sha256(repr((__version__, channel, statuses)).encode())
    digest.update(thumbnail or b"")
    for ep in live:
        digest.update(repr(ep).encode())
    for path in _TEMPLATE_FILES:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _render_needed(ws: Workspace, stamp: Path, inputs: str) -> bool:
    """True unless the last render had the same inputs and its files are still as it wrote them."""
    try:
        recorded = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    if not isinstance(recorded, dict) or recorded.get("inputs") != inputs:
        return True
    for relative, (size, mtime_ns) in recorded.get("files", {}).items():
        try:
            stat = (ws.root / relative).stat()
        except OSError:
            return True
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime_ns):
            return True
    return False


def _stamp_render(ws: Workspace, stamp: Path, inputs: str, outputs: Mapping[str, bytes]) -> None:
    files = {}
    for relative in outputs:
        stat = (ws.root / relative).stat()
        files[relative] = (stat.st_size, stat.st_mtime_ns)
    ws.write(stamp, json.dumps({"inputs": inputs, "files": files}, sort_keys=True).encode())


def _seed_paths(ws: Workspace, seeds: Sequence[Path] | None) -> list[Path]:
    if seeds:
        # A relative path is taken from the current directory, else from the workspace
        # (so `radiocast -C ws publish seeds/a.txt` works from anywhere).
        found = [p if p.is_file() or p.is_absolute() else ws.root / p for p in seeds]
        missing = [str(p) for p, f in zip(seeds, found, strict=True) if not f.is_file()]
        if missing:
            raise ConfigError(
                _("seed not found: {missing}").format(missing=", ".join(missing)),
                hint=_("give paths of seed files, e.g. seeds/*.txt"),
            )
        return sorted(found, key=lambda p: p.as_posix())
    if not ws.seeds_dir.is_dir():
        raise ConfigError(
            _("{path} does not exist").format(path=ws.seeds_dir), hint=_("run `radiocast init` or create it")
        )
    return sorted((p for p in ws.seeds_dir.iterdir() if is_seed(p)), key=lambda p: p.name)


def read_source(ws: Workspace, path: Path, seed: str, config: PodcastConfig) -> Source:
    """A seed of either format as the pipeline sees it."""
    suffix = path.suffix.lower()
    tz = config.tz
    if suffix in ARTICLE_SUFFIXES:
        article = read_article(path, seed=seed, tz=tz, require_audio=not config.audio.narrate)
        return Source(
            seed=seed,
            kind=Kind.ARTICLE,
            # An article with no MP3 to link (narrated) is identified by its seed.
            identity=public_url(article.audio_url) or f"article:{seed}",
            title=article.title,
            published=article.published,
            summary=article.lead,
            body=article.paragraphs,
            author=article.author,
            audio=article.audio_url,
            source_site=article.source_site,
        )
    if suffix in MANIFEST_SUFFIXES:
        recording = read_manifest(path, seed=seed, root=ws.root, tz=tz, topics=config.topics)
        return Source(
            seed=seed,
            kind=Kind.RECORDING,
            # The manifest is the episode: renaming the WAV or re-recording keeps the GUID.
            identity=f"manifest:{seed}",
            title=recording.title,
            published=recording.published,
            summary=recording.summary,
            audio=recording.audio,
            guid=recording.guid,
            source_site=urlsplit(recording.audio).hostname or "" if recording.is_remote else "",
            episode_number=recording.episode,
            season=recording.season,
            speakers=recording.speakers,
            chapters=recording.chapters,
            transcript=recording.transcript,
            live=recording.live,
        )
    raise SeedError(
        _("{seed}: unsupported seed type {suffix!r}").format(seed=seed, suffix=path.suffix),
        hint=_("seeds are article texts (*.txt) or manifests (*.toml)"),
    )


def _relative(resolved_root: Path, path: Path) -> str:
    """Workspace.relative with the root resolved once per run instead of once per seed."""
    try:
        return path.resolve().relative_to(resolved_root).as_posix()
    except ValueError:
        return str(path)


def _plan(
    context: Context,
    path: Path,
    seed: str,
    claimed: dict[str, str],
    slugs: set[str],
    *,
    refresh: bool,
    unreleased: frozenset[str] | None = None,
    slots: dict[str, Broadcast],
) -> _Plan:
    """What to do for one seed, read from the catalog without changing it; *slugs* gathers the new ones."""
    catalog, channel = context.catalog, context.channel
    config = channel.config
    source = read_source(context.ws, path, seed, config)
    # Before any catalog write: a seed whose files cannot be read leaves no row behind.
    digest = _digest(context, source)
    guid = source.guid or episode_guid(channel.podcast_guid, source.identity)
    if guid in claimed:
        if source.guid:
            raise SeedError(
                _("{seed}: has the same guid as {claimed} ({guid})").format(
                    seed=seed, claimed=claimed[guid], guid=guid
                ),
                hint=_("remove one of the two seeds"),
            )
        raise SeedError(
            _("{seed}: links the same audio as {claimed} ({audio})").format(
                seed=seed, claimed=claimed[guid], audio=redact_url(source.audio)
            ),
            hint=_("remove one of the two seeds"),
        )
    claimed[guid] = seed
    if source.guid and catalog.episode(guid) is None:
        _check_guid_kept(catalog, seed, guid)
    wanted = (
        Broadcast(seed=seed, guid=guid, title=source.title, summary=source.summary, slot=source.live)
        if source.live is not None
        else None
    )
    slot = (slots.get(seed), wanted)
    waiting = source.live is not None and not source.audio
    # The seed's audio URL was corrected (or taken back) before it ever went live: start afresh.
    stale = [
        old
        for old in (catalog.episodes_of_seed(seed) if unreleased is None or seed in unreleased else ())
        if (old.guid != guid or waiting) and old.live_since is None
    ]
    dropped = tuple(old.guid for old in stale)
    if waiting:
        return _Plan(seed=seed, slot=slot, stale=dropped, new=False, changed=False, job=None)
    stored = catalog.episode(guid)
    if stored is None:
        # A dropped row's slug is this seed's again; one given earlier in this run is not free.
        slug = _unique_slug(catalog, source.title, source.published, freed={old.slug for old in stale}, taken=slugs)
        slugs.add(slug)
        episode = _described(
            Episode(
                guid=guid,
                slug=slug,
                seed=seed,
                title=source.title,
                published=source.published,
                source_url=source.audio,
                enclosure_url=config.base_url + audio_path(slug),
            ),
            source,
            seed,
        )
    else:
        episode = _described(stored, source, seed)
        if stored.live_since is None:
            # Not yet released: its date still follows the seed (a schedule moved or brought forward).
            episode = replace(episode, published=source.published)
    final = context.ws.root / episode.audio_path
    made = episode.live_since is not None or schedule.is_held(episode)
    if not made or not final.is_file() or _local_audio_changed(context, source, episode):
        action = _Action.BUILD
    elif episode.machine_read and source.is_remote:
        # Narrated while the newspaper's MP3 was out of reach: try for the real one again.
        action = _Action.BUILD
    elif refresh and source.is_remote:
        action = _Action.REFRESH
    elif episode.tags_digest != digest:
        action = _Action.RETAG
    else:
        action = _Action.NONE
    job = _Job(source=source, episode=episode, action=action, digest=digest)
    # An unchanged seed costs no catalog write.
    return _Plan(seed=seed, slot=slot, stale=dropped, new=stored is None, changed=episode != stored, job=job)


def _check_guid_kept(catalog: Catalog, seed: str, guid: str) -> None:
    """A manifest's guid, once its episode is in the feed, is that episode's for good."""
    for live in catalog.episodes_of_seed(seed):
        if live.live_since is not None:
            raise SeedError(
                _("{seed}: guid {guid!r} differs from the published episode's {published!r}").format(
                    seed=seed, guid=guid, published=live.guid
                ),
                hint=_("a GUID never changes once published: put the old guid back"),
            )


def _described(episode: Episode, source: Source, seed: str) -> Episode:
    """*episode* as its seed now describes it: everything but its identity."""
    return replace(
        episode,
        seed=seed,
        source_url=source.audio,
        title=source.title,
        summary=source.summary,
        body=source.body,
        author=source.author,
        kind=source.kind,
        episode_number=source.episode_number,
        season=source.season,
        speakers=source.speakers,
        source_site=source.source_site,
    )


def _unique_slug(catalog: Catalog, title: str, published: datetime, *, freed: set[str], taken: set[str]) -> str:
    base = slugify(title, max_length=SLUG_MAX_LENGTH, word_boundary=True) or f"episode-{published:%Y-%m-%d}"
    slug, n = base, 1
    while slug in taken or (slug not in freed and catalog.slug_taken(slug)):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _digest(context: Context, source: Source) -> str:
    """Everything that goes into the MP3's tags and sidecars: a change means a re-tag."""
    config = context.channel.config
    # Neither the live slot nor the kept guid is in the tags: leaving them out keeps the digests
    # stored before they existed (identity is the catalog's).
    fields = {
        f.name: _as_dict(getattr(source, f.name)) for f in dataclass_fields(source) if f.name not in ("live", "guid")
    }
    fields["transcript_sha"] = (
        _file_sha256(context.ws.root, source.transcript, source.seed) if source.transcript else None
    )
    fields["channel"] = (config.title, config.author, config.feed_url, config.copyright, config.language)
    fields["cover"] = _sha256(context.cover_jpeg)
    return hashlib.sha256(json.dumps(fields, default=str, sort_keys=True).encode()).hexdigest()


def _as_dict(value: object) -> object:
    """What dataclasses.asdict makes of one field, as JSON writes it, without asdict's deep copy of
    every string (a third of an unchanged publish's planning). The digest must not change: it is
    compared with the one stored at the last publish."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, tuple | list) and any(is_dataclass(v) for v in value):
        return [_item_dict(v) for v in value]
    return value


def _item_dict(value: object) -> object:
    if isinstance(value, Chapter):
        return chapter_dict(value)  # as before chapters had questions, when this one has none
    return asdict(value) if is_dataclass(value) and not isinstance(value, type) else value


def _file_sha256(root: Path, path: Path, seed: str) -> str:
    try:
        return hashlib.sha256((root / path).read_bytes()).hexdigest()
    except OSError as e:
        raise SeedError(
            _("{seed}: cannot read {path}: {reason}").format(seed=seed, path=path.as_posix(), reason=e.strerror or e),
            hint=_("check that the file is readable, or remove the key from the manifest"),
        ) from e


@lru_cache(maxsize=4)
def _sha256(data: bytes) -> str:
    # The same cover bytes for every episode of a run: hashed once, not once per episode
    # (a bytes object caches its hash(), so the cache lookup itself is cheap).
    return hashlib.sha256(data).hexdigest()


def _local_audio_changed(context: Context, source: Source, episode: Episode) -> bool:
    return bool(source.audio) and not source.is_remote and episode.etag != context.local_fingerprint(source)


def _run(context: Context, job: _Job) -> EpisodeResult:
    episode, report = job.episode, context.progress
    if job.action is _Action.NONE:
        result = _result(episode, Outcome.UNCHANGED)
        report.finished(result)
        return result
    report.started(episode.seed, episode.title)
    try:
        if job.action is _Action.RETAG:
            outcome = retag(context, job.source, episode, digest=job.digest)
        else:
            outcome = build(context, job.source, episode, digest=job.digest, conditional=job.action is _Action.REFRESH)
    except (EpisodeError, OSError) as e:
        # An OSError: the workspace refused a write (a full disk, permissions, a file where a folder belongs).
        failure = _write_error(context.ws, e) if isinstance(e, OSError) else e
        message = failure if str(failure).startswith(f"{episode.seed}:") else f"{episode.seed}: {failure}"
        # As the catalog has it now: production may have recorded a download before failing.
        current = context.catalog.episode(episode.guid) or episode
        context.catalog.save(replace(current, state=EpisodeState.FAILED, error=str(message)))
        log.debug("episode %s failed", episode.seed, exc_info=True)
        result = EpisodeResult(
            seed=episode.seed, outcome=Outcome.FAILED, slug=episode.slug, title=episode.title, error=str(message)
        )
    else:
        result = _result(episode, outcome)
    report.finished(result)
    return result


def _write_error(ws: Workspace, error: OSError, kind: type[RadiocastError] = EpisodeError) -> RadiocastError:
    """One line naming the file that could not be written, and what to do about it."""
    name = error.filename2 if error.filename2 is not None else error.filename  # a copy's or rename's target
    path = Path(os.fsdecode(name)) if name is not None else None
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = _("free some space on the disk that holds the workspace, then publish again")
    elif error.errno == errno.EFBIG:
        hint = _("the file is over this system's file size limit: raise it (ulimit -f), then publish again")
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS) and path is not None:
        hint = _("make {folder} writable for the user running radiocast, then publish again").format(
            folder=ws.relative(path.parent)
        )
    else:
        hint = _("check the workspace's free space and permissions")
    return kind(
        _("cannot write {path}: {reason}").format(
            path=ws.relative(path) if path is not None else "", reason=error.strerror or error
        ),
        hint=hint,
    )


def _result(episode: Episode, outcome: Outcome) -> EpisodeResult:
    return EpisodeResult(seed=episode.seed, outcome=outcome, slug=episode.slug, title=episode.title)


def _sync_sizes(ws: Workspace, catalog: Catalog) -> list[Episode]:
    """Live episodes whose file is there, with sizes as on disk (enclosure length must match)."""
    live = []
    for episode in catalog.live_episodes():
        path = ws.root / episode.audio_path
        if not path.is_file():
            log.warning(_("%s is missing; left out of the feed until the next publish fetches it"), episode.audio_path)
            continue
        size = path.stat().st_size
        if size != episode.size_bytes:
            episode = catalog.save(replace(episode, size_bytes=size))
        live.append(episode)
    return live
