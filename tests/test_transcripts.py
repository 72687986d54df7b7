"""Transcripts: the WebVTT, SRT, HTML and text writers, and the reader of station transcripts."""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from pathlib import Path

import lxml.html
import pytest

from radiocast.errors import SeedError
from radiocast.transcripts import (
    MAX_LINE_CHARS,
    Cue,
    parse_transcript_file,
    split_cue,
    to_html,
    to_srt,
    to_text,
    to_vtt,
)

SEED = Path(__file__).resolve().parent.parent / "seeds" / "000_8d475bc5d7e1daab.txt"
VTT_TIMING = re.compile(r"^\d{2}:[0-5]\d:[0-5]\d\.\d{3} --> \d{2}:[0-5]\d:[0-5]\d\.\d{3}$")
SRT_TIMING = re.compile(r"^\d{2}:[0-5]\d:[0-5]\d,\d{3} --> \d{2}:[0-5]\d:[0-5]\d,\d{3}$")


LONG = (
    "Thời gian qua, lề lối làm việc của cấp ủy, Hội đồng nhân dân, UBND, các cơ quan, đơn vị từ huyện đến cơ sở "
    "và đội ngũ cán bộ, công chức, viên chức (CB,CC,VC) trên địa bàn huyện Lai Vung theo hướng tận tâm, tận tụy "
    "phục vụ Nhân dân phù hợp với tinh thần Kế hoạch số 05."
)
CUES = [
    Cue(start_ms=300, end_ms=2500, text="Đổi mới lề lối làm việc"),
    Cue(start_ms=3000, end_ms=21_000, text=LONG),
    Cue(start_ms=3_600_000, end_ms=3_601_500, text="Hỏi: A < B & C > D?", speaker="Nguyễn Văn Bình"),
]


def test_split_cue_keeps_text_and_time() -> None:
    pieces = split_cue(CUES[1])
    assert len(pieces) >= 2
    assert " ".join(p.text for p in pieces) == LONG
    assert all(len(p.text) <= 2 * MAX_LINE_CHARS for p in pieces)
    assert pieces[0].start_ms == 3000
    assert pieces[-1].end_ms == 21_000
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(pieces))
    assert split_cue(CUES[0]) == [CUES[0]]


def test_vtt_format(tmp_path: Path) -> None:
    vtt = to_vtt(CUES)
    lines = vtt.split("\n")
    assert lines[:3] == ["WEBVTT", "", "NOTE Language: vi"]
    timings = [line for line in lines if "-->" in line]
    assert timings
    assert all(VTT_TIMING.match(t) for t in timings)
    assert "00:00:00.300 --> 00:00:02.500" in timings
    assert "01:00:00.000 --> 01:00:01.500" in timings
    text_lines = [line for line in lines[3:] if line and "-->" not in line]
    assert all(len(line) <= MAX_LINE_CHARS for line in text_lines)
    assert "<v Nguyễn Văn Bình>Hỏi: A &lt; B &amp; C &gt; D?" in lines
    assert unicodedata.is_normalized("NFC", vtt)
    path = tmp_path / "t.vtt"
    path.write_text(vtt, encoding="utf-8")
    expected = [piece for cue in CUES for piece in split_cue(cue)]
    assert parse_transcript_file(path) == expected


def test_vtt_reads_in_an_independent_parser(tmp_path: Path) -> None:
    import webvtt  # test-only dependency: webvtt-py

    path = tmp_path / "t.vtt"
    path.write_text(to_vtt(CUES), encoding="utf-8")
    captions = webvtt.read(str(path)).captions
    expected = [piece for cue in CUES for piece in split_cue(cue)]
    assert [(c.start, c.end) for c in captions] == [
        (f"{p.start_ms // 3_600_000:02d}:{p.start_ms // 60000 % 60:02d}:{p.start_ms // 1000 % 60:02d}.{p.start_ms % 1000:03d}",
         f"{p.end_ms // 3_600_000:02d}:{p.end_ms // 60000 % 60:02d}:{p.end_ms // 1000 % 60:02d}.{p.end_ms % 1000:03d}")
        for p in expected
    ]  # fmt: skip
    assert [html.unescape(c.text.replace("\n", " ")) for c in captions] == [p.text for p in expected]
    assert captions[-1].voice == "Nguyễn Văn Bình"


def test_srt_format(tmp_path: Path) -> None:
    srt = to_srt(CUES[:2])
    blocks = srt.strip().split("\n\n")
    assert [b.split("\n")[0] for b in blocks] == [str(i) for i in range(1, len(blocks) + 1)]
    assert all(SRT_TIMING.match(b.split("\n")[1]) for b in blocks)
    assert blocks[0].split("\n")[1] == "00:00:00,300 --> 00:00:02,500"
    path = tmp_path / "t.srt"
    path.write_text(srt, encoding="utf-8")
    assert parse_transcript_file(path) == [piece for cue in CUES[:2] for piece in split_cue(cue)]
    assert "2\n01:00:00,000 --> 01:00:01,500\nNguyễn Văn Bình: Hỏi: A < B & C > D?" in to_srt(CUES[::2])
    assert to_srt([]) == ""


def test_parse_vtt_features(tmp_path: Path) -> None:
    path = tmp_path / "station.vtt"
    path.write_text(
        "\ufeffWEBVTT - Kỳ 86\r\n\r\nNOTE made by hand\r\n\r\nSTYLE\r\n::cue { color: yellow }\r\n\r\n"
        "intro\r\n00:01.000 --> 00:04.500 align:start line:0\r\n<v.host Lê Thị C>Xin <i>chào</i>\r\nquý vị\r\n\r\n"
        "00:00:05.000 --> 00:00:06.000\r\nA &amp; B\r\n",
        encoding="utf-8",
    )
    assert parse_transcript_file(path) == [
        Cue(start_ms=1000, end_ms=4500, text="Xin chào quý vị", speaker="Lê Thị C"),
        Cue(start_ms=5000, end_ms=6000, text="A & B"),
    ]


def test_plain_text_transcript(tmp_path: Path) -> None:
    path = tmp_path / "script.txt"
    path.write_text(unicodedata.normalize("NFD", "Xin chào quý vị.\n\nHôm nay…\n"), encoding="utf-8")
    assert parse_transcript_file(path) == "Xin chào quý vị.\n\nHôm nay…"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:0x.000\nA\n", r"bad\.vtt, line 3: time '00:00:0x.000'"),
        ("bad.vtt", "WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nA\n", r"bad\.vtt, line 3: the cue ends before"),
        (
            "bad.vtt",
            "WEBVTT\n\n00:05.000 --> 00:06.000\nA\n\n00:01.000 --> 00:02.000\nB\n",
            r"bad\.vtt, line 6: the cue starts before",
        ),
        ("bad.vtt", "WEBVTT\n\njust text\nmore\n", r"bad\.vtt, line 3: expected a WebVTT cue timing"),
        ("bad.vtt", "00:00:01.000 --> 00:00:02.000\nA\n", r"bad\.vtt is not WebVTT"),
        ("bad.vtt", "WEBVTT\n\nNOTE nothing\n", r"bad\.vtt has no WebVTT cues"),
        ("bad.srt", "1\n00:00:01.000 -> 00:00:02.000\nA\n", r"bad\.srt, line 1: expected a SRT cue timing"),
        ("bad.srt", "1\n0:0:1,000 --> 00:00:02,000\nA\n", r"bad\.srt, line 2: time '0:0:1,000'"),
        ("empty.txt", "\n \n", r"empty\.txt is empty"),
    ],
)
def test_transcript_errors_name_the_file(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SeedError, match=message) as info:
        parse_transcript_file(path)
    assert info.value.hint


def test_unreadable_transcripts(tmp_path: Path) -> None:
    with pytest.raises(SeedError, match=r"missing\.vtt cannot be read"):
        parse_transcript_file(tmp_path / "missing.vtt")
    latin = tmp_path / "latin.txt"
    latin.write_bytes("Xin chào".encode("cp1258", "replace") + b"\xff\xfe")
    with pytest.raises(SeedError, match=r"latin\.txt is not UTF-8"):
        parse_transcript_file(latin)


def test_html_is_well_formed_and_escaped() -> None:
    document = to_html("Đổi mới <lề lối> & “tận tâm”", ["Đoạn một.", "", "A < B & C"], language="vi")
    assert document.startswith("<!DOCTYPE html>")
    root = lxml.html.document_fromstring(document)
    assert root.get("lang") == "vi"
    assert root.findtext("head/title") == "Đổi mới <lề lối> & “tận tâm”"
    assert root.findtext("body/main/h1") == "Đổi mới <lề lối> & “tận tâm”"
    assert [p.text for p in root.iter("p")] == ["Đoạn một.", "A < B & C"]
    assert root.find("head/meta").get("charset") == "utf-8"


def test_text_is_nfc() -> None:
    title = unicodedata.normalize("NFD", "Đổi mới lề lối")
    text = to_text(title, [unicodedata.normalize("NFD", "Tận tâm, tận tụy."), "  ", "Phục vụ   Nhân dân."])
    assert text == "Đổi mới lề lối\n\nTận tâm, tận tụy.\n\nPhục vụ Nhân dân.\n"
    assert unicodedata.is_normalized("NFC", text)
