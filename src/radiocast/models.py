"""Plain data passed between the stages; no I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from radiocast.workspace import INDEX_PAGE, audio_path


@dataclass(frozen=True, slots=True, kw_only=True)
class Category:
    """An Apple Podcasts category, with an optional subcategory."""

    name: str
    sub: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioSettings:
    loudness: float = -16.0
    true_peak: float = -1.0
    bitrate: str = "64k"
    channels: int = 1
    sample_rate: int = 44100
    intro: Path | None = None
    outro: Path | None = None
    normalize_mp3: bool = False
    # Read articles whose MP3 can't be fetched (or that link none) with eSpeak NG.
    narrate: bool = False
    voice: str = "vi-vn-x-south"
    # Which ffmpeg: a path, "system" (the one on PATH) or "bundled"; None: the bundled one.
    ffmpeg: str | None = None


# Never fetched from unless [fetch] refuse says otherwise: link-local addresses (where the cloud
# metadata services that hand out credentials answer) and those services' other addresses and names.
REFUSED_NETWORKS: tuple[IPv4Network | IPv6Network, ...] = tuple(
    ip_network(n) for n in ("169.254.0.0/16", "fe80::/10", "fd00:ec2::254/128", "100.100.100.200/32")
)
REFUSED_HOSTS: tuple[str, ...] = ("metadata.google.internal", "metadata.goog", "metadata", "instance-data")


@dataclass(frozen=True, slots=True, kw_only=True)
class FetchSettings:
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 60.0
    retries: int = 5
    max_size_mb: int = 1024
    # A whole feed download (validate URL), however the server trickles it.
    feed_deadline_s: float = 120.0
    refuse_networks: tuple[IPv4Network | IPv6Network, ...] = REFUSED_NETWORKS
    refuse_hosts: tuple[str, ...] = REFUSED_HOSTS  # lower case; a name refuses its subdomains too


PUBNOTIFY_URL = "https://api.podcastindex.org/api/1.0/hub/pubnotify"

# What the citizens ask about, as the district's reports group it: a chapter's question names one.
DEFAULT_TOPICS: tuple[str, ...] = (
    "đất đai",
    "thủ tục hành chính",
    "giao thông",
    "an sinh xã hội",
    "nước sạch",
    "nông nghiệp",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifySettings:
    """Whom to tell when the feed changes: WebSub hubs, and Podcast Index's pubnotify."""

    hubs: tuple[str, ...] = ()
    podcast_index: bool = False
    podcast_index_url: str = PUBNOTIFY_URL


# Apple lists at most this many episodes of a feed (FEED-SPEC §1.4): the main feed's default size.
APPLE_LISTING_LIMIT = 300


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedSettings:
    """[feed]: the main feed keeps the newest *max_items* episodes; older ones go to archive pages."""

    max_items: int = APPLE_LISTING_LIMIT


@dataclass(frozen=True, slots=True, kw_only=True)
class PodcastConfig:
    """The channel's metadata and settings, from podcast.toml."""

    title: str
    description: str
    author: str
    owner_name: str
    owner_email: str
    base_url: str
    image: Path
    categories: tuple[Category, ...]
    explicit: bool = False
    language: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    link: str | None = None
    copyright: str | None = None
    # podcast:updateFrequency: an RFC 5545 rrule (None: no tag) and the text apps show.
    update_frequency: str | None = "FREQ=MONTHLY"
    update_frequency_text: str = "Hằng tháng"
    # podcast:location rel="creator": where the programme is made, and its ISO 3166-1 country.
    location: str | None = None
    country: str | None = None
    # Where the feed has moved (itunes:new-feed-url), while the old URL also answers 301 there.
    new_feed_url: str | None = None
    # The controlled list a chapter's question topic is checked against (podcast.topics).
    topics: tuple[str, ...] = DEFAULT_TOPICS
    audio: AudioSettings = field(default_factory=AudioSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    notify: NotifySettings = field(default_factory=NotifySettings)
    feed: FeedSettings = field(default_factory=FeedSettings)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def feed_url(self) -> str:
        return f"{self.base_url}feeds/podcast.xml"

    @property
    def image_url(self) -> str:
        return self.base_url + self.image.as_posix()

    @property
    def site_url(self) -> str:
        """The programme's web page: `link`, else the page radiocast publishes."""
        return self.link or f"{self.base_url}{INDEX_PAGE}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Article:
    """A newspaper article whose linked MP3 is one episode."""

    seed: str
    title: str
    published: datetime
    audio_url: str
    lead: str
    paragraphs: tuple[str, ...]
    captions: tuple[str, ...] = ()
    author: str | None = None
    source_site: str = ""


class Role(StrEnum):
    HOST = "host"
    GUEST = "guest"


@dataclass(frozen=True, slots=True, kw_only=True)
class Speaker:
    name: str
    role: Role = Role.GUEST
    office: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Chapter:
    start_ms: int
    title: str
    question: Question | None = None  # the citizen's question this chapter answers, when it is one


@dataclass(frozen=True, slots=True, kw_only=True)
class Question:
    """Who asked a chapter's question, from where, on what, and who answered it (all optional)."""

    asker: str | None = None
    commune: str | None = None
    topic: str | None = None  # one of podcast.toml's topics
    answered_by: str | None = None  # a speaker's name in the same manifest


class Kind(StrEnum):
    ARTICLE = "article"  # a newspaper article's machine-read MP3
    RECORDING = "recording"  # the station's own recording, from a manifest


@dataclass(frozen=True, slots=True, kw_only=True)
class Sidecar:
    """A published file beside the MP3 (transcript or chapters), relative to the workspace."""

    path: str
    mime: str
    rel: str | None = None  # "captions" for timed transcripts


class EpisodeState(StrEnum):
    PENDING = "pending"
    FETCHED = "fetched"
    TAGGED = "tagged"
    PUBLISHED = "published"
    FAILED = "failed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Episode:
    """One catalog row: identity (fixed at first publish) plus current state."""

    guid: str
    slug: str
    seed: str
    title: str
    published: datetime
    source_url: str
    enclosure_url: str
    summary: str = ""
    body: tuple[str, ...] = ()
    author: str | None = None
    state: EpisodeState = EpisodeState.PENDING
    error: str | None = None
    size_bytes: int | None = None
    duration_ms: int | None = None
    sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    # When the episode first went into the feed; None until then. Identity rows
    # that never went live may still be replaced (e.g. after a fixed audio URL).
    live_since: datetime | None = None
    # Digest of the metadata last written into the MP3's tags: a change re-tags.
    tags_digest: str | None = None
    kind: Kind = Kind.ARTICLE
    episode_number: int | None = None
    season: int | None = None
    speakers: tuple[Speaker, ...] = ()
    # On the published audio's timeline (already shifted by an intro).
    chapters: tuple[Chapter, ...] = ()
    transcripts: tuple[Sidecar, ...] = ()
    chapters_file: Sidecar | None = None
    source_site: str = ""  # the newspaper's host, for an article
    machine_read: bool = False  # narrated by radiocast from the article text
    offset_ms: int = 0  # how far an intro moved the recording's own t=0 in the published audio

    @property
    def audio_path(self) -> str:
        """The MP3's path relative to the workspace root."""
        return audio_path(self.slug)


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    """What the feed needs beyond the config: identity frozen in the catalog."""

    config: PodcastConfig
    podcast_guid: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveSlot:
    """A manifest's [live] table: when the station airs the programme, and its stream."""

    start: datetime
    end: datetime
    stream: str  # the station's http(s) stream
    stream_type: str = "audio/mpeg"


@dataclass(frozen=True, slots=True, kw_only=True)
class Broadcast:
    """A live slot as the catalog keeps it: whose it is and the GUID its recording gets."""

    seed: str
    guid: str
    title: str
    summary: str
    slot: LiveSlot


@dataclass(frozen=True, slots=True, kw_only=True)
class Recording:
    """A station recording described by an episode manifest (seeds/*.toml)."""

    seed: str
    title: str
    published: datetime
    audio: str  # an http(s) URL, or a path relative to the workspace; "" before a live broadcast
    guid: str | None = None  # kept verbatim from the feed it was imported from; None: derived
    summary: str = ""
    episode: int | None = None
    season: int | None = None
    transcript: Path | None = None  # relative to the workspace
    speakers: tuple[Speaker, ...] = ()
    chapters: tuple[Chapter, ...] = ()
    live: LiveSlot | None = None

    @property
    def is_remote(self) -> bool:
        return self.audio.startswith(("http://", "https://"))


# --- what a publish reports, shared by the pipeline, its stages and the CLI ----------------------


class Outcome(StrEnum):
    PUBLISHED = "published"
    NARRATED = "narrated"
    UNCHANGED = "unchanged"
    RETAGGED = "retagged"
    FAILED = "failed"


class Progress(Protocol):
    """What the pipeline tells its caller as it goes (the CLI draws it)."""

    def started(self, seed: str, title: str) -> None: ...
    def transferred(self, seed: str, done: int, total: int | None) -> None: ...
    def finished(self, result: EpisodeResult) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeResult:
    seed: str
    outcome: Outcome
    slug: str | None = None
    title: str | None = None
    error: str | None = None
