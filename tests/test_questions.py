"""Citizens' questions as data: manifest fields, podcast.topics, Audacity and CSV chapter files, the notes."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from radiocast.config import parse_config
from radiocast.errors import ConfigError, SeedError
from radiocast.models import DEFAULT_TOPICS, Chapter, Episode, Kind, Question, Role, Speaker
from radiocast.notes import MAX_DESCRIPTION_BYTES, QUESTIONS_HEADING, episode_notes
from radiocast.seeds import read_manifest
from radiocast.text import clock, parse_time

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SEED = "seeds/ky-86.toml"

HEAD = """\
title = "Kỳ 86: Tháo gỡ vướng mắc về đất đai"
date = "2021-12-25 08:00"
audio = "recordings/2021-12-25.wav"

[[speakers]]
name = "Nguyễn Văn Bình"
office = "Phó Chủ tịch UBND huyện Lai Vung"

[[speakers]]
name = "Lê Thị Hoa"
role = "host"
"""

QUESTIONS = (
    HEAD
    + """
[[chapters]]
title = "Mở đầu"
start = "00:00:00"

[[chapters]]
asker = "Bà Trần Thị C"
start = "00:02:10"
title = "Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận quyền sử dụng đất"
commune = "xã Tân Thành"
topic = "Đất đai"
answered_by = "nguyễn văn bình"
"""
)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "recordings").mkdir()
    (tmp_path / "recordings" / "2021-12-25.wav").write_bytes(b"RIFF")
    (tmp_path / "seeds").mkdir()
    return tmp_path


def read(root: Path, text: str, topics: tuple[str, ...] = DEFAULT_TOPICS):  # type: ignore[no-untyped-def]
    path = root / "seeds" / "ky-86.toml"
    path.write_text(text, encoding="utf-8")
    return read_manifest(path, seed=SEED, root=root, tz=TZ, topics=topics)


def test_a_chapter_carries_its_question_spelled_as_the_lists_spell_it(workspace: Path) -> None:
    recording = read(workspace, QUESTIONS)
    opening, question = recording.chapters
    assert opening == Chapter(start_ms=0, title="Mở đầu")
    assert question.question == Question(
        asker="Bà Trần Thị C", commune="xã Tân Thành", topic="đất đai", answered_by="Nguyễn Văn Bình"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda t: t.replace('topic = "Đất đai"', 'topic = "đất đai nông thôn"'),
            r"^seeds/ky-86\.toml: chapters\[2\] \(Bà Trần Thị C, xã Tân Thành: thủ tục cấp giấy chứng nhận quyền sử "
            r"dụng đất\)\.topic: 'đất đai nông thôn' is not one of podcast\.toml's topics \(đất đai, ",
        ),
        (
            lambda t: t.replace('answered_by = "nguyễn văn bình"', 'answered_by = "Trần Văn Tư"'),
            r"^seeds/ky-86\.toml: chapters\[2\] \(Bà Trần Thị C.*\)\.answered_by: 'Trần Văn Tư' is not one of the "
            r"episode's speakers \(Nguyễn Văn Bình, Lê Thị Hoa\)",
        ),
        (lambda t: t.replace('asker = "Bà Trần Thị C"', "asker = 3"), r"chapters\[2\]\.asker must be a string"),
        (lambda t: t.replace('commune = "xã Tân Thành"', 'xa = "Tân Thành"'), r"chapters\[2\]: unknown field 'xa'"),
    ],
)
def test_question_mistakes_name_the_file_the_chapter_and_the_field(workspace: Path, change, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SeedError, match=message) as caught:
        read(workspace, change(QUESTIONS))
    assert "\n" not in str(caught.value)


def test_a_workspace_with_no_topics_accepts_none(workspace: Path) -> None:
    with pytest.raises(SeedError, match=r"is not one of podcast\.toml's topics \(none\)"):
        read(workspace, QUESTIONS, topics=())


def test_old_manifests_read_as_before(workspace: Path) -> None:
    recording = read(workspace, HEAD + '\n[[chapters]]\nstart = "00:01:00"\ntitle = "Câu hỏi 1"\n')
    assert recording.chapters == (Chapter(start_ms=60_000, title="Câu hỏi 1"),)


# -- podcast.topics -------------------------------------------------------------------------------

CONFIG = {
    "podcast": {
        "title": "T",
        "description": "D",
        "author": "A",
        "owner_name": "A",
        "owner_email": "a@example.vn",
        "base_url": "https://radio.example.vn/",
        "image": "audio/cover.jpg",
        "categories": ["Government"],
    }
}


def test_topics_default_to_the_programmes_list_and_may_be_set() -> None:
    assert parse_config(CONFIG, source=Path("podcast.toml")).topics == DEFAULT_TOPICS
    custom = {"podcast": {**CONFIG["podcast"], "topics": [" Đất  đai ", "môi trường"]}}
    assert parse_config(custom, source=Path("podcast.toml")).topics == ("Đất đai", "môi trường")


@pytest.mark.parametrize("topics", [["đất đai", "Đất đai"], ["đất đai", ""], ["đất đai", 3]])
def test_a_bad_topic_list_names_the_key(topics: list[object]) -> None:
    bad = {"podcast": {**CONFIG["podcast"], "topics": topics}}
    with pytest.raises(ConfigError, match=r"^podcast\.toml: podcast\.topics entry .* is empty, not a string or listed"):
        parse_config(bad, source=Path("podcast.toml"))


def test_the_repositorys_podcast_toml_lists_the_default_topics() -> None:
    from radiocast.config import load_config

    root = Path(__file__).resolve().parent.parent
    assert load_config(root / "podcast.toml").topics == DEFAULT_TOPICS


# -- chapters from Audacity and CSV ---------------------------------------------------------------


def manifest_with_chapters_file(name: str) -> str:
    # `chapters` must come before the [[speakers]] tables in TOML.
    return HEAD.replace(
        'audio = "recordings/2021-12-25.wav"\n',
        f'audio = "recordings/2021-12-25.wav"\nchapters = "recordings/{name}"\n',
    )


def read_file_chapters(workspace: Path, name: str, data: bytes) -> tuple[Chapter, ...]:
    (workspace / "recordings" / name).write_bytes(data)
    return read(workspace, manifest_with_chapters_file(name)).chapters  # type: ignore[no-any-return]


def test_audacity_labels_as_audacity_exports_them(workspace: Path) -> None:
    # BOM, CRLF, a point label (start == end), a region label, a spectral label's frequency line.
    labels = (
        "\ufeff0.000000\t0.000000\tMở đầu\r\n130.250000\t245.5\tBà Trần Thị C hỏi về sổ đỏ\r\n\\\t100.0\t2000.0\r\n"
    )
    chapters = read_file_chapters(workspace, "2021-12-25.txt", labels.encode())
    assert chapters == (
        Chapter(start_ms=0, title="Mở đầu"),
        Chapter(start_ms=130_250, title="Bà Trần Thị C hỏi về sổ đỏ"),
    )


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ("0\t0\tMở đầu\n1:30\t90\tCâu hỏi\n", r"line 2, column 1 \(start\): '1:30' is not a time in seconds"),
        ("0\t0\tMở đầu\n90\t80\tCâu hỏi\n", r"line 2, column 2 \(end\): the label ends before it starts"),
        ("0\t0\tMở đầu\n\n90\t90\t  \n", r"line 3, column 3 \(label\): the label is empty"),
        ("0\t0\tMở đầu\n90 90 Câu hỏi\n", r"line 2, column 2 \(end\): missing"),
        ("10\t10\tMở đầu\n5\t5\tCâu hỏi\n", r"line 2, column 1 \(start\): not after the previous label's start"),
    ],
)
def test_bad_label_lines_name_the_file_line_and_column(workspace: Path, labels: str, message: str) -> None:
    with pytest.raises(SeedError, match=rf"^seeds/ky-86\.toml: recordings/2021-12-25\.txt, {message}"):
        read_file_chapters(workspace, "2021-12-25.txt", labels.encode())


CSV = (
    "start;title;asker;commune;topic;answered_by\n"
    "0:00;Mở đầu;;;;\n"
    "2:10;Bà Trần Thị C: sổ đỏ;Bà Trần Thị C;xã Tân Thành;đất đai;Nguyễn Văn Bình\n"
    '1:02:03.5;"Ông A; xã Long Hậu: đường";Ông A;xã Long Hậu;giao thông;\n'
    "3730,25;Kết thúc;;;;\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
@pytest.mark.parametrize("delimiter", [";", ","])
def test_chapters_from_a_spreadsheet(workspace: Path, encoding: str, delimiter: str) -> None:
    text = CSV.replace(";", delimiter) if delimiter == "," else CSV
    if delimiter == ",":
        text = text.replace("3730,25", '"3730,25"')
    chapters = read_file_chapters(workspace, "muc-luc.csv", text.replace("\n", "\r\n").encode(encoding))
    assert [(c.start_ms, c.title) for c in chapters] == [
        (0, "Mở đầu"),
        (130_000, "Bà Trần Thị C: sổ đỏ"),
        (3_723_500, f"Ông A{delimiter} xã Long Hậu: đường"),
        (3_730_250, "Kết thúc"),
    ]
    assert chapters[0].question is None
    assert chapters[1].question == Question(
        asker="Bà Trần Thị C", commune="xã Tân Thành", topic="đất đai", answered_by="Nguyễn Văn Bình"
    )
    assert chapters[2].question == Question(asker="Ông A", commune="xã Long Hậu", topic="giao thông")


def test_vietnamese_headers_are_accepted(workspace: Path) -> None:
    text = "Thời điểm,Tiêu đề,Người hỏi,Xã,Lĩnh vực,Người trả lời,STT\n00:05,Câu hỏi,Bà C,xã Tân Thành,Nước sạch,,1\n"
    (chapter,) = read_file_chapters(workspace, "muc-luc.csv", text.encode())
    assert chapter.question == Question(asker="Bà C", commune="xã Tân Thành", topic="nước sạch")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1 phút;Câu hỏi;;;;", r"line 3, column start: '1 phút' is not a time — write H:MM:SS, MM:SS or seconds"),
        ("0:30;;;;;", r"line 3, column title: the chapter's title is missing"),
        ("0:00;Câu hỏi;;;;", r"line 3, column start: not after the previous row's start"),
        ("0:30;Câu hỏi;;;đường xá;", r"line 3, column topic: 'đường xá' is not one of podcast.toml's topics"),
        ("0:30;Câu hỏi;;;;Ông X", r"line 3, column answered_by: 'Ông X' is not one of the episode's speakers"),
    ],
)
def test_bad_csv_rows_name_the_file_line_and_column(workspace: Path, row: str, message: str) -> None:
    text = f"start;title;asker;commune;topic;answered_by\n0:00;Mở đầu;;;;\n{row}\n"
    with pytest.raises(SeedError, match=rf"^seeds/ky-86\.toml: recordings/muc-luc\.csv, {message}"):
        read_file_chapters(workspace, "muc-luc.csv", text.encode())


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("muc-luc.csv", b"title\nA\n", r"recordings/muc-luc\.csv: no column 'start' in its first line"),
        ("muc-luc.csv", "start,title\n0,Mở đầu\n".encode("utf-16"), r"recordings/muc-luc\.csv: not UTF-8"),
        ("muc-luc.srt", b"1\n", r"chapters file recordings/muc-luc\.srt is neither Audacity labels"),
    ],
)
def test_unreadable_chapter_files(workspace: Path, name: str, data: bytes, message: str) -> None:
    with pytest.raises(SeedError, match=message):
        read_file_chapters(workspace, name, data)


def test_a_missing_chapters_file_names_the_field(workspace: Path) -> None:
    with pytest.raises(SeedError, match=r"chapters file recordings/none\.txt not found"):
        read(workspace, manifest_with_chapters_file("none.txt"))


def test_parse_time_accepts_what_spreadsheets_write() -> None:
    assert [parse_time(v) for v in ("1:02:03", "02:03", "754", "12.5", "12,25", " 0:00:01.5 ")] == [
        3_723_000,
        123_000,
        754_000,
        12_500,
        12_250,
        1_500,
    ]
    for bad in ("", "1:2", "abc", "-3", "1:60"):
        with pytest.raises(ValueError, match=re.escape(bad) or "^$"):
            parse_time(bad)


# -- the notes ------------------------------------------------------------------------------------


def episode(chapters: tuple[Chapter, ...]) -> Episode:
    return Episode(
        guid="g",
        slug="ky-86",
        seed=SEED,
        title="Kỳ 86",
        published=datetime(2021, 12, 25, 8, tzinfo=TZ),
        source_url="recordings/2021-12-25.wav",
        enclosure_url="https://radio.example.vn/audio/ky-86.mp3",
        kind=Kind.RECORDING,
        speakers=(Speaker(name="Nguyễn Văn Bình", role=Role.GUEST, office="Phó Chủ tịch UBND huyện"),),
        chapters=chapters,
    )


def test_the_notes_list_who_asked_from_where_and_who_answered() -> None:
    asked = Question(asker="Bà Trần Thị C", commune="xã Tân Thành", topic="đất đai", answered_by="Nguyễn Văn Bình")
    description, content = episode_notes(
        episode(
            (
                Chapter(start_ms=0, title="Mở đầu"),
                Chapter(start_ms=134_000, title="Sổ đỏ", question=asked),
                Chapter(start_ms=200_000, title="Đường", question=Question(answered_by="Nguyễn Văn Bình")),
            )
        )
    )
    for notes in (description, content):
        assert (
            f"<p><strong>{QUESTIONS_HEADING}</strong></p><ul>"
            "<li>00:02:14 — Bà Trần Thị C, xã Tân Thành (đất đai); trả lời: Nguyễn Văn Bình</li>"
            "<li>00:03:20 — Trả lời: Nguyễn Văn Bình</li></ul>"
        ) in notes


def test_without_questions_the_notes_are_as_before() -> None:
    description, content = episode_notes(episode((Chapter(start_ms=0, title="Mở đầu"),)))
    assert QUESTIONS_HEADING not in description + content


def test_many_questions_keep_the_description_within_apples_limit() -> None:
    long = "Ông Nguyễn Văn Bình Minh Quang, ấp Long Thạnh, xã Tân Thành"
    chapters = tuple(
        Chapter(
            start_ms=i * 60_000,
            title=f"Câu hỏi {i}: {long} hỏi về thủ tục cấp giấy chứng nhận quyền sử dụng đất",
            question=Question(asker=long, commune="xã Tân Thành", topic="đất đai", answered_by="Nguyễn Văn Bình"),
        )
        for i in range(40)
    )
    description, content = episode_notes(episode(chapters))
    assert len(description.encode()) <= MAX_DESCRIPTION_BYTES < len(content.encode())
    assert content.count("trả lời: Nguyễn Văn Bình") == 40


@given(st.integers(min_value=0, max_value=100 * 3_600_000 - 1))
def test_parse_time_reads_back_every_time_radiocast_writes(ms: int) -> None:
    assert parse_time(clock(ms, fraction=".")) == ms
    assert parse_time(f"{ms / 1000:.3f}".replace(".", ",")) == ms
