"""ID3 tags (mutagen): one fresh ID3v2.3 tag per episode, audio frames untouched."""

from __future__ import annotations

import errno
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mutagen import MutagenError, PaddingInfo
from mutagen.apev2 import delete as delete_apev2
from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    PCST,
    TALB,
    TCON,
    TCOP,
    TDES,
    TDRC,
    TGID,
    TIME,
    TIT2,
    TLAN,
    TPE1,
    TRCK,
    WFED,
    WOAS,
    CTOCFlags,
    Frame,
    ID3NoHeaderError,
    PictureType,
)
from mutagen.mp3 import MP3, BitrateMode, MPEGInfo

from radiocast.chapters import chapter_ends
from radiocast.errors import AudioError, EpisodeError, TagError
from radiocast.i18n import _
from radiocast.models import Chapter
from radiocast.text import block, one_line

log = logging.getLogger(__name__)

# Room left after the frames so that a later re-tag (a fixed title, a new
# comment) fits in place instead of rewriting the whole file.
TAG_PADDING = 4096
# An existing tag's spare room is kept up to this much; beyond it (say an old
# 300 KB cover) the tag shrinks back to TAG_PADDING.
_MAX_KEPT_PADDING = 32 * 1024

_UTF8 = 3  # converted to UTF-16 (encoding 1) by mutagen when saving v2.3
_LANGUAGE = re.compile(r"^[a-z]{3}$")
_JPEG = b"\xff\xd8\xff"  # SOI marker + the next marker's lead byte
# CHAP byte offsets: "unused, go by the times" (ID3v2 Chapter Frame Addendum 1.0).
_NO_OFFSET = 0xFFFFFFFF
# A full disk or a read-only folder: the pipeline reports these as a write the workspace refused.
_REFUSED = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EACCES, errno.EPERM, errno.EROFS})
TOC_ID = "toc"
TOC_TITLE = "Mục lục"


@dataclass(frozen=True, slots=True, kw_only=True)
class EpisodeTags:
    """What one episode's MP3 says about itself (FEED-SPEC §4.1)."""

    title: str
    artist: str  # the author / station
    album: str  # the podcast title
    date: datetime  # tz-aware, local time of the podcast
    comment: str  # the lead / short summary
    language: str = "vie"  # ISO 639-2
    genre: str = "Podcast"
    source_url: str | None = None  # WOAS
    feed_url: str | None = None  # WFED
    guid: str | None = None  # TGID
    description: str | None = None  # TDES
    copyright: str | None = None  # TCOP
    track: int | None = None  # TRCK (episode number)
    cover_jpeg: bytes | None = None  # APIC type 3 front cover, image/jpeg
    # On the published audio's timeline; written as CTOC + one CHAP each.
    chapters: tuple[Chapter, ...] = ()
    # The end of the last chapter; None: the MP3's own length (its Xing/Info header).
    duration_ms: int | None = None

    def __post_init__(self) -> None:
        if self.date.tzinfo is None or self.date.utcoffset() is None:
            raise ValueError(f"EpisodeTags.date must be timezone-aware, got {self.date!r}")
        if not _LANGUAGE.match(self.language):
            raise ValueError(f"EpisodeTags.language must be ISO 639-2 (e.g. 'vie'), got {self.language!r}")
        if self.track is not None and self.track < 0:
            raise ValueError(f"EpisodeTags.track must be >= 0, got {self.track}")
        if self.cover_jpeg is not None and not self.cover_jpeg.startswith(_JPEG):
            raise ValueError("EpisodeTags.cover_jpeg is not JPEG data")
        if self.duration_ms is not None and self.duration_ms <= 0:
            raise ValueError(f"EpisodeTags.duration_ms must be > 0, got {self.duration_ms}")


def write_tags(path: Path, tags: EpisodeTags) -> None:
    """Replace every tag of the MP3 at *path* with one ID3v2.3 tag built from *tags*.

    Only the tag regions change: the MPEG frames are kept byte for byte. The file is
    modified in place, so tag a staged copy before renaming it into place. A write that
    the disk or the folder refuses (full, read-only) is an OSError naming *path*.
    """
    length_ms = _check_mpeg(path)
    id3 = ID3()
    for frame in _frames(tags):
        id3.add(frame)
    if tags.chapters:
        for frame in _chapter_frames(path, tags.chapters, tags.duration_ms or length_ms):
            id3.add(frame)
    _convert_to_v23(id3, tags.date)
    try:
        # APEv2 (Winamp, foobar2000) carries its own copy of the old text;
        # mutagen finds it before or after an ID3v1 tag.
        delete_apev2(path)
        # A fresh ID3() replaces the old ID3v2 tag's whole region; v1=0 drops
        # ID3v1. Legacy CP1258/TCVN3 text in either never survives.
        id3.save(path, v2_version=3, v1=0, padding=_padding)
    except (MutagenError, OSError) as e:
        refused = e if isinstance(e, OSError) else e.__context__
        if isinstance(refused, OSError) and refused.errno in _REFUSED:
            # The disk or the folder refused the write (full, read-only): not a tagging problem.
            raise OSError(refused.errno, refused.strerror, str(path)) from e
        raise TagError(
            _("cannot write ID3 tags to {path} ({error})").format(path=path, error=e),
            hint=_("check that the file is writable"),
        ) from e
    log.debug("tagged %s", path)


def _check_mpeg(path: Path) -> int:
    """Refuse anything that is not MPEG audio (mutagen would happily tag a text file); return its length in ms."""
    try:
        with path.open("rb") as f:
            info = MPEGInfo(f)
    except (MutagenError, OSError) as e:
        raise TagError(
            _("{path} is not a readable MP3 ({error})").format(path=path, error=e),
            hint=_("check the downloaded or encoded audio"),
        ) from e
    length_s: float = info.length
    return round(length_s * 1000)


def _frames(tags: EpisodeTags) -> Iterator[Frame]:
    """Every frame of the tag; each group is its own generator so chapters can join as one more."""
    yield from _text_frames(tags)
    yield from _podcast_frames(tags)
    yield from _picture_frames(tags)


def _text_frames(tags: EpisodeTags) -> Iterator[Frame]:
    yield TIT2(encoding=_UTF8, text=block(tags.title))
    yield TPE1(encoding=_UTF8, text=block(tags.artist))
    yield TALB(encoding=_UTF8, text=block(tags.album))
    # Wall-clock time of the podcast's zone: ID3 dates carry no offset.
    yield TDRC(encoding=_UTF8, text=tags.date.strftime("%Y-%m-%dT%H:%M:%S"))
    yield TCON(encoding=_UTF8, text=block(tags.genre))
    yield COMM(encoding=_UTF8, lang=tags.language, desc="", text=block(tags.comment))
    yield TLAN(encoding=_UTF8, text=tags.language)
    if tags.track is not None:
        yield TRCK(encoding=_UTF8, text=str(tags.track))
    if tags.copyright:
        yield TCOP(encoding=_UTF8, text=block(tags.copyright))
    if tags.source_url:
        yield WOAS(url=tags.source_url)


def _podcast_frames(tags: EpisodeTags) -> Iterator[Frame]:
    """Apple's non-standard podcast frames (FEED-SPEC §4.1)."""
    yield PCST(value=0)
    if tags.guid:
        yield TGID(encoding=_UTF8, text=block(tags.guid))
    if tags.description:
        yield TDES(encoding=_UTF8, text=block(tags.description))
    if tags.feed_url:
        # A URL frame in mutagen: WFED(text=...) would silently store nothing.
        yield WFED(url=tags.feed_url)


def _picture_frames(tags: EpisodeTags) -> Iterator[Frame]:
    if tags.cover_jpeg:
        yield APIC(
            encoding=_UTF8,
            mime="image/jpeg",
            type=PictureType.COVER_FRONT,
            desc="",
            data=tags.cover_jpeg,
        )


def _chapter_frames(path: Path, chapters: tuple[Chapter, ...], duration_ms: int) -> Iterator[Frame]:
    """One CTOC listing the chapters in time order, then one CHAP per chapter (FEED-SPEC §4.3)."""
    try:
        timed = chapter_ends(chapters, duration_ms)
    except EpisodeError as e:
        raise TagError(f"{path}: {e.message}", hint=e.hint) from e
    ids = [f"ch{n}" for n in range(len(timed))]
    # mutagen stores frames by size, not by time: the CTOC's child list is what gives the order.
    yield CTOC(
        element_id=TOC_ID,
        flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
        child_element_ids=ids,
        sub_frames=[TIT2(encoding=_UTF8, text=TOC_TITLE)],
    )
    for element_id, (chapter, end_ms) in zip(ids, timed, strict=True):
        yield CHAP(
            element_id=element_id,
            start_time=chapter.start_ms,
            end_time=end_ms,
            start_offset=_NO_OFFSET,
            end_offset=_NO_OFFSET,
            sub_frames=[TIT2(encoding=_UTF8, text=one_line(chapter.title))],
        )


def _convert_to_v23(id3: ID3, date: datetime) -> None:
    """Turn v2.4-only frames (TDRC) into their v2.3 forms (TYER, TDAT, TIME)."""
    id3.update_to_v23()
    # mutagen drops TIME when the hour or the minute is 0 (an 08:00 broadcast
    # would lose its time): write it ourselves.
    id3.add(TIME(encoding=_UTF8, text=date.strftime("%H%M")))


def _padding(info: PaddingInfo) -> int:
    """Keep the old tag's size when the new one fits (an in-place write), else leave TAG_PADDING."""
    if 0 <= info.padding <= _MAX_KEPT_PADDING:
        return info.padding
    return TAG_PADDING


# --- reading: what the audio stage and the publish gate ask of an MP3 --------------------------

# Frames every episode must carry (FEED-SPEC §4.1): title, station, show, genre, cover.
REQUIRED_FRAMES = ("TIT2", "TPE1", "TALB", "TCON", "APIC")


@dataclass(frozen=True, slots=True, kw_only=True)
class Mp3Stream:
    """An MP3's stream as its headers say (no decoding)."""

    length_s: float  # extrapolated from the first frame when there is no Xing/Info header
    bitrate: int
    sample_rate: int
    channels: int
    vbr: bool
    has_info_header: bool


def read_stream(path: Path) -> Mp3Stream:
    """*path*'s MPEG stream; a file that is not MPEG audio is an AudioError."""
    try:
        mp3 = MP3(path)
    except (MutagenError, OSError) as e:
        raise AudioError(
            _("{path} is not a readable MP3 ({error})").format(path=path.name, error=e), hint=_("check the source file")
        ) from e
    info = mp3.info
    if info is None:
        raise AudioError(_("{path} has no MPEG audio stream").format(path=path.name), hint=_("check the source file"))
    return Mp3Stream(
        length_s=info.length,
        bitrate=int(info.bitrate),
        sample_rate=int(info.sample_rate),
        channels=int(info.channels),
        vbr=info.bitrate_mode in (BitrateMode.VBR, BitrateMode.ABR),
        has_info_header=bool(info.encoder_info) or info.bitrate_mode != BitrateMode.UNKNOWN,
    )


def tag_problems(path: Path, title: str) -> Iterator[str]:
    """What the publish gate finds wrong with *path*'s tags (FEED-SPEC §4), one message each."""
    try:
        tags = ID3(path)
    except ID3NoHeaderError:
        yield _("no ID3 tag")
        return
    except MutagenError as e:
        yield _("unreadable ID3 tag ({error})").format(error=e)
        return
    if tags.version[:2] != (2, 3):
        yield _("ID3v2.{minor}; players and car stereos read ID3v2.3").format(minor=tags.version[1])
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 128))
        if f.read(3) == b"TAG":
            yield _("carries an ID3v1 tag, which cannot hold Vietnamese")
    missing = [frame for frame in REQUIRED_FRAMES if not tags.getall(frame)]
    if missing:
        yield _("no {frames} frame").format(frames=", ".join(missing))
    stored = tags.getall("TIT2")
    if stored and str(stored[0]) != title:
        yield _("the title tag {tag!r} is not the feed's title {title!r}").format(tag=str(stored[0]), title=title)
    for frame in tags.values():
        encoding = getattr(frame, "encoding", None)
        if encoding is not None and encoding not in (0, 1) and tags.version[:2] == (2, 3):
            yield _("{frame} uses a text encoding ID3v2.3 does not have").format(frame=frame.FrameID)
        elif encoding == 0 and any(ord(ch) > 127 for ch in str(frame)):
            yield _("{frame} stores Vietnamese as Latin-1; it needs UTF-16").format(frame=frame.FrameID)
