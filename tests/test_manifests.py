"""Episode manifests (seeds/*.toml): a complete one, and one clear error per mistake naming the field."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from radiocast.errors import SeedError
from radiocast.models import Chapter, Role, Speaker
from radiocast.seeds import parse_clock, read_manifest

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

COMPLETE = """\
title = "Kỳ 86: Tháo gỡ vướng mắc về đất đai"
date = "2021-12-25 08:00"
audio = "recordings/2021-12-25.wav"
episode = 86
season = 2021
summary = "Lãnh đạo huyện trả lời câu hỏi của người dân về đất đai."
transcript = "recordings/2021-12-25.vtt"

[[speakers]]
name = "Lê Thị Hoa"
role = "host"

[[speakers]]
name = "Nguyễn Văn Bình"
role = "guest"
office = "Phó Chủ tịch UBND huyện Lai Vung"

[[chapters]]
start = "00:00:00"
title = "Mở đầu"

[[chapters]]
start = "00:02:10"
title = "Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận quyền sử dụng đất"

[[chapters]]
start = "01:05.5"
title = "Ông Nguyễn Văn A, xã Tân Thành: thủ tục cấp sổ đỏ"
"""

# COMPLETE's last chapter is out of order for the tests of mistakes.
VALID = COMPLETE.replace('start = "01:05.5"', 'start = "00:31:05.5"')


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "2021-12-25.wav").write_bytes(b"RIFF")
    (tmp_path / "recordings" / "2021-12-25.vtt").write_text("WEBVTT\n", encoding="utf-8")
    (tmp_path / "seeds").mkdir()
    return tmp_path


def manifest(root: Path, text: str) -> Path:
    path = root / "seeds" / "ky-86.toml"
    path.write_text(text, encoding="utf-8")
    return path


def read(root: Path, text: str):  # type: ignore[no-untyped-def]
    return read_manifest(manifest(root, text), seed="seeds/ky-86.toml", root=root, tz=TZ)


def test_complete_manifest(workspace: Path) -> None:
    text = COMPLETE.replace('start = "01:05.5"', 'start = "00:31:05.5"')
    recording = read(workspace, text)
    assert recording.title == "Kỳ 86: Tháo gỡ vướng mắc về đất đai"
    assert recording.published.isoformat() == "2021-12-25T08:00:00+07:00"
    assert recording.audio == "recordings/2021-12-25.wav"
    assert (recording.episode, recording.season) == (86, 2021)
    assert recording.transcript == Path("recordings/2021-12-25.vtt")
    assert recording.speakers == (
        Speaker(name="Lê Thị Hoa", role=Role.HOST),
        Speaker(name="Nguyễn Văn Bình", role=Role.GUEST, office="Phó Chủ tịch UBND huyện Lai Vung"),
    )
    assert recording.chapters[1] == Chapter(
        start_ms=130_000, title="Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận quyền sử dụng đất"
    )
    assert recording.chapters[2].start_ms == 31 * 60_000 + 5_500
    assert not recording.is_remote


def test_remote_audio_and_toml_datetime(workspace: Path) -> None:
    recording = read(
        workspace,
        'title = "Kỳ 87"\ndate = 2022-01-29T08:00:00\naudio = "https://radio.example.vn/ky-87.mp3"\n',
    )
    assert recording.is_remote
    assert recording.published.isoformat() == "2022-01-29T08:00:00+07:00"


@pytest.mark.parametrize(
    ("date", "local"),
    [
        ("2021-12-25 08:00", "2021-12-25T08:00:00+07:00"),
        ("2021-12-25 08:00:07", "2021-12-25T08:00:07+07:00"),
        # An imported feed's pubDate: the same instant, whatever offset it was written in.
        ("2019-05-15 21:45:59-05:00", "2019-05-16T09:45:59+07:00"),
        ("2019-04-07T01:02:03Z", "2019-04-07T08:02:03+07:00"),
        ("2019-03-02 18:30:05+0700", "2019-03-02T18:30:05+07:00"),
        ("2019-03-02 18:30:05+05:30", "2019-03-02T20:00:05+07:00"),
    ],
)
def test_date_forms(workspace: Path, date: str, local: str) -> None:
    recording = read(workspace, VALID.replace('"2021-12-25 08:00"', f'"{date}"'))
    assert recording.published.isoformat() == local
    assert recording.published.tzinfo == TZ


def test_guid_is_kept_verbatim(workspace: Path) -> None:
    recording = read(workspace, 'guid = "  tag:old-host.example.vn,2019:Tập-86 "\n' + VALID)
    assert recording.guid == "tag:old-host.example.vn,2019:Tập-86"
    assert read(workspace, VALID).guid is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace('title = "Kỳ 86: Tháo gỡ vướng mắc về đất đai"\n', ""), r"title is missing"),
        (lambda t: 'guid = ""\n' + t, r"guid '' must be one line of text"),
        (lambda t: 'guid = "a\\nb"\n' + t, r"guid 'a\\nb' must be one line of text"),
        (lambda t: "guid = 86\n" + t, r"guid must be a string"),
        (
            lambda t: t.replace('date = "2021-12-25 08:00"', 'date = "2021-12-25 08:00:00+25:00"'),
            r"not a real date",
        ),
        (
            lambda t: t.replace('date = "2021-12-25 08:00"', 'date = "Sat, 25 Dec 2021 08:00:00 +0700"'),
            r"is not YYYY-MM-DD HH:MM\[:SS\]\[\+HH:MM\]",
        ),
        (
            lambda t: t.replace('date = "2021-12-25 08:00"', 'date = "25/12/2021"'),
            r"date '25/12/2021' is not YYYY-MM-DD HH:MM",
        ),
        (lambda t: t.replace('date = "2021-12-25 08:00"', 'date = "2021-02-30 08:00"'), r"not a real date"),
        (lambda t: t.replace("2021-12-25.wav", "missing.wav"), r"audio file recordings/missing.wav not found"),
        (
            lambda t: t.replace('"recordings/2021-12-25.wav"', '"../outside.wav"'),
            r"audio '../outside.wav' must be a path inside",
        ),
        (lambda t: t.replace("episode = 86", "episode = 0"), r"episode must be a positive integer"),
        (lambda t: t.replace("season = 2021", 'season = "2021"'), r"season must be an integer"),
        (lambda t: t.replace('role = "host"', 'role = "caller"'), r"speakers\[1\]\.role 'caller' is not a role"),
        (lambda t: t.replace('name = "Lê Thị Hoa"\n', ""), r"speakers\[1\]\.name is missing"),
        (
            lambda t: t.replace('start = "00:02:10"', 'start = "2 phút"'),
            r"chapters\[2\]\.start '2 phút' is not HH:MM:SS",
        ),
        (lambda t: t.replace('start = "01:05.5"', 'start = "00:01:00"'), r"chapters\[3\]\.start 00:01:00 is not after"),
        (lambda t: t.replace('title = "Mở đầu"', 'title = ""'), r"chapters\[1\]\.title is missing"),
        (lambda t: t + 'host = "x"\n', r"unknown field 'host'"),
        (
            lambda t: t.replace('transcript = "recordings/2021-12-25.vtt"', 'transcript = "x.vtt"'),
            r"transcript file x.vtt not found",
        ),
        (lambda t: t.replace("[[speakers]]", "[[speaker]]", 1), r"unknown field 'speaker'"),
        (
            lambda t: t.replace('title = "Mở đầu"', 'title = "Mở đầu"\nend = "00:01:00"'),
            r"chapters\[1\]: unknown field 'end'",
        ),
        (lambda t: t.replace("[[chapters]]", "[chapters", 1), r"not a valid TOML manifest"),
    ],
)
def test_mistakes_name_the_file_and_the_field(workspace: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SeedError, match=message) as caught:
        read(workspace, change(COMPLETE))
    assert str(caught.value).startswith("seeds/ky-86.toml: ")


@pytest.mark.parametrize(
    ("clock", "ms"),
    [("00:00:00", 0), ("00:02:10", 130_000), ("1:02:03.5", 3_723_500), ("05:07", 307_000), ("00:00:01.250", 1250)],
)
def test_parse_clock(clock: str, ms: int) -> None:
    assert parse_clock(clock) == ms


def test_an_office_of_blanks_is_no_office(workspace: Path) -> None:
    recording = read(
        workspace,
        'title = "Kỳ 86"\ndate = "2021-12-25 08:00"\naudio = "recordings/2021-12-25.wav"\n'
        '[[speakers]]\nname = "Lê Thị Hoa"\noffice = " \\u00a0 "\n',
    )
    assert [(s.name, s.office) for s in recording.speakers] == [("Lê Thị Hoa", None)]


LIVE = """\
title = "Kỳ 88: Giải quyết khiếu nại về đất đai"

[live]
start = "2026-12-25 08:00"
end = "2026-12-25 09:30"
stream = "http://radio.example.vn:8000/truc-tiep"
"""


def test_live_table_makes_audio_and_date_optional(workspace: Path) -> None:
    recording = read(workspace, LIVE)
    assert recording.audio == ""
    assert recording.live is not None
    assert recording.live.start.isoformat() == recording.published.isoformat() == "2026-12-25T08:00:00+07:00"
    assert recording.live.end.isoformat() == "2026-12-25T09:30:00+07:00"
    assert (recording.live.stream, recording.live.stream_type) == (
        "http://radio.example.vn:8000/truc-tiep",
        "audio/mpeg",
    )
    aac = read(
        workspace, 'date = "2026-12-26 08:00"\naudio = "recordings/2021-12-25.wav"\n' + LIVE + 'type = "audio/aac"\n'
    )
    assert aac.live is not None
    assert aac.live.stream_type == "audio/aac"
    assert aac.published.isoformat() == "2026-12-26T08:00:00+07:00"
    assert aac.audio == "recordings/2021-12-25.wav"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace('end = "2026-12-25 09:30"', 'end = "2026-12-25 07:30"'),
            r"live\.end 2026-12-25 07:30 is not after live\.start 2026-12-25 08:00",
        ),
        (lambda t: t.replace('end = "2026-12-25 09:30"', 'end = "2026-12-25 08:00"'), r"live\.end .* is not after"),
        (lambda t: t.replace('start = "2026-12-25 08:00"\n', ""), r"live\.start is missing"),
        (lambda t: t.replace('end = "2026-12-25 09:30"', 'end = "9:30"'), r"live\.end '9:30' is not YYYY-MM-DD HH:MM"),
        (
            lambda t: t.replace(
                'stream = "http://radio.example.vn:8000/truc-tiep"', 'stream = "radio.example.vn/live"'
            ),
            r"live\.stream 'radio.example.vn/live' is not an http\(s\) URL",
        ),
        (lambda t: t.replace('stream = "http://radio.example.vn:8000/truc-tiep"\n', ""), r"live\.stream is missing"),
        (
            lambda t: t.replace('stream = "http://radio.example.vn:8000/truc-tiep"', "stream = 8000"),
            r"live\.stream must be a string",
        ),
        (lambda t: t + 'type = "text/html"\n', r"live\.type 'text/html' is not an audio or video MIME type"),
        (lambda t: t + 'url = "https://radio.example.vn/live"\n', r"live: unknown field 'url'"),
        (lambda t: t.split("[live]")[0] + 'live = "2026-12-25 08:00"\n', r"live must be a \[live\] table"),
        (lambda t: t.replace("[live]", "[truc_tiep]"), r"unknown field 'truc_tiep'"),
    ],
)
def test_live_mistakes_name_the_file_and_the_field(workspace: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SeedError, match=message) as caught:
        read(workspace, change(LIVE))
    assert str(caught.value).startswith("seeds/ky-86.toml: ")


def test_without_live_the_audio_is_still_required(workspace: Path) -> None:
    with pytest.raises(SeedError, match=r"audio is missing"):
        read(workspace, 'title = "Kỳ 88"\ndate = "2026-12-25 08:00"\n')
