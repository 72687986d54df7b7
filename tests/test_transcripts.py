"""Transcripts: sentence alignment on real synthetic speech, and WebVTT/SRT/HTML/text output."""

from __future__ import annotations

import html
import itertools
import re
import subprocess
import unicodedata
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import numpy as np
import pytest

from radiocast.align import align_sentences, decode_mono, detect_pauses
from radiocast.audio import ffmpeg_path
from radiocast.errors import AudioError, SeedError
from radiocast.seeds import read_article
from radiocast.sentences import speakable, split_paragraphs
from radiocast.speech import synthesize, write_wav
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


@pytest.fixture(scope="module")
def article_sentences() -> tuple[list[str], frozenset[int]]:
    article = read_article(SEED, seed=SEED.name, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    found = split_paragraphs([article.title, article.lead, *article.paragraphs[:2]])
    return list(found.sentences), found.paragraph_breaks


def bursts(rate: int, pattern: list[tuple[int, int]]) -> np.ndarray:
    """A 220 Hz tone for each (speech_ms, pause_ms) pair, with faint noise in the pauses."""
    rng = np.random.default_rng(0)
    parts = []
    for speech_ms, pause_ms in pattern:
        t = np.arange(rate * speech_ms // 1000) / rate
        parts.append(0.3 * np.sin(2 * np.pi * 220 * t))
        parts.append(rng.normal(0, 0.0005, rate * pause_ms // 1000))
    return (np.concatenate(parts) * 32767).astype(np.int16)


def test_detect_pauses_finds_the_gaps() -> None:
    samples = bursts(16000, [(1000, 500), (700, 100), (800, 300), (600, 0)])
    # The 100 ms gap is shorter than a pause; the trailing silence is not between speech.
    assert detect_pauses(samples, 16000) == [(1000, 1500), (3100, 3400)]
    floats = samples.astype(np.float32) / 32768
    assert detect_pauses(floats, 16000, min_pause_ms=80) == [(1000, 1500), (2200, 2300), (3100, 3400)]


def test_align_sentences_on_synthetic_speech(
    tmp_path: Path, article_sentences: tuple[list[str], frozenset[int]]
) -> None:
    sentences, breaks = article_sentences
    synthesis = synthesize([speakable(s) for s in sentences], paragraph_breaks=breaks, rate_wpm=220)
    wav, mp3 = tmp_path / "speech.wav", tmp_path / "speech.mp3"
    write_wav(synthesis, wav)
    subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-nostdin", "-i", str(wav), "-b:a", "64k", str(mp3)],
        check=True,
    )
    samples = decode_mono(mp3)
    assert samples.dtype == np.int16
    assert len(samples) / 16000 == pytest.approx(synthesis.duration_ms / 1000, abs=0.1)
    cues = align_sentences(samples, 16000, sentences)
    assert [c.text for c in cues] == sentences
    errors = np.abs(np.array([c.start_ms for c in cues]) - np.array(synthesis.sentence_starts_ms))
    assert np.median(errors) < 500
    assert errors.max() < 500  # every boundary lands on its own pause here, not only most
    assert all(c.start_ms < c.end_ms <= d.start_ms for c, d in itertools.pairwise(cues))


def test_align_at_the_engine_sample_rate(article_sentences: tuple[list[str], frozenset[int]]) -> None:
    # 10 ms frames are 220 samples at 22050 Hz (9.977 ms): no drift over the recording.
    sentences, breaks = article_sentences
    synthesis = synthesize([speakable(s) for s in sentences], paragraph_breaks=breaks, rate_wpm=220)
    samples = np.frombuffer(synthesis.pcm, dtype="<i2")
    cues = align_sentences(samples, synthesis.sample_rate, sentences)
    errors = np.abs(np.array([c.start_ms for c in cues]) - np.array(synthesis.sentence_starts_ms))
    assert errors.max() <= 30
    ends = np.abs(np.array([c.end_ms for c in cues]) - np.array(synthesis.sentence_ends_ms))
    assert np.median(ends) <= 30


def test_align_prefers_pauses_near_the_expected_place() -> None:
    # Three sentences of 10, 10 and 20 syllables; decoy pauses inside the long ones.
    samples = bursts(16000, [(1000, 200), (1000, 600), (1000, 200), (1000, 600), (2000, 200), (2000, 0)])
    ten = " ".join(["ba"] * 10)
    cues = align_sentences(samples, 16000, [ten + ".", ten + ".", ten + " " + ten + "."])
    assert [c.start_ms for c in cues] == [0, 2800, 5600]
    assert [c.end_ms for c in cues] == [2200, 5000, 9800]


def test_align_without_enough_pauses_still_orders_cues() -> None:
    samples = bursts(16000, [(3000, 400), (3000, 0)])
    cues = align_sentences(samples, 16000, ["Một hai ba.", "Bốn năm sáu.", "Bảy tám chín.", "Mười."])
    starts = [c.start_ms for c in cues]
    assert starts == sorted(starts)
    assert 3400 in starts


def test_align_stereo_integer_samples() -> None:
    mono = bursts(16000, [(1000, 500), (1000, 0)])
    stereo = np.stack([mono, mono], axis=1)
    cues = align_sentences(stereo, 16000, ["Một hai.", "Ba bốn."])
    assert [(c.start_ms, c.end_ms) for c in cues] == [(0, 1000), (1500, 2500)]
    # Integer samples are measured against their full scale: 3/32768 is -80 dBFS, no speech.
    hiss = np.random.default_rng(0).integers(-3, 4, size=(16000, 2), dtype=np.int16)
    with pytest.raises(AudioError, match="silent"):
        align_sentences(hiss, 16000, ["Một."])


def test_align_edge_cases() -> None:
    samples = bursts(16000, [(500, 300), (2000, 300)])
    assert align_sentences(samples, 16000, []) == []
    [cue] = align_sentences(samples, 16000, ["Một câu."])
    assert (cue.start_ms, cue.end_ms) == (0, 2800)
    with pytest.raises(AudioError, match="silent"):
        align_sentences(np.zeros(16000, dtype=np.int16), 16000, ["Một."])
    with pytest.raises(AudioError, match="empty"):
        align_sentences(np.zeros(0, dtype=np.int16), 16000, ["Một."])


def test_decode_mono_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp3"
    broken.write_bytes(b"not audio at all" * 10)
    with pytest.raises(AudioError, match=r"broken\.mp3"):
        decode_mono(broken)
    with pytest.raises(AudioError, match=r"missing\.mp3"):
        decode_mono(tmp_path / "missing.mp3")


def test_decode_mono_resamples(sample_mp3: Path) -> None:
    assert len(decode_mono(sample_mp3, rate=8000)) == pytest.approx(3 * 8000, rel=0.02)


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
