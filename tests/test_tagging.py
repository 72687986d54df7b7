"""write_tags: read back with mutagen (and ffmpeg) what a player sees; audio bytes untouched."""

from __future__ import annotations

import io
import re
import subprocess
import unicodedata
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from mutagen.apev2 import APEv2
from mutagen.id3 import APIC, ID3, TIT2, TPE1, CTOCFlags, Encoding, PictureType
from mutagen.mp3 import MP3
from PIL import Image

from radiocast.audio import ffmpeg_path
from radiocast.errors import TagError
from radiocast.models import Chapter
from radiocast.tagging import TAG_PADDING, EpisodeTags, write_tags

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = "Kỳ 86: Tháo gỡ vướng mắc về đất đai ở xã Tân Thành"
PODCAST = "Chính quyền đối thoại với Nhân dân qua sóng phát thanh"
STATION = "Đài Truyền thanh huyện Lai Vung"
LEAD = "Sáng 25/12, lãnh đạo huyện trả lời trực tiếp phản ánh của người dân."
FEED = "http://127.0.0.1:8000/feeds/podcast.xml"
SOURCE = "https://baodongthap.example.vn/audio/ky-86.mp3"


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (14, 47, 77)).save(buf, "JPEG")
    return buf.getvalue()


def _tags(**changes: object) -> EpisodeTags:
    tags = EpisodeTags(
        title=TITLE,
        artist=STATION,
        album=PODCAST,
        date=datetime(2021, 12, 25, 8, 0, tzinfo=TZ),
        comment=LEAD,
        source_url=SOURCE,
        feed_url=FEED,
        guid="radiocast:8f2c:2021-12-25-ky-86",
        description="Chương trình phát thanh trực tiếp: đất đai, thủ tục hành chính.",
        copyright=STATION,
        track=86,
        cover_jpeg=_jpeg(),
    )
    return replace(tags, **changes)


def _id3v2_end(data: bytes) -> int:
    """Where the audio starts: after the ID3v2 header, its syncsafe size and any footer."""
    if data[:3] != b"ID3":
        return 0
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    return 10 + size + (10 if data[5] & 0x10 else 0)


def _text(id3: ID3, frame_id: str) -> str:
    return str(id3.getall(frame_id)[0])


def test_frames_read_back_as_id3v23_with_vietnamese_intact(sample_mp3: Path) -> None:
    write_tags(sample_mp3, _tags())

    id3 = ID3(sample_mp3, translate=False)  # as stored, not upgraded to v2.4
    assert id3.version == (2, 3, 0)
    assert sample_mp3.read_bytes()[:5] == b"ID3\x03\x00"
    assert _text(id3, "TIT2") == TITLE
    assert _text(id3, "TPE1") == STATION
    assert _text(id3, "TALB") == PODCAST
    assert _text(id3, "TCON") == "Podcast"
    assert _text(id3, "TLAN") == "vie"
    assert _text(id3, "TRCK") == "86"
    assert _text(id3, "TCOP") == STATION
    assert _text(id3, "TGID") == "radiocast:8f2c:2021-12-25-ky-86"
    assert _text(id3, "TDES") == "Chương trình phát thanh trực tiếp: đất đai, thủ tục hành chính."
    (comm,) = id3.getall("COMM")
    assert (comm.lang, comm.desc, str(comm)) == ("vie", "", LEAD)
    assert id3.getall("WFED")[0].url == FEED
    assert id3.getall("WOAS")[0].url == SOURCE
    assert id3.getall("PCST")[0].value == 0
    (apic,) = id3.getall("APIC")
    assert (apic.mime, apic.type, apic.data) == (
        "image/jpeg",
        PictureType.COVER_FRONT,
        _jpeg(),
    )
    # v2.3 knows only Latin-1 and UTF-16: every text frame must be UTF-16.
    for frame in id3.values():
        if hasattr(frame, "encoding"):
            assert frame.encoding == Encoding.UTF16, frame.FrameID


def test_date_is_written_as_v23_frames(sample_mp3: Path) -> None:
    write_tags(sample_mp3, _tags(date=datetime(2021, 12, 25, 19, 45, tzinfo=TZ)))

    id3 = ID3(sample_mp3, translate=False)
    assert "TDRC" not in id3  # v2.4-only: id3lib-based readers and old Windows choke on it
    assert (_text(id3, "TYER"), _text(id3, "TDAT"), _text(id3, "TIME")) == (
        "2021",
        "2512",
        "1945",
    )


@pytest.mark.parametrize(("hour", "minute", "expected"), [(8, 0, "0800"), (0, 30, "0030"), (0, 0, "0000")])
def test_time_survives_a_zero_hour_or_minute(sample_mp3: Path, hour: int, minute: int, expected: str) -> None:
    # mutagen's update_to_v23 drops TIME when hour or minute is 0.
    write_tags(sample_mp3, _tags(date=datetime(2022, 1, 5, hour, minute, tzinfo=TZ)))

    id3 = ID3(sample_mp3, translate=False)
    assert (_text(id3, "TDAT"), _text(id3, "TIME")) == ("0501", expected)


def test_ffmpeg_reads_the_vietnamese_tags(sample_mp3: Path) -> None:
    write_tags(sample_mp3, _tags())

    proc = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(sample_mp3)],
        capture_output=True,
        check=False,
    )
    metadata = dict(re.findall(r"^\s{4}(\w+)\s*: (.*)$", proc.stderr.decode("utf-8"), re.MULTILINE))
    assert metadata["title"] == TITLE
    assert metadata["artist"] == STATION
    assert metadata["album"] == PODCAST
    assert metadata["comment"] == LEAD
    assert metadata["genre"] == "Podcast"
    assert metadata["date"] == "2021-12-25 08:00"


def test_strings_are_nfc(sample_mp3: Path) -> None:
    decomposed = unicodedata.normalize("NFD", TITLE)
    assert decomposed != TITLE

    write_tags(sample_mp3, _tags(title=decomposed, comment=unicodedata.normalize("NFD", LEAD)))

    id3 = ID3(sample_mp3, translate=False)
    assert _text(id3, "TIT2") == TITLE
    assert str(id3.getall("COMM")[0]) == LEAD


def test_no_id3v1_tag(sample_mp3: Path) -> None:
    write_tags(sample_mp3, _tags())

    assert not sample_mp3.read_bytes()[-128:].startswith(b"TAG")


def test_retag_is_an_in_place_write(sample_mp3: Path) -> None:
    write_tags(sample_mp3, _tags())
    first = sample_mp3.read_bytes()
    tag_size = _id3v2_end(first)

    write_tags(sample_mp3, _tags())
    assert sample_mp3.read_bytes() == first
    # A fixed title a few bytes longer still fits in the padding: nothing moves.
    write_tags(sample_mp3, _tags(title=TITLE + " (cập nhật)"))
    again = sample_mp3.read_bytes()
    assert len(again) == len(first)
    assert _id3v2_end(again) == tag_size
    assert again[tag_size:] == first[tag_size:]
    assert _text(ID3(sample_mp3), "TIT2") == TITLE + " (cập nhật)"


@pytest.mark.parametrize("ape_last", [False, True], ids=["ape-then-id3v1", "id3v1-then-ape"])
def test_only_the_tag_regions_change_and_legacy_tags_are_gone(sample_mp3: Path, ape_last: bool) -> None:
    pristine = sample_mp3.read_bytes()  # ffmpeg's own ID3v2.4 tag, then the MPEG frames
    audio = pristine[_id3v2_end(pristine) :]
    # What a station's file may bring: a v2.4 tag with CP1258 bytes read as
    # Latin-1 and a big picture, an ID3v1 tag, an APEv2 tag full of junk.
    old = ID3(sample_mp3)
    old.add(TIT2(encoding=Encoding.LATIN1, text="LEGACY Ch\xedmh quy\xd2n \xf0\xe8i tho\xb9i"))
    old.add(TPE1(encoding=Encoding.LATIN1, text="LEGACY-ARTIST"))
    old.add(
        APIC(
            encoding=0,
            mime="image/jpeg",
            type=3,
            desc="",
            data=b"\xff\xd8\xff" + b"LEGACY-PICTURE" * 4000,
        )
    )
    ape = APEv2()
    ape["Title"] = "JUNK-APE-TITLE"
    ape["Comment"] = "JUNK-APE " * 60
    # Whichever is written last ends the file.
    if ape_last:
        old.save(sample_mp3, v2_version=4, v1=2)
        ape.save(sample_mp3)
    else:
        ape.save(sample_mp3)
        old.save(sample_mp3, v2_version=4, v1=2)
    junked = sample_mp3.read_bytes()
    start = _id3v2_end(junked)
    assert junked[3:5] == b"\x04\x00"  # ID3v2.4
    assert junked[start : start + len(audio)] == audio
    trailer = junked[start + len(audio) :]
    assert trailer.startswith(b"TAG" if ape_last else b"APETAGEX")
    assert b"APETAGEX" in trailer[-32:] if ape_last else trailer[-128:].startswith(b"TAG")

    write_tags(sample_mp3, _tags())

    tagged = sample_mp3.read_bytes()
    end = _id3v2_end(tagged)
    assert tagged[end:] == audio  # byte-identical, and nothing after it
    assert end < 2 * TAG_PADDING  # the old 56 KB picture's room was given back
    for junk in (b"LEGACY", b"JUNK-APE", b"APETAGEX"):
        assert junk not in tagged
    assert _text(ID3(sample_mp3), "TIT2") == TITLE


def test_a_file_without_any_tag(sample_mp3: Path) -> None:
    data = sample_mp3.read_bytes()
    audio = data[_id3v2_end(data) :]
    sample_mp3.write_bytes(audio)

    write_tags(
        sample_mp3,
        _tags(cover_jpeg=None, track=None, guid=None, feed_url=None, source_url=None),
    )

    tagged = sample_mp3.read_bytes()
    assert tagged[_id3v2_end(tagged) :] == audio
    id3 = ID3(sample_mp3, translate=False)
    assert _text(id3, "TIT2") == TITLE
    for absent in ("APIC", "TRCK", "TGID", "WFED", "WOAS"):
        assert absent not in id3


def test_a_non_mp3_file_is_a_tag_error(tmp_path: Path) -> None:
    text = tmp_path / "not-audio.mp3"
    text.write_text("<html>404 Không tìm thấy</html>\n" * 200, encoding="utf-8")

    with pytest.raises(TagError, match=re.escape("not-audio.mp3")) as info:
        write_tags(text, _tags())
    assert info.value.__cause__ is not None
    assert text.read_text(encoding="utf-8").startswith("<html>")  # left alone


def test_a_missing_file_is_a_tag_error(tmp_path: Path) -> None:
    with pytest.raises(TagError, match=re.escape("gone.mp3")) as info:
        write_tags(tmp_path / "gone.mp3", _tags())
    assert isinstance(info.value.__cause__, OSError)


def test_tags_reject_naive_dates_and_bad_languages() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        _tags(date=datetime(2021, 12, 25, 8, 0))  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="ISO 639-2"):
        _tags(language="vi")
    with pytest.raises(ValueError, match="JPEG"):
        _tags(cover_jpeg=b"\x89PNG\r\n\x1a\n")


# --- chapters -------------------------------------------------------------------------------------

CHAPTERS = (
    Chapter(start_ms=0, title="Giới thiệu chương trình"),
    Chapter(start_ms=750, title="Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận quyền sử dụng đất"),
    Chapter(start_ms=1_500, title="Ông Nguyễn Văn A, xã Long Hậu: đường giao thông nông thôn"),
    Chapter(start_ms=2_250, title="Kết thúc & hẹn gặp lại"),
)
NO_OFFSET = 0xFFFFFFFF


def _chapters(id3: ID3) -> list[tuple[str, int, int, str]]:
    """(element id, start, end, title) of every CHAP, in the CTOC's order."""
    by_id = {chap.element_id: chap for chap in id3.getall("CHAP")}
    (toc,) = id3.getall("CTOC")
    return [
        (
            element_id,
            by_id[element_id].start_time,
            by_id[element_id].end_time,
            str(by_id[element_id].sub_frames["TIT2"]),
        )
        for element_id in toc.child_element_ids
    ]


def test_chapters_read_back_with_mutagen(sample_mp3: Path) -> None:
    # Given out of order: the CTOC and the element ids follow time, not input order.
    shuffled = (CHAPTERS[2], CHAPTERS[0], CHAPTERS[3], CHAPTERS[1])
    write_tags(sample_mp3, _tags(chapters=shuffled, duration_ms=3_000))

    id3 = ID3(sample_mp3, translate=False)
    assert id3.version == (2, 3, 0)
    (toc,) = id3.getall("CTOC")
    assert toc.element_id == "toc"
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc.child_element_ids == ["ch0", "ch1", "ch2", "ch3"]
    assert str(toc.sub_frames["TIT2"]) == "Mục lục"
    assert _chapters(id3) == [
        ("ch0", 0, 750, CHAPTERS[0].title),
        ("ch1", 750, 1_500, CHAPTERS[1].title),
        ("ch2", 1_500, 2_250, CHAPTERS[2].title),
        ("ch3", 2_250, 3_000, CHAPTERS[3].title),
    ]
    chaps = id3.getall("CHAP")
    assert len(chaps) == 4
    for chap in chaps:
        assert (chap.start_offset, chap.end_offset) == (NO_OFFSET, NO_OFFSET)
    # v2.3 knows only Latin-1 and UTF-16: the sub-frames too, or the diacritics are lost.
    for frame in [*chaps, toc]:
        for sub in frame.sub_frames.values():
            assert sub.encoding == Encoding.UTF16, (frame.element_id, sub.FrameID)
    # The tag is still the ordinary v2.3 tag around them.
    assert _text(id3, "TIT2") == TITLE
    assert "TDRC" not in id3


def test_the_last_chapter_ends_with_the_audio_by_default(sample_mp3: Path) -> None:
    length_ms = round(MP3(sample_mp3).info.length * 1000)
    write_tags(sample_mp3, _tags(chapters=CHAPTERS))

    (*_, last) = _chapters(ID3(sample_mp3))
    assert last == ("ch3", 2_250, length_ms, CHAPTERS[3].title)


def test_chapter_titles_are_nfc(sample_mp3: Path) -> None:
    nfd = tuple(Chapter(start_ms=c.start_ms, title=unicodedata.normalize("NFD", c.title)) for c in CHAPTERS)
    write_tags(sample_mp3, _tags(chapters=nfd, duration_ms=3_000))

    assert [title for *_, title in _chapters(ID3(sample_mp3))] == [c.title for c in CHAPTERS]


def test_ffmpeg_reads_the_chapters(sample_mp3: Path) -> None:
    write_tags(sample_mp3, _tags(chapters=CHAPTERS, duration_ms=3_000))

    proc = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(sample_mp3)],
        capture_output=True,
        check=False,
    )
    listing = proc.stderr.decode("utf-8")
    found = re.findall(
        r"^\s+Chapter #0:(\d+): start (\d+\.\d+), end (\d+\.\d+)\n\s+Metadata:\n\s+title\s+: (.*)$",
        listing,
        re.MULTILINE,
    )
    assert len(found) == len(CHAPTERS), listing
    # ffmpeg's own order is its business; the times and titles must be ours.
    got = sorted((float(start), float(end), title) for _, start, end, title in found)
    assert got == [
        (0.0, 0.75, CHAPTERS[0].title),
        (0.75, 1.5, CHAPTERS[1].title),
        (1.5, 2.25, CHAPTERS[2].title),
        (2.25, 3.0, CHAPTERS[3].title),
    ]


def test_chapters_leave_the_audio_frames_untouched(sample_mp3: Path) -> None:
    data = sample_mp3.read_bytes()
    audio = data[_id3v2_end(data) :]

    write_tags(sample_mp3, _tags(chapters=CHAPTERS, duration_ms=3_000))
    tagged = sample_mp3.read_bytes()
    assert tagged[_id3v2_end(tagged) :] == audio
    # And a re-tag without chapters removes them, in place.
    write_tags(sample_mp3, _tags())
    again = sample_mp3.read_bytes()
    assert len(again) == len(tagged)
    id3 = ID3(sample_mp3)
    assert id3.getall("CHAP") == []
    assert id3.getall("CTOC") == []


def test_no_chapters_no_chapter_frames(sample_mp3: Path) -> None:
    write_tags(sample_mp3, _tags())

    id3 = ID3(sample_mp3)
    assert id3.getall("CHAP") == []
    assert id3.getall("CTOC") == []


def test_a_chapter_past_the_end_is_a_tag_error_and_nothing_is_written(sample_mp3: Path) -> None:
    before = sample_mp3.read_bytes()
    late = (*CHAPTERS, Chapter(start_ms=3_000, title="Quá cuối"))

    with pytest.raises(TagError, match=r"sample\.mp3: chapter 'Quá cuối' at 00:00:03\.000 starts at or after") as info:
        write_tags(sample_mp3, _tags(chapters=late, duration_ms=3_000))
    assert info.value.hint
    assert sample_mp3.read_bytes() == before


def test_tags_reject_a_non_positive_duration() -> None:
    with pytest.raises(ValueError, match="duration_ms"):
        _tags(chapters=CHAPTERS, duration_ms=0)
