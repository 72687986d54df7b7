"""One episode's production: obtain the audio, process, tag, write sidecars, publish atomically."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from radiocast.audio import process
from radiocast.catalog import Catalog
from radiocast.errors import AudioError, FetchError, SeedError
from radiocast.fetch import Fetcher
from radiocast.files import move_into_place
from radiocast.i18n import N_, _, for_listeners
from radiocast.models import Channel, Chapter, Episode, EpisodeState, Kind, LiveSlot, Outcome, Progress, Speaker
from radiocast.notes import MACHINE_READ_NOTE
from radiocast.sidecars import SidecarFile, aligned_cues, chapters_file, shifted, transcript_files
from radiocast.tagging import EpisodeTags, write_tags
from radiocast.text import clock
from radiocast.transcripts import Cue, parse_transcript_file
from radiocast.urls import public_url
from radiocast.workspace import Workspace

log = logging.getLogger(__name__)

# In the podcast's language (podcast.language), not the operator's: listeners read it.
INTRO_CHAPTER = N_("Introduction")


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """What a seed says an episode is, whatever the seed's format."""

    seed: str
    kind: Kind
    identity: str  # what the GUID is derived from
    guid: str | None = None  # an imported episode's GUID, kept as it was instead
    title: str
    published: datetime
    summary: str
    audio: str  # an http(s) URL, or a path relative to the workspace
    body: tuple[str, ...] = ()
    author: str | None = None
    source_site: str = ""
    episode_number: int | None = None
    season: int | None = None
    speakers: tuple[Speaker, ...] = ()
    chapters: tuple[Chapter, ...] = ()  # on the recording's own timeline
    transcript: Path | None = None
    live: LiveSlot | None = None  # a manifest's [live] slot: the feed's, never the MP3's

    @property
    def is_remote(self) -> bool:
        return self.audio.startswith(("http://", "https://"))


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """What every episode's production shares within one publish run."""

    ws: Workspace
    channel: Channel
    catalog: Catalog
    fetcher: Fetcher
    cover_jpeg: bytes
    intro: Path | None
    outro: Path | None
    progress: Progress
    cancelled: threading.Event = field(default_factory=threading.Event)
    # The run's clock: an episode dated after it is made but held out of the feed (schedule.py).
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    def local_fingerprint(self, source: Source) -> str:
        """Stands in for an ETag for a recording in the workspace: size, mtime, audio settings."""
        path = self.ws.root / source.audio
        try:
            stat = path.stat()
        except OSError:
            return "missing"
        a = self.channel.config.audio
        # Only what changes the published audio: toggling narration must not re-encode recordings.
        settings = (a.loudness, a.true_peak, a.bitrate, a.channels, a.sample_rate, a.normalize_mp3)
        jingles = [(p.name, p.stat().st_mtime_ns) for p in (self.intro, self.outro) if p is not None]
        return f"{stat.st_size}:{stat.st_mtime_ns}:{settings!r}:{jingles!r}"


def build(context: Context, source: Source, episode: Episode, *, digest: str, conditional: bool) -> Outcome:
    """Obtain the audio, process it, tag it, write its sidecars and publish it."""
    ws, catalog, settings = context.ws, context.catalog, context.channel.config.audio
    staged = ws.staging_dir / f"{episode.slug}.mp3"
    origin: Path | None = None
    cues: list[Cue] | str | None = None
    outcome = Outcome.PUBLISHED
    try:
        if source.is_remote:
            origin = ws.partial_dir / f"{episode.slug}.source{_suffix(source.audio)}"
            try:
                result = context.fetcher.download(
                    source.audio,
                    origin,
                    progress=_progress_for(context, episode.seed),
                    etag=episode.etag if conditional else None,
                    last_modified=episode.last_modified if conditional else None,
                    any_audio=source.kind is Kind.RECORDING,
                )
            except FetchError as e:
                if not (settings.narrate and source.kind is Kind.ARTICLE):
                    raise
                if episode.machine_read and (ws.root / episode.audio_path).is_file():
                    log.info(_("{seed}: {error}; keeping the narrated episode").format(seed=episode.seed, error=e))
                    if episode.tags_digest != digest:
                        return retag(context, source, episode, digest=digest)
                    return Outcome.UNCHANGED
                log.warning(
                    _("{seed}: {error}; reading the article with the machine voice instead").format(
                        seed=episode.seed, error=e.message
                    )
                )
                origin = None
            else:
                if result.not_modified:
                    if episode.tags_digest == digest:
                        catalog.save(replace(episode, state=EpisodeState.PUBLISHED, error=None))
                        return Outcome.UNCHANGED
                    return retag(context, source, episode, digest=digest)
                episode = catalog.save(
                    replace(
                        episode,
                        state=EpisodeState.FETCHED,
                        sha256=result.sha256,
                        etag=result.etag,
                        last_modified=result.last_modified,
                    )
                )
        elif source.audio:
            origin = ws.root / source.audio
            if not origin.is_file():
                raise AudioError(
                    _("audio file {audio} not found").format(audio=source.audio),
                    hint=_("check audio = … in the manifest"),
                )
            episode = catalog.save(replace(episode, etag=context.local_fingerprint(source)))
        if origin is None:
            origin = ws.staging_dir / f"{episode.slug}.narration.wav"
            # Here, not at the top: narration imports numpy and eSpeak NG's bindings, which only a
            # narrated article needs.
            from radiocast.speech import narrate

            cues = narrate([source.title, source.summary, *source.body], origin, voice=settings.voice)
            log.debug("%s: narrated into %s", episode.seed, ws.relative(origin))
            outcome = Outcome.NARRATED
        processed = process(origin, staged, settings, intro=context.intro, outro=context.outro)
        if cues is None:
            cues = _cues(context, source, origin, processed.offset_ms)
        elif not isinstance(cues, str):
            cues = shifted(cues, processed.offset_ms)
        _finish(
            context,
            source,
            episode,
            staged,
            cues,
            processed.duration_ms,
            processed.offset_ms,
            digest,
            machine_read=outcome is Outcome.NARRATED,
        )
    finally:
        staged.unlink(missing_ok=True)
        # A finished download or narration is not kept: the published MP3 is what counts now.
        if origin is not None and origin.parent in (ws.partial_dir, ws.staging_dir):
            origin.unlink(missing_ok=True)
    return outcome


def retag(context: Context, source: Source, episode: Episode, *, digest: str) -> Outcome:
    """The metadata changed: re-tag the published MP3 (no download) and rewrite its sidecars."""
    final = context.ws.root / episode.audio_path
    staged = context.ws.staging_dir / f"{episode.slug}.mp3"
    staged.parent.mkdir(parents=True, exist_ok=True)
    try:
        shutil.copyfile(final, staged)
        duration_ms = episode.duration_ms or 0
        # The published audio already carries any intro: align on it as it is.
        cues = _cues(context, source, staged, episode.offset_ms, published=True)
        _finish(
            context,
            source,
            episode,
            staged,
            cues,
            duration_ms,
            episode.offset_ms,
            digest,
            machine_read=episode.machine_read,
        )
    finally:
        staged.unlink(missing_ok=True)
    return Outcome.RETAGGED


def _finish(
    context: Context,
    source: Source,
    episode: Episode,
    staged: Path,
    cues: list[Cue] | str | None,
    duration_ms: int,
    offset_ms: int,
    digest: str,
    *,
    machine_read: bool,
) -> Episode:
    ws, catalog, config = context.ws, context.catalog, context.channel.config
    chapters = _published_chapters(source, offset_ms, duration_ms, language=config.language)
    write_tags(staged, _tags(context, source, episode, chapters, duration_ms, machine_read=machine_read))
    episode = catalog.save(replace(episode, state=EpisodeState.TAGGED, duration_ms=duration_ms))
    files = _transcripts(source, episode.slug, cues, language=config.language)
    chapter_file = chapters_file(episode.slug, source.title, config.title, chapters, duration_ms=duration_ms)
    for item in [*files, *([chapter_file] if chapter_file else [])]:
        ws.write(ws.root / item.sidecar.path, item.data)
    ws.audio_dir.mkdir(parents=True, exist_ok=True)
    final = ws.root / episode.audio_path
    move_into_place(staged, final)
    kept = {f.sidecar.path for f in files} | ({chapter_file.sidecar.path} if chapter_file else set())
    for old in [*episode.transcripts, *([episode.chapters_file] if episode.chapters_file else [])]:
        if old.path not in kept:
            (ws.root / old.path).unlink(missing_ok=True)
    return catalog.save(
        replace(
            episode,
            state=EpisodeState.PUBLISHED,
            error=None,
            size_bytes=final.stat().st_size,
            duration_ms=duration_ms,
            offset_ms=offset_ms,
            chapters=chapters,
            transcripts=tuple(f.sidecar for f in files),
            chapters_file=chapter_file.sidecar if chapter_file else None,
            tags_digest=digest,
            machine_read=machine_read,
            live_since=episode.live_since
            or (context.now.astimezone(UTC) if episode.published <= context.now else None),
        )
    )


def _published_chapters(source: Source, offset_ms: int, duration_ms: int, *, language: str) -> tuple[Chapter, ...]:
    """The manifest's chapters moved onto the published audio; one past its end is an error."""
    chapters = []
    for i, chapter in enumerate(source.chapters, start=1):
        start = chapter.start_ms + offset_ms
        if start >= duration_ms:
            raise SeedError(
                _("{seed}: chapters[{i}].start {start} is past the end of the audio ({end})").format(
                    seed=source.seed, i=i, start=clock(chapter.start_ms), end=clock(duration_ms - offset_ms)
                ),
                hint=_("fix the chapter's start time or the audio file"),
            )
        chapters.append(replace(chapter, start_ms=start))
    if chapters and offset_ms > 0:
        # The jingle before the first question: a chapter of its own lets listeners skip it,
        # and Spotify reads chapter timestamps only when the first is at 00:00.
        chapters.insert(0, Chapter(start_ms=0, title=for_listeners(language, INTRO_CHAPTER)))
    return tuple(chapters)


def _cues(
    context: Context, source: Source, audio: Path, offset_ms: int, *, published: bool = False
) -> list[Cue] | str | None:
    """Timed cues (or plain text) for the transcript, on the published audio's timeline."""
    if source.transcript is not None:
        found = parse_transcript_file(context.ws.root / source.transcript)
        return found if isinstance(found, str) else shifted(found, offset_ms)
    if source.kind is Kind.ARTICLE:
        # The newspaper's machine voice reads the title, the lead and the body.
        cues = aligned_cues(audio, [source.title, source.summary, *source.body])
        return cues if published else shifted(cues, offset_ms)
    return None


def _transcripts(source: Source, slug: str, cues: list[Cue] | str | None, *, language: str) -> list[SidecarFile]:
    if isinstance(cues, str):
        paragraphs = [p.strip() for p in cues.split("\n\n") if p.strip()]
        return transcript_files(slug, source.title, paragraphs, None, language=language)
    if source.kind is Kind.ARTICLE:
        return transcript_files(slug, source.title, [source.summary, *source.body], cues, language=language)
    if cues:
        return transcript_files(slug, source.title, [c.text for c in cues], cues, language=language)
    return []


def _tags(
    context: Context,
    source: Source,
    episode: Episode,
    chapters: tuple[Chapter, ...],
    duration_ms: int,
    *,
    machine_read: bool,
) -> EpisodeTags:
    config = context.channel.config
    return EpisodeTags(
        title=source.title,
        artist=source.author or config.author,
        album=config.title,
        date=episode.published,
        comment=f"{MACHINE_READ_NOTE} {source.summary}".strip() if machine_read else source.summary,
        source_url=public_url(source.audio) if source.is_remote else None,
        feed_url=config.feed_url,
        guid=episode.guid,
        copyright=config.copyright,
        track=source.episode_number,
        cover_jpeg=context.cover_jpeg,
        chapters=chapters,
        duration_ms=duration_ms or None,
    )


def _suffix(url: str) -> str:
    suffix = PurePosixPath(urlsplit(url).path).suffix.lower()
    return suffix if suffix in (".mp3", ".wav", ".m4a", ".mp4", ".aac", ".flac", ".ogg", ".opus") else ".audio"


def _progress_for(context: Context, seed: str) -> Callable[[int, int | None], None]:
    def report(done: int, total: int | None) -> None:
        if context.cancelled.is_set():
            raise KeyboardInterrupt
        context.progress.transferred(seed, done, total)

    return report
