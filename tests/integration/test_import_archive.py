"""The programme's archive: old recordings and a spreadsheet of questions → manifests → published chapters."""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import feedparser
import jsonschema
import podcastparser
import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3
from station import Station
from test_recordings import ffmpeg, make_wav

from radiocast import pipeline
from radiocast.catalog import Catalog
from radiocast.cli import cli
from radiocast.models import Question
from radiocast.produce import Outcome
from radiocast.workspace import Workspace

HEADER = "Ngày phát sóng;Tệp ghi âm;Thời điểm;Người hỏi;Xã;Câu hỏi;Người trả lời;Chức vụ;Lĩnh vực;Ghi chú\n"
TOPICS = ("đất đai", "thủ tục hành chính", "giao thông", "an sinh xã hội", "nước sạch", "nông nghiệp")
COMMUNES = ("xã Tân Thành", "xã Long Hậu", "xã Vĩnh Thới", "xã Tân Phước", "thị trấn Lai Vung")
LEADERS = (("Nguyễn Văn Bình", "Phó Chủ tịch UBND huyện"), ("Trần Thị Mai", "Trưởng phòng Tài nguyên và Môi trường"))
SECONDS = 6
LABELS = "0.000000\t0.000000\tMở đầu\r\n2.500000\t4.000000\tBà Lê Thị Hạnh hỏi về nước sạch\r\n"


@dataclass(frozen=True)
class Good:
    line: int
    recording: str  # the manifest's name, without .toml
    start_ms: int
    title: str
    question: Question


@dataclass(frozen=True)
class Archive:
    folder: Path
    csv: Path
    good: tuple[Good, ...]
    bad: dict[int, str]  # CSV line → the column its error must name


def written_time(ms: int, n: int) -> str:
    """The spreadsheet's times, in each way people write them."""
    if ms % 1000 == 0:
        return (f"0:00:{ms // 1000:02d}", f"00:{ms // 1000:02d}", str(ms // 1000))[n % 3]
    return f"{ms / 1000:.1f}".replace(".", "," if n % 2 else ".")


def build_archive(folder: Path, mp3_factory: Callable[..., Path]) -> Archive:
    """12 broadcasts of 6 s (MP3, WAV, M4A; one named in the CSV, one with Audacity labels), 150 rows."""
    folder.mkdir()
    days = [f"2019-{month:02d}-25" for month in range(1, 13)]
    names = {day: day for day in days} | {days[6]: "bang-thu-07"}
    for i, day in enumerate(days):
        name = names[day]
        if i % 4 == 1:
            make_wav(folder / f"{name}.wav", SECONDS, freq=200 + 20 * i, volume=0.1)
        elif i == 10:
            wav = make_wav(folder / "tmp.wav", SECONDS, freq=300, volume=0.1)
            ffmpeg("-i", wav.as_posix(), "-c:a", "aac", "-b:a", "64k", (folder / f"{name}.m4a").as_posix())
            wav.unlink()
        else:
            mp3_factory(folder / f"{name}.mp3", seconds=SECONDS, freq=200 + 20 * i)
    labelled = days[11]
    (folder / f"{labelled}.txt").write_text(LABELS, encoding="utf-8")
    rows, good, bad = [], [], {}
    questioned = [d for d in days if d != labelled]
    for n in range(150):
        line = n + 2
        day = questioned[n % len(questioned)]
        slot = n // len(questioned)  # 0‥13: 0.2 s, 0.6 s, … 5.4 s into the recording
        start_ms = 200 + 400 * slot
        asker = f"Ông Nguyễn Văn {chr(65 + n % 26)}{n}"
        commune = COMMUNES[n % len(COMMUNES)]
        question = f"Câu hỏi {n}: hỏi về giấy chứng nhận quyền sử dụng đất"
        leader, office = LEADERS[n % 2]
        topic = TOPICS[n % len(TOPICS)]
        date = day if n % 2 else "/".join(reversed(day.split("-")))
        recording = f"{names[day]}.mp3" if names[day] != day else ""
        time = written_time(start_ms, n)
        if n == 20:
            time, bad[line] = "0:00:09", "Thời điểm"  # past the end of a 6 s recording
        elif n == 41:
            topic, bad[line] = "đường xá", "Lĩnh vực"
        elif n == 77:
            date, recording, bad[line] = "", "", "Ngày phát sóng"
        elif n == 101:
            time, bad[line] = "2 phút", "Thời điểm"
        elif n == 133:
            date, recording, bad[line] = "2019-13-25", "", "Ngày phát sóng"
        else:
            who = f"{asker}, {commune}"
            good.append(
                Good(
                    line=line,
                    recording=names[day],
                    start_ms=start_ms,
                    title=f"{who}: {question}",
                    question=Question(asker=asker, commune=commune, topic=topic, answered_by=leader),
                )
            )
        # The office only on some rows, as a clerk fills a spreadsheet.
        cells = [date, recording, time, asker, commune, question, leader, office if n % 3 else "", topic.title(), ""]
        rows.append(";".join(cells) + "\r\n")
    csv = folder / "cau-hoi.csv"
    csv.write_bytes(("\ufeff" + HEADER + "".join(rows)).encode("utf-8"))
    return Archive(folder=folder, csv=csv, good=tuple(good), bad=bad)


def import_archive(root: Path, archive: Archive, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        cli, ["-C", str(root), "import-archive", str(archive.folder), "--questions", str(archive.csv), *extra]
    )


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*"))} if folder.is_dir() else {}


def test_an_archive_of_twelve_broadcasts_becomes_twelve_episodes(
    station: Station, mp3_factory: Callable[..., Path], tmp_path: Path
) -> None:
    root = station.root
    make_wav(root / "jingles" / "intro.wav", 4, freq=880, volume=0.5)
    config = root / "podcast.toml"
    config.write_text(config.read_text(encoding="utf-8") + '\n[audio]\nintro = "jingles/intro.wav"\n', encoding="utf-8")
    archive = build_archive(tmp_path / "luu-tru", mp3_factory)

    dry = import_archive(root, archive, "--dry-run")
    assert dry.exit_code == 1, dry.output
    assert files(root / "seeds") == {}
    assert not (root / "recordings").exists()
    assert dry.stdout.count("# radiocast import-archive") == 12
    assert "dry run: 12 manifests to write, 0 to update, 0 unchanged; 5 problems" in dry.stderr

    result = import_archive(root, archive)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("radiocast: error: ")]
    assert len(errors) == len(archive.bad), errors
    for line, column in archive.bad.items():
        (error,) = [e for e in errors if f"cau-hoi.csv, line {line}, column " in e]
        assert f"cau-hoi.csv, line {line}, column {column}: " in error
    assert "12 manifests written, 0 updated, 0 unchanged; 5 problems" in result.stderr
    # What dry run showed is what was written.
    for manifest in (root / "seeds").glob("*.toml"):
        assert manifest.read_text(encoding="utf-8") in dry.stdout
    assert len(files(root / "recordings")) == 13  # 12 recordings and the labels, copied into the workspace

    report = pipeline.publish(root)
    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED] * 12, report.results
    feed = (root / "feeds" / "podcast.xml").read_bytes()
    assert len(feedparser.parse(feed).entries) == 12
    parsed = podcastparser.parse("https://radio.example.vn/laivung/feeds/podcast.xml", io.BytesIO(feed))
    assert {e["title"] for e in parsed["episodes"]} >= {"Chính quyền đối thoại với Nhân dân — 25/05/2019"}

    with Catalog(Workspace(root).catalog_path) as catalog:
        episodes = {Path(e.seed).stem: e for e in catalog.episodes()}
    assert len(episodes) == 12
    for name, episode in episodes.items():
        assert 3000 <= episode.offset_ms <= 4000, "the intro (4 s, less the crossfade) moves the recording's t=0"
        frames = {f.sub_frames["TIT2"].text[0]: f.start_time for f in ID3(root / episode.audio_path).getall("CHAP")}
        expected = [g for g in archive.good if g.recording == name]
        for question in expected:
            assert frames[question.title] == question.start_ms + episode.offset_ms
            (chapter,) = [c for c in episode.chapters if c.title == question.title]
            assert chapter.start_ms == question.start_ms + episode.offset_ms
            assert chapter.question == question.question
        if name == "2019-12-25":
            assert frames["Bà Lê Thị Hạnh hỏi về nước sạch"] == 2500 + episode.offset_ms
        else:
            assert len(frames) == len(expected) + 1  # and the intro's chapter at 0
    assert sum(len([c for c in e.chapters if c.question]) for e in episodes.values()) == len(archive.good) == 145
    # Who answered, with the office the spreadsheet gave.
    offices = {s.name: s.office for e in episodes.values() for s in e.speakers}
    assert offices == dict(LEADERS)

    # The question index: every good question once, its deep link at the second the chapter starts
    # in the published audio (the intro's shift included), as open data valid against its schema.
    published = json.loads((root / "feeds" / "questions.json").read_text(encoding="utf-8"))
    jsonschema.validate(published, json.loads((root / "feeds" / "questions.schema.json").read_text(encoding="utf-8")))
    listed = [(q["episode"]["guid"], q["question"]) for q in published["questions"]]
    assert len(listed) == len(set(listed)) == len(archive.good)
    starts = {(e.guid, c.title): c.start_ms for e in episodes.values() for c in e.chapters if c.question}
    for entry in published["questions"]:
        start_ms = starts[(entry["episode"]["guid"], entry["question"])]
        assert entry["start_seconds"] == start_ms / 1000
        page, second = entry["url"].split("#t=")
        assert page == entry["episode"]["page"]
        assert float(second) == start_ms / 1000
    page = (root / "feeds" / "questions.html").read_text(encoding="utf-8")
    # 145 questions: the overview names the topics, and each topic's pages list its questions.
    pages = [page, *(p.read_text(encoding="utf-8") for p in sorted((root / "feeds").glob("questions.*.html")))]
    for good in archive.good:
        assert sum(html.escape(good.title, quote=False) in text for text in pages) >= 1

    seeds, recordings = files(root / "seeds"), files(root / "recordings")
    again = import_archive(root, archive)
    assert "0 manifests written, 0 updated, 12 unchanged; 5 problems" in again.stderr
    assert files(root / "seeds") == seeds
    assert files(root / "recordings") == recordings
    report = pipeline.publish(root)
    assert [r.outcome for r in report.results] == [Outcome.UNCHANGED] * 12
    assert len(feedparser.parse((root / "feeds" / "podcast.xml").read_bytes()).entries) == 12


def test_a_reimport_keeps_the_operators_fields_and_leaves_their_own_manifests_alone(
    station: Station, mp3_factory: Callable[..., Path]
) -> None:
    root = station.root
    folder = root / "luu-tru"  # inside the workspace: nothing to copy
    folder.mkdir()
    for day in ("2019-05-25", "2019-06-29"):
        mp3_factory(folder / f"{day}.mp3", seconds=3)
    csv = folder / "cau-hoi.csv"
    csv.write_text(
        "date,time,asker,commune,question,answered_by,office,topic\n"
        "2019-05-25,1,Bà C,xã Tân Thành,Sổ đỏ,Ông B,Chủ tịch,đất đai\n"
        "29/06/2019,00:02,,,Đường ngập,,,\n",
        encoding="utf-8",
    )
    archive = Archive(folder=folder, csv=csv, good=(), bad={})
    (root / "seeds" / "2019-06-29.toml").write_text('title = "Của tôi"\n', encoding="utf-8")
    first = import_archive(root, archive)
    assert first.exit_code == 1
    assert re.search(r"seeds/2019-06-29\.toml: exists and was not written by import-archive", first.stderr)
    assert (root / "seeds" / "2019-06-29.toml").read_text(encoding="utf-8") == 'title = "Của tôi"\n'
    manifest = root / "seeds" / "2019-05-25.toml"
    text = manifest.read_text(encoding="utf-8")
    assert 'audio = "luu-tru/2019-05-25.mp3"' in text
    assert not (root / "recordings").exists()
    manifest.write_text(text.replace("audio = ", 'summary = "Bản ghi lưu trữ."\naudio = '), encoding="utf-8")
    csv.write_text(csv.read_text(encoding="utf-8").replace("Sổ đỏ", "Cấp sổ đỏ"), encoding="utf-8")
    second = import_archive(root, archive)
    assert "0 manifests written, 1 updated, 0 unchanged; 1 problems" in second.stderr
    text = manifest.read_text(encoding="utf-8")
    assert 'summary = "Bản ghi lưu trữ."' in text
    assert 'title = "Bà C, xã Tân Thành: Cấp sổ đỏ"' in text


@pytest.mark.parametrize(
    ("csv", "message"),
    [
        ("ngay;cau hoi\n", r"cau-hoi\.csv: no column 'start' in its first line"),
        ("date,time,question\n".encode("utf-16"), r"cau-hoi\.csv: not UTF-8"),
    ],
)
def test_a_spreadsheet_that_cannot_be_read_changes_nothing(station: Station, csv: str | bytes, message: str) -> None:
    folder = station.root.parent / "luu-tru"
    folder.mkdir()
    path = folder / "cau-hoi.csv"
    path.write_bytes(csv.encode() if isinstance(csv, str) else csv)
    result = import_archive(station.root, Archive(folder=folder, csv=path, good=(), bad={}))
    assert result.exit_code == 2
    assert re.search(message, result.stderr)
    assert files(station.root / "seeds") == {}


def test_a_different_file_already_in_recordings_is_never_overwritten(
    station: Station, mp3_factory: Callable[..., Path]
) -> None:
    folder = station.root.parent / "luu-tru"
    folder.mkdir()
    mp3_factory(folder / "2019-05-25.mp3", seconds=3)
    mp3_factory(folder / "2019-06-29.mp3", seconds=3)
    theirs = station.root / "recordings" / "2019-05-25.mp3"
    theirs.parent.mkdir()
    theirs.write_bytes(b"the station's own file")
    csv = folder / "cau-hoi.csv"
    csv.write_text("date,time,question\n2019-05-25,1,Sổ đỏ\n2019-06-29,1,Đường\n", encoding="utf-8")
    archive = Archive(folder=folder, csv=csv, good=(), bad={})
    for extra in (("--dry-run",), ()):
        result = import_archive(station.root, archive, *extra)
        assert result.exit_code == 1
        assert "recordings/2019-05-25.mp3 exists and differs from" in result.stderr
    assert theirs.read_bytes() == b"the station's own file"
    assert sorted(p.name for p in (station.root / "seeds").iterdir()) == ["2019-06-29.toml"]
