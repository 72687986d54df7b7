"""podcast.toml → PodcastConfig, validated: an unknown key or a wrong type names itself and the file."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import replace
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from radiocast.errors import ConfigError
from radiocast.i18n import N_, _
from radiocast.languages import is_language_code
from radiocast.models import (
    PUBNOTIFY_URL,
    AudioSettings,
    Category,
    FeedSettings,
    FetchSettings,
    NotifySettings,
    PodcastConfig,
)
from radiocast.text import one_line
from radiocast.urls import is_loopback

# Apple's current list (podcasters.apple.com/support/1691); FEED-SPEC.md §1.2.
APPLE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "Arts": ("Books", "Design", "Fashion & Beauty", "Food", "Performing Arts", "Visual Arts"),
    "Business": ("Careers", "Entrepreneurship", "Investing", "Management", "Marketing", "Non-Profit"),
    "Comedy": ("Comedy Interviews", "Improv", "Stand-Up"),
    "Education": ("Courses", "How To", "Language Learning", "Self-Improvement"),
    "Fiction": ("Comedy Fiction", "Drama", "Science Fiction"),
    "Government": (),
    "History": (),
    "Health & Fitness": ("Alternative Health", "Fitness", "Medicine", "Mental Health", "Nutrition", "Sexuality"),
    "Kids & Family": ("Education for Kids", "Parenting", "Pets & Animals", "Stories for Kids"),
    "Leisure": (
        "Animation & Manga",
        "Automotive",
        "Aviation",
        "Crafts",
        "Games",
        "Hobbies",
        "Home & Garden",
        "Video Games",
    ),
    "Music": ("Music Commentary", "Music History", "Music Interviews"),
    "News": (
        "Business News",
        "Daily News",
        "Entertainment News",
        "News Commentary",
        "Politics",
        "Sports News",
        "Tech News",
    ),
    "Religion & Spirituality": ("Buddhism", "Christianity", "Hinduism", "Islam", "Judaism", "Religion", "Spirituality"),
    "Science": (
        "Astronomy",
        "Chemistry",
        "Earth Sciences",
        "Life Sciences",
        "Mathematics",
        "Natural Sciences",
        "Nature",
        "Physics",
        "Social Sciences",
    ),
    "Society & Culture": ("Documentary", "Personal Journals", "Philosophy", "Places & Travel", "Relationships"),
    "Sports": (
        "Baseball",
        "Basketball",
        "Cricket",
        "Fantasy Sports",
        "Football",
        "Golf",
        "Hockey",
        "Rugby",
        "Running",
        "Soccer",
        "Swimming",
        "Tennis",
        "Volleyball",
        "Wilderness",
        "Wrestling",
    ),
    "Technology": (),
    "True Crime": (),
    "TV & Film": ("After Shows", "Film History", "Film Interviews", "Film Reviews", "TV Reviews"),
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_BITRATE = re.compile(r"^\d{2,3}k$")
_BASE_URL = re.compile(r"^https?://[^/\s]+(/\S*)?/$")

_PODCAST_KEYS: dict[str, type | tuple[type, ...]] = {
    "title": str,
    "description": str,
    "language": str,
    "author": str,
    "owner_name": str,
    "owner_email": str,
    "base_url": str,
    "image": str,
    "categories": list,
    "explicit": bool,
    "timezone": str,
    "link": str,
    "copyright": str,
    "update_frequency": str,
    "update_frequency_text": str,
    "location": str,
    "country": str,
    "new_feed_url": str,
    "topics": list,
}
_REQUIRED = ("title", "description", "author", "owner_name", "owner_email", "base_url", "image", "categories")
_AUDIO_KEYS: dict[str, type | tuple[type, ...]] = {
    "loudness": (int, float),
    "true_peak": (int, float),
    "bitrate": str,
    "channels": int,
    "sample_rate": int,
    "intro": str,
    "outro": str,
    "normalize_mp3": bool,
    "narrate": bool,
    "voice": str,
    "ffmpeg": str,
}
_FETCH_KEYS: dict[str, type | tuple[type, ...]] = {
    "connect_timeout": (int, float),
    "read_timeout": (int, float),
    "retries": int,
    "max_size_mb": int,
    "feed_deadline": (int, float),
    "refuse": list,
}
_NOTIFY_KEYS: dict[str, type | tuple[type, ...]] = {
    "hubs": list,
    "podcast_index": bool,
    "podcast_index_url": str,
}
_FEED_KEYS: dict[str, type | tuple[type, ...]] = {"max_items": int}
# A DNS name in fetch.refuse, once IDNA-encoded (labels of letters, digits, "-" and "_").
_HOST_NAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*")


def load_config(path: Path) -> PodcastConfig:
    """Read and validate *path* (a podcast.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as e:
        raise ConfigError(
            _("{path}: not found").format(path=path), hint=_("run `radiocast init` or pass -C WORKSPACE")
        ) from e
    except OSError as e:
        raise ConfigError(
            _("{path}: cannot read it ({reason})").format(path=path, reason=e.strerror or e),
            hint=_("podcast.toml must be a readable file in the workspace"),
        ) from e
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(
            _("{path}: not valid TOML ({error})").format(path=path, error=e), hint=_("fix the syntax")
        ) from e
    return parse_config(data, source=path)


def parse_config(data: dict[str, Any], *, source: Path) -> PodcastConfig:
    _check_keys(data, {"podcast": dict, "audio": dict, "fetch": dict, "notify": dict, "feed": dict}, "", source)
    podcast = data.get("podcast")
    if podcast is None:
        raise ConfigError(
            _("{source}: missing the [podcast] table").format(source=source), hint=_("see README: podcast.toml")
        )
    _check_keys(podcast, _PODCAST_KEYS, "podcast.", source)
    for key in _REQUIRED:
        value = podcast.get(key)
        # A text of only spaces or invisible characters is as missing as none.
        if value is None or value == [] or (isinstance(value, str) and not one_line(value)):
            raise ConfigError(
                _("{source}: podcast.{key} is required").format(source=source, key=key),
                hint=_("add it under [podcast]"),
            )
    text = {k: _text(v) for k, v in podcast.items() if isinstance(v, str)}
    base_url = text["base_url"]
    if not _BASE_URL.match(base_url):
        raise ConfigError(
            _("{source}: podcast.base_url = {base_url!r} must be an http(s) URL ending with '/'").format(
                source=source, base_url=base_url
            ),
            hint=_('e.g. base_url = "https://radio.example.vn/podcast/"'),
        )
    if not _EMAIL.match(text["owner_email"]):
        raise ConfigError(
            _("{source}: podcast.owner_email = {owner_email!r} is not an e-mail address").format(
                source=source, owner_email=text["owner_email"]
            )
        )
    language = text.get("language", "vi")
    if not is_language_code(language):
        raise ConfigError(
            _(
                "{source}: podcast.language = {language!r} is not an ISO 639-1 code (two letters, then an optional region)"
            ).format(source=source, language=language),
            hint=_('use "vi"'),
        )
    timezone = text.get("timezone", "Asia/Ho_Chi_Minh")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigError(
            _("{source}: podcast.timezone = {timezone!r} is not a known time zone").format(
                source=source, timezone=timezone
            ),
            hint=_('use "Asia/Ho_Chi_Minh"'),
        ) from e
    config = PodcastConfig(
        title=text["title"],
        description=text["description"],
        author=text["author"],
        owner_name=text["owner_name"],
        owner_email=text["owner_email"],
        base_url=base_url,
        image=_workspace_path(text["image"], "podcast.image", source),
        categories=parse_categories(podcast["categories"], source),
        explicit=podcast.get("explicit", False),
        language=language,
        timezone=timezone,
        link=text.get("link"),
        copyright=text.get("copyright"),
    )
    rrule, freq_text = _update_frequency(text, source)
    location, country = _location(text, source)
    config = replace(
        config, update_frequency=rrule, update_frequency_text=freq_text, location=location, country=country
    )
    if "topics" in podcast:
        config = replace(config, topics=_topics(podcast["topics"], source))
    if "new_feed_url" in text:
        config = replace(config, new_feed_url=_new_feed_url(text["new_feed_url"], config.feed_url, source))
    if "audio" in data:
        config = replace(config, audio=_parse_audio(data["audio"], source))
    if "fetch" in data:
        config = replace(config, fetch=_parse_fetch(data["fetch"], source))
    if "notify" in data:
        config = replace(config, notify=_parse_notify(data["notify"], source))
    if "feed" in data:
        config = replace(config, feed=_parse_feed(data["feed"], source))
    return config


def _new_feed_url(value: str, feed_url: str, source: Path) -> str:
    """podcast.new_feed_url: where this feed moved to, an http(s) URL other than the feed's own."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or value == feed_url:
        raise ConfigError(
            _("{source}: podcast.new_feed_url = {value!r} is not the URL of another feed").format(
                source=source, value=value
            ),
            hint=_('e.g. new_feed_url = "https://new-host.example.vn/podcast/feeds/podcast.xml"'),
        )
    return value


def _parse_feed(table: dict[str, Any], source: Path) -> FeedSettings:
    _check_keys(table, _FEED_KEYS, "feed.", source)
    settings = replace(FeedSettings(), **table)
    if settings.max_items < 1:
        raise ConfigError(
            _("{source}: feed.max_items = {value} must be a positive number of episodes").format(
                source=source, value=settings.max_items
            ),
            hint=_("use 300 (Apple lists at most 300 episodes of a feed)"),
        )
    return settings


def _topics(value: list[Any], source: Path) -> tuple[str, ...]:
    """podcast.topics: distinct one-line texts, NFC (an empty list allows no topic at all)."""
    topics: list[str] = []
    for item in value:
        topic = one_line(_text(item)) if isinstance(item, str) else ""
        if not topic or topic.casefold() in (t.casefold() for t in topics):
            raise ConfigError(
                _("{source}: podcast.topics entry {item!r} is empty, not a string or listed twice").format(
                    source=source, item=item
                ),
                hint=_('e.g. topics = ["đất đai", "thủ tục hành chính", "giao thông"]'),
            )
        topics.append(topic)
    return tuple(topics)


def _parse_notify(table: dict[str, Any], source: Path) -> NotifySettings:
    _check_keys(table, _NOTIFY_KEYS, "notify.", source)
    hubs = table.get("hubs", [])
    for hub in hubs:
        _notify_url(hub, "notify.hubs", source)
    url = table.get("podcast_index_url", PUBNOTIFY_URL)
    _notify_url(url, "notify.podcast_index_url", source)
    return NotifySettings(
        hubs=tuple(dict.fromkeys(hubs)), podcast_index=table.get("podcast_index", False), podcast_index_url=url
    )


def _notify_url(value: object, key: str, source: Path) -> None:
    """Pings go out over https; plain http only to this computer (a test hub)."""
    parts = urlsplit(value) if isinstance(value, str) else None
    loopback = parts is not None and parts.scheme == "http" and is_loopback(parts.hostname or "")
    if parts is None or not parts.netloc or (parts.scheme != "https" and not loopback):
        raise ConfigError(
            _("{source}: {key} = {value!r} is not an https URL").format(source=source, key=key, value=value),
            hint=_('e.g. hubs = ["https://pubsubhubbub.appspot.com/"]'),
        )


# podcast.update_frequency's names: the rrule and the text in the feed (Vietnamese, as the channel).
UPDATE_FREQUENCIES: dict[str, tuple[str, str]] = {
    "daily": ("FREQ=DAILY", "Hằng ngày"),
    "weekly": ("FREQ=WEEKLY", "Hằng tuần"),
    "biweekly": ("FREQ=WEEKLY;INTERVAL=2", "Hai tuần một lần"),
    "monthly": ("FREQ=MONTHLY", "Hằng tháng"),
    "bimonthly": ("FREQ=MONTHLY;INTERVAL=2", "Hai tháng một lần"),
    "yearly": ("FREQ=YEARLY", "Hằng năm"),
}
_RRULE = re.compile(r"^(?:[A-Z]+=[A-Za-z0-9,+:-]+)(?:;[A-Z]+=[A-Za-z0-9,+:-]+)*$")
_FREQ = re.compile(r"(?:^|;)FREQ=(?:SECONDLY|MINUTELY|HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)(?:;|$)")


def _update_frequency(text: dict[str, str], source: Path) -> tuple[str | None, str]:
    """podcast.update_frequency (a name or an RFC 5545 rrule; "" for none) → (rrule, text)."""
    value = text.get("update_frequency", "monthly")
    label = one_line(text.get("update_frequency_text", ""))
    if not value:
        return None, label
    if value.lower() in UPDATE_FREQUENCIES:
        rrule, default = UPDATE_FREQUENCIES[value.lower()]
        return rrule, label or default
    if not _RRULE.match(value) or not _FREQ.search(value) or "COUNT=" in value:
        raise ConfigError(
            _("{source}: podcast.update_frequency = {value!r} is not a frequency").format(source=source, value=value),
            hint=_('use one of {names}, an RFC 5545 rule such as "FREQ=MONTHLY;BYDAY=-1SA" (no COUNT), or ""').format(
                names=", ".join(UPDATE_FREQUENCIES)
            ),
        )
    if not label:
        raise ConfigError(
            _("{source}: podcast.update_frequency_text is required with a rule of your own").format(source=source),
            hint=_('say it in words, e.g. update_frequency_text = "Thứ Bảy cuối tháng"'),
        )
    return value, label


def _location(text: dict[str, str], source: Path) -> tuple[str | None, str | None]:
    location, country = text.get("location") or None, text.get("country")
    if country is None:
        return location, None
    if location is None:
        raise ConfigError(
            _("{source}: podcast.country needs podcast.location").format(source=source),
            hint=_('name the place too, e.g. location = "Lai Vung, Đồng Tháp"'),
        )
    if not _COUNTRY.fullmatch(country):
        raise ConfigError(
            _("{source}: podcast.country = {country!r} is not an ISO 3166-1 two-letter code").format(
                source=source, country=country
            ),
            hint=_('e.g. country = "VN"'),
        )
    return location, country.upper()


def parse_categories(value: list[Any], source: Path) -> tuple[Category, ...]:
    """Parse Apple categories written as "Top" or "Top/Sub"."""
    categories = []
    for item in value:
        if not isinstance(item, str):
            raise ConfigError(
                _("{source}: podcast.categories must be a list of strings, got {item!r}").format(
                    source=source, item=item
                )
            )
        name, _slash, sub = (part.strip() for part in item.partition("/"))
        if name not in APPLE_CATEGORIES:
            raise ConfigError(
                _("{source}: podcast.categories: {name!r} is not an Apple Podcasts category").format(
                    source=source, name=name
                ),
                hint=_("use one of: {choices}").format(choices=", ".join(APPLE_CATEGORIES)),
            )
        if sub and sub not in APPLE_CATEGORIES[name]:
            allowed = ", ".join(APPLE_CATEGORIES[name]) or _("none")
            raise ConfigError(
                _("{source}: podcast.categories: {sub!r} is not a subcategory of {name!r}").format(
                    source=source, sub=sub, name=name
                ),
                hint=_("its subcategories: {allowed}").format(allowed=allowed),
            )
        categories.append(Category(name=name, sub=sub or None))
    return tuple(categories)


def with_base_url(config: PodcastConfig, base_url: str) -> PodcastConfig:
    """Override base_url (the --base-url flag), validated like the file's value."""
    if not _BASE_URL.match(base_url):
        raise ConfigError(
            _("--base-url {base_url!r} must be an http(s) URL ending with '/'").format(base_url=base_url),
            hint=_("try {url}").format(url=base_url.rstrip("/") + "/"),
        )
    return replace(config, base_url=base_url)


def _parse_audio(table: dict[str, Any], source: Path) -> AudioSettings:
    _check_keys(table, _AUDIO_KEYS, "audio.", source)
    settings = AudioSettings()
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("intro", "outro"):
            values[key] = _workspace_path(value, f"audio.{key}", source)
        elif key in ("loudness", "true_peak"):
            values[key] = float(value)
        elif key == "ffmpeg" and value.strip() not in ("system", "bundled"):
            if not value.strip():
                raise ConfigError(
                    _("{source}: audio.ffmpeg is empty").format(source=source),
                    hint=_('give a path to ffmpeg, "system" or "bundled", or remove the key'),
                )
            # Relative to the workspace, like every other path in the file.
            values[key] = str(source.parent / Path(value.strip()).expanduser())
        else:
            values[key] = value
    settings = replace(settings, **values)
    if not -70 <= settings.loudness <= -5:
        raise ConfigError(
            _("{source}: audio.loudness = {loudness} is out of range").format(
                source=source, loudness=settings.loudness
            ),
            hint=_("use -16.0 (LUFS)"),
        )
    if not -20 <= settings.true_peak <= 0:
        raise ConfigError(
            _("{source}: audio.true_peak = {true_peak} is out of range").format(
                source=source, true_peak=settings.true_peak
            ),
            hint=_("use -1.0 (dBTP)"),
        )
    if not _BITRATE.match(settings.bitrate):
        raise ConfigError(
            _("{source}: audio.bitrate = {bitrate!r} is not a bitrate").format(source=source, bitrate=settings.bitrate),
            hint=_('use "64k"'),
        )
    if settings.channels not in (1, 2):
        raise ConfigError(
            _("{source}: audio.channels = {channels} must be 1 or 2").format(source=source, channels=settings.channels)
        )
    if settings.sample_rate not in (22050, 32000, 44100, 48000):
        raise ConfigError(
            _("{source}: audio.sample_rate = {sample_rate} is not supported").format(
                source=source, sample_rate=settings.sample_rate
            ),
            hint=_("use 44100"),
        )
    return settings


def _parse_fetch(table: dict[str, Any], source: Path) -> FetchSettings:
    _check_keys(table, _FETCH_KEYS, "fetch.", source)
    names = {
        "connect_timeout": "connect_timeout_s",
        "read_timeout": "read_timeout_s",
        "feed_deadline": "feed_deadline_s",
    }
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "refuse":
            values["refuse_networks"], values["refuse_hosts"] = _parse_refuse(value, source)
            continue
        if (value <= 0 and key != "retries") or value < 0:
            raise ConfigError(
                _("{source}: fetch.{key} = {value} must be positive").format(source=source, key=key, value=value)
            )
        values[names.get(key, key)] = value
    return replace(FetchSettings(), **values)


def _parse_refuse(entries: list[Any], source: Path) -> tuple[tuple[IPv4Network | IPv6Network, ...], tuple[str, ...]]:
    """fetch.refuse → (networks, host names); each entry is an address, a network (CIDR) or a DNS name."""
    networks: list[IPv4Network | IPv6Network] = []
    hosts: list[str] = []
    for entry in entries:
        text = entry.strip().lower().rstrip(".") if isinstance(entry, str) else ""
        try:
            networks.append(ip_network(text, strict=False))
            continue
        except ValueError:
            pass
        try:
            name = text.encode("idna").decode("ascii")
        except UnicodeError:
            name = ""
        if not _HOST_NAME.fullmatch(name):
            raise ConfigError(
                _("{source}: fetch.refuse entry {entry!r} is not an IP address, a network or a host name").format(
                    source=source, entry=entry
                ),
                hint=_('e.g. "169.254.0.0/16", "fd00:ec2::254" or "metadata.google.internal"'),
            )
        hosts.append(name)
    return tuple(networks), tuple(hosts)


def _check_keys(table: dict[str, Any], schema: dict[str, type | tuple[type, ...]], prefix: str, source: Path) -> None:
    for key, value in table.items():
        if key not in schema:
            valid = ", ".join(prefix + k for k in schema)
            raise ConfigError(
                _("{source}: unknown key {prefix}{key}").format(source=source, prefix=prefix, key=key),
                hint=_("valid keys: {valid}").format(valid=valid),
            )
        expected = schema[key]
        # bool is an int in Python; TOML's true is not a number here.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            names = expected if isinstance(expected, tuple) else (expected,)
            kinds = [_(_TOML_TYPE[t]) for t in names]
            want = (
                kinds[0]
                if len(kinds) == 1
                else _("{first} or {last}").format(first=", ".join(kinds[:-1]), last=kinds[-1])
            )
            raise ConfigError(
                _("{source}: {prefix}{key} must be {want}, got {value!r}").format(
                    source=source, prefix=prefix, key=key, want=want, value=value
                )
            )


# Translated where they are shown (the language is chosen after import).
_TOML_TYPE = {
    str: N_("a string"),
    int: N_("an integer"),
    float: N_("a number"),
    bool: N_("true or false"),
    list: N_("a list"),
    dict: N_("a table"),
}


def _text(value: str) -> str:
    return unicodedata.normalize("NFC", value.strip())


def _workspace_path(value: str, key: str, source: Path) -> Path:
    path = Path(value)
    if path.is_absolute() or ".." in path.parts:
        raise ConfigError(
            _("{source}: {key} = {value!r} must be a path inside the workspace").format(
                source=source, key=key, value=value
            ),
            hint=_('e.g. "audio/cover.jpg"'),
        )
    return path
