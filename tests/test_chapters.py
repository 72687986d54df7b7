"""JSON chapters (Podcasting 2.0, version 1.2): checked against FEED-SPEC §2.3 and read back with json."""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radiocast.chapters import CHAPTERS_VERSION, chapter_ends, chapters_json
from radiocast.errors import EpisodeError
from radiocast.models import Chapter

EPISODE = "Kỳ 86: Tháo gỡ vướng mắc về đất đai"
PODCAST = "Chính quyền đối thoại với Nhân dân qua sóng phát thanh"
CHAPTERS = (
    Chapter(start_ms=0, title="Giới thiệu chương trình"),
    Chapter(start_ms=130_000, title="Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận quyền sử dụng đất"),
    Chapter(start_ms=905_500, title="Ông Nguyễn Văn A, xã Long Hậu: đường giao thông nông thôn"),
    Chapter(start_ms=1_800_001, title="Kết thúc & hẹn gặp lại"),
)
DURATION_MS = 3_600_250

# FEED-SPEC §2.3: every field of the format, its type, and whether it is required.
ROOT_FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "version": (str, True),
    "chapters": (list, True),
    "author": (str, False),
    "title": (str, False),
    "podcastName": (str, False),
    "description": (str, False),
    "fileName": (str, False),
    "waypoints": (bool, False),
}
CHAPTER_FIELDS: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "startTime": ((int, float), True),
    "title": (str, False),
    "img": (str, False),
    "url": (str, False),
    "toc": (bool, False),
    "endTime": ((int, float), False),
    "location": (dict, False),
}


def _check_fields(obj: dict[str, Any], fields: dict[str, tuple[type | tuple[type, ...], bool]], where: str) -> None:
    assert set(obj) <= set(fields), f"{where}: unknown fields {set(obj) - set(fields)}"
    for name, (kind, required) in fields.items():
        if name not in obj:
            assert not required, f"{where}: {name} is required"
            continue
        value = obj[name]
        # bool is an int in Python; JSON keeps them apart.
        assert isinstance(value, kind), f"{where}: {name}={value!r} is not {kind}"
        assert not (isinstance(value, bool) and kind is not bool), f"{where}: {name} is a boolean"


def validate_json_chapters(document: Any) -> None:
    """Fail unless *document* is a JSON chapters file as FEED-SPEC §2.3 describes it."""
    assert isinstance(document, dict)
    _check_fields(document, ROOT_FIELDS, "root")
    assert re.fullmatch(r"1\.2(\.\d+)?", document["version"])
    starts = []
    for n, chapter in enumerate(document["chapters"]):
        assert isinstance(chapter, dict)
        _check_fields(chapter, CHAPTER_FIELDS, f"chapter {n}")
        assert chapter["startTime"] >= 0
        if "endTime" in chapter:
            assert chapter["endTime"] > chapter["startTime"]
        if "location" in chapter:
            assert {"name", "geo"} <= set(chapter["location"])
        starts.append(chapter["startTime"])
    assert starts == sorted(starts), "chapters must be sorted by startTime"


def test_the_file_follows_the_spec_and_reads_back() -> None:
    data = chapters_json(EPISODE, PODCAST, CHAPTERS, duration_ms=DURATION_MS)
    document = json.loads(data.decode("utf-8"))

    validate_json_chapters(document)
    assert document["version"] == CHAPTERS_VERSION == "1.2.0"
    assert document["title"] == EPISODE
    assert document["podcastName"] == PODCAST
    assert document["chapters"] == [
        {"startTime": 0.0, "endTime": 130.0, "title": CHAPTERS[0].title},
        {"startTime": 130.0, "endTime": 905.5, "title": CHAPTERS[1].title},
        {"startTime": 905.5, "endTime": 1800.001, "title": CHAPTERS[2].title},
        {"startTime": 1800.001, "endTime": 3600.25, "title": CHAPTERS[3].title},
    ]


def test_times_are_json_numbers_in_seconds_with_milliseconds() -> None:
    data = chapters_json(EPISODE, PODCAST, CHAPTERS, duration_ms=DURATION_MS).decode("utf-8")
    # The literal text: a float with no binary noise such as 905.5000000001.
    assert '"startTime": 905.5,' in data
    assert '"startTime": 1800.001,' in data
    assert '"startTime": 0.0,' in data
    assert '"endTime": 3600.25,' in data


def test_vietnamese_is_written_as_utf8_not_escaped() -> None:
    data = chapters_json(EPISODE, PODCAST, CHAPTERS, duration_ms=DURATION_MS)
    assert "Bà Trần Thị C, xã Tân Thành".encode() in data
    assert b"\\u" not in data
    assert data.endswith(b"}\n")


def test_chapters_are_sorted_and_the_bytes_do_not_depend_on_input_order() -> None:
    first = chapters_json(EPISODE, PODCAST, CHAPTERS, duration_ms=DURATION_MS)
    shuffled = (CHAPTERS[2], CHAPTERS[0], CHAPTERS[3], CHAPTERS[1])
    assert chapters_json(EPISODE, PODCAST, shuffled, duration_ms=DURATION_MS) == first
    assert chapters_json(EPISODE, PODCAST, CHAPTERS, duration_ms=DURATION_MS) == first


def test_without_a_duration_the_last_chapter_has_no_end() -> None:
    document = json.loads(chapters_json(EPISODE, PODCAST, CHAPTERS))
    validate_json_chapters(document)
    assert [c.get("endTime") for c in document["chapters"]] == [130.0, 905.5, 1800.001, None]


def test_titles_come_out_nfc_with_whitespace_collapsed() -> None:
    nfd = unicodedata.normalize("NFD", "  Ông Nguyễn  Văn A,\nxã Long Hậu ")
    document = json.loads(
        chapters_json(
            unicodedata.normalize("NFD", EPISODE), PODCAST, [Chapter(start_ms=0, title=nfd)], duration_ms=5000
        )
    )
    assert document["title"] == EPISODE
    assert document["chapters"][0]["title"] == "Ông Nguyễn Văn A, xã Long Hậu"


def test_no_chapters_is_still_a_valid_file() -> None:
    document = json.loads(chapters_json(EPISODE, PODCAST, [], duration_ms=DURATION_MS))
    validate_json_chapters(document)
    assert document["chapters"] == []


def test_chapter_ends_are_the_next_start_then_the_duration() -> None:
    shuffled = (CHAPTERS[3], CHAPTERS[1], CHAPTERS[0], CHAPTERS[2])
    assert chapter_ends(shuffled, DURATION_MS) == [
        (CHAPTERS[0], 130_000),
        (CHAPTERS[1], 905_500),
        (CHAPTERS[2], 1_800_001),
        (CHAPTERS[3], DURATION_MS),
    ]


@pytest.mark.parametrize(
    ("chapters", "duration_ms", "match"),
    [
        ((Chapter(start_ms=-1, title="Trước"),), 5000, r"'Trước' at -00:00:00\.001 starts before the audio"),
        (
            (Chapter(start_ms=1000, title="Một"), Chapter(start_ms=1000, title="Hai")),
            5000,
            r"'Hai' at 00:00:01\.000 starts at the same time as 'Một'",
        ),
        ((Chapter(start_ms=5000, title="Quá cuối"),), 5000, r"'Quá cuối' at 00:00:05\.000 starts at or after the end"),
        ((Chapter(start_ms=0, title=" \n "),), 5000, r"chapter at 00:00:00\.000 has an empty title"),
        ((Chapter(start_ms=0, title="A"),), 0, r"duration 0 ms is not positive"),
    ],
)
def test_bad_chapters_are_an_episode_error_naming_the_chapter(
    chapters: tuple[Chapter, ...], duration_ms: int, match: str
) -> None:
    for call in (
        lambda: chapter_ends(chapters, duration_ms),
        lambda: chapters_json(EPISODE, PODCAST, chapters, duration_ms=duration_ms),
    ):
        with pytest.raises(EpisodeError, match=match) as info:
            call()
        assert info.value.hint


@given(
    starts=st.sets(st.integers(min_value=0, max_value=7_200_000), min_size=1, max_size=40),
    extra=st.integers(min_value=1, max_value=600_000),
    titles=st.text(min_size=1, max_size=40).filter(str.strip),
)
def test_any_valid_chapter_list_gives_a_valid_file(starts: set[int], extra: int, titles: str) -> None:
    duration = max(starts) + extra
    chapters = [Chapter(start_ms=s, title=f"{titles} {n}") for n, s in enumerate(starts)]
    document = json.loads(chapters_json(EPISODE, PODCAST, chapters, duration_ms=duration).decode("utf-8"))

    validate_json_chapters(document)
    items = document["chapters"]
    assert [round(c["startTime"] * 1000) for c in items] == sorted(starts)
    assert [c["endTime"] for c in items[:-1]] == [c["startTime"] for c in items[1:]]
    assert round(items[-1]["endTime"] * 1000) == duration


def test_no_chapters_have_no_ends() -> None:
    assert chapter_ends([], DURATION_MS) == []
