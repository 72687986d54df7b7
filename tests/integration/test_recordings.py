"""Station recordings from manifests: processing, chapters, speakers, transcripts, loudness."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree
from mutagen.id3 import ID3
from station import Station

from radiocast import pipeline, queries
from radiocast.audio import ffmpeg_path
from radiocast.models import Outcome

NS = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd", "podcast": "https://podcastindex.org/namespace/1.0"}
CHAPTER_TITLES = [f"Câu hỏi {i + 1}: Ông Nguyễn Văn {chr(65 + i)}, xã Tân Thành hỏi về đất đai" for i in range(10)]


def ffmpeg(*args: str) -> str:
    proc = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-y", *args], capture_output=True, text=True, check=True
    )
    return proc.stderr


def make_wav(path: Path, seconds: float, *, freq: int, volume: float = 0.3, channels: int = 2) -> Path:
    """Speech-like: a tone with a syllable-rate envelope and short pauses every few seconds."""
    expr = f"{volume}*sin(2*PI*{freq}*t)*(0.55+0.45*sin(2*PI*4*t))*gt(mod(t,4),0.4)"
    path.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg("-f", "lavfi", "-i", f"aevalsrc='{expr}':s=44100:d={seconds}", "-ac", str(channels), path.as_posix())
    return path


def loudness(path: Path) -> tuple[float, float]:
    """Integrated loudness and true peak, measured by ffmpeg's ebur128 filter (independent of radiocast)."""
    err = ffmpeg("-i", path.as_posix(), "-af", "ebur128=peak=true", "-f", "null", "-")
    summary = err[err.rindex("Summary:") :]
    integrated = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return integrated, peak


def write_manifest(station: Station, name: str, body: str) -> Path:
    path = station.root / "seeds" / name
    path.write_text(body, encoding="utf-8")
    return path


MANIFEST = """\
title = "Kỳ 86: Tháo gỡ vướng mắc về đất đai"
date = "2021-12-25 08:00"
audio = "recordings/ky-86.wav"
episode = 86
season = 2021
summary = "Lãnh đạo huyện Lai Vung trả lời câu hỏi của người dân về đất đai."

[[speakers]]
name = "Lê Thị Hoa"
role = "host"

[[speakers]]
name = "Nguyễn Văn Bình"
role = "guest"
office = "Phó Chủ tịch UBND huyện Lai Vung"

[[speakers]]
name = "Trần Văn Cường"
role = "guest"
office = "Trưởng phòng Tài nguyên và Môi trường"
"""


@pytest.fixture
def recording(station: Station) -> Station:
    make_wav(station.root / "recordings" / "ky-86.wav", 40, freq=220, volume=0.05)
    make_wav(station.root / "jingles" / "intro.wav", 4, freq=880, volume=0.5)
    make_wav(station.root / "jingles" / "outro.wav", 4, freq=660, volume=0.5)
    config = station.root / "podcast.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + '\n[audio]\nintro = "jingles/intro.wav"\noutro = "jingles/outro.wav"\n',
        encoding="utf-8",
    )
    chapters = "".join(
        f'\n[[chapters]]\nstart = "00:00:{i * 4:02d}"\ntitle = "{title}"\n' for i, title in enumerate(CHAPTER_TITLES)
    )
    write_manifest(station, "ky-86.toml", MANIFEST + chapters)
    return station


def test_recording_with_intro_outro_chapters_and_speakers(recording: Station) -> None:
    report = pipeline.publish(recording.root)
    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED], report.results
    mp3 = recording.root / "audio" / "ky-86-thao-go-vuong-mac-ve-dat-dai.mp3"

    # Loudness by an independent meter: within 1 LU of -16, true peak under -1 dBTP.
    integrated, peak = loudness(mp3)
    assert abs(integrated - -16.0) <= 1.0
    assert peak <= -1.0

    # ID3 chapters: ten, in order, shifted by the intro (4 s minus the crossfade).
    tags = ID3(mp3)
    toc = tags.getall("CTOC")[0]
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    ordered = [chaps[i] for i in toc.child_element_ids]
    assert [str(c.sub_frames["TIT2"]) for c in ordered] == ["Giới thiệu", *CHAPTER_TITLES]
    assert ordered[0].start_time == 0
    ordered = ordered[1:]
    offset = ordered[0].start_time
    assert 2500 <= offset <= 4000
    assert [c.start_time - offset for c in ordered] == [i * 4000 for i in range(10)]

    # The chapters JSON agrees with the ID3 frames.
    chapters_json = json.loads((recording.root / "feeds" / (mp3.stem + ".chapters.json")).read_text(encoding="utf-8"))
    assert chapters_json["version"].startswith("1.2")
    assert [c["title"] for c in chapters_json["chapters"]] == ["Giới thiệu", *CHAPTER_TITLES]
    assert [round(c["startTime"] * 1000) for c in chapters_json["chapters"][1:]] == [c.start_time for c in ordered]

    # The feed agrees too, and carries the speakers, season and episode.
    feed = (recording.root / "feeds" / "podcast.xml").read_bytes()
    root = etree.fromstring(feed)
    item = root.xpath("/rss/channel/item")[0]
    assert item.xpath("podcast:chapters/@url", namespaces=NS) == [
        "https://radio.example.vn/laivung/feeds/" + mp3.stem + ".chapters.json"
    ]
    persons = item.xpath("podcast:person", namespaces=NS)
    assert len(persons) == 3
    assert [p.get("role") for p in persons] == ["host", "guest", "guest"]
    assert any("Nguyễn Văn Bình" in p.text for p in persons)
    assert item.xpath("string(itunes:episode)", namespaces=NS) == "86"
    assert item.xpath("string(itunes:season)", namespaces=NS) == "2021"
    parsed = feedparser.parse(feed)
    assert not parsed.bozo
    entry = parsed.entries[0]
    # The whole notes: content:encoded when it holds more than the description, else the description.
    notes = entry.content[0].value if "content" in entry else entry.summary
    for title in CHAPTER_TITLES:
        assert title in notes
    assert "Phó Chủ tịch UBND huyện Lai Vung" in notes
    gpodder = podcastparser.parse("https://radio.example.vn/laivung/feeds/podcast.xml", io.BytesIO(feed))
    episode = gpodder["episodes"][0]
    assert episode["enclosures"][0]["file_size"] == mp3.stat().st_size
    assert abs(episode["total_time"] - (4 + 40 + 4 - 2)) <= 1.5

    rows = queries.status(recording.root)
    assert rows[0].state == "published"


def test_recording_republished_only_when_its_audio_changes(recording: Station) -> None:
    pipeline.publish(recording.root)
    assert {r.outcome for r in pipeline.publish(recording.root).results} == {Outcome.UNCHANGED}
    # Narration concerns articles only: switching it on leaves recordings alone.
    assert {r.outcome for r in pipeline.publish(recording.root, narrate=True).results} == {Outcome.UNCHANGED}
    make_wav(recording.root / "recordings" / "ky-86.wav", 41, freq=230, volume=0.05)
    assert [r.outcome for r in pipeline.publish(recording.root).results] == [Outcome.PUBLISHED]


def test_chapter_past_the_end_is_an_error_and_publishes_nothing(station: Station) -> None:
    make_wav(station.root / "recordings" / "ky-86.wav", 10, freq=220)
    write_manifest(station, "ky-86.toml", MANIFEST + '\n[[chapters]]\nstart = "00:00:30"\ntitle = "Quá thời lượng"\n')
    report = pipeline.publish(station.root)
    assert report.results[0].outcome is Outcome.FAILED
    assert "chapters[1].start 00:00:30 is past the end of the audio (00:00:10)" in (report.results[0].error or "")
    assert not list((station.root / "audio").glob("*.mp3"))
    assert not list((station.root / "feeds").glob("ky-86*"))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_bytes(b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(100)), "ky-86.wav"),
        (lambda p: p.write_text("không phải âm thanh", encoding="utf-8"), "ky-86.wav"),
        (lambda p: make_wav(p, 5, freq=220, volume=0.0), "silence"),
    ],
    ids=["corrupt-wav", "text-as-wav", "silence-only"],
)
def test_bad_recordings_fail_alone(station: Station, make, message: str) -> None:  # type: ignore[no-untyped-def]
    station.serve_mp3("one.mp3")
    station.seed("a.txt", title="Bài báo", url=station.url("one.mp3"))
    wav = station.root / "recordings" / "ky-86.wav"
    wav.parent.mkdir(parents=True, exist_ok=True)
    make(wav)
    write_manifest(station, "ky-86.toml", MANIFEST)
    report = pipeline.publish(station.root)
    outcomes = {r.seed: r for r in report.results}
    assert outcomes["seeds/a.txt"].outcome is Outcome.PUBLISHED
    failed = outcomes["seeds/ky-86.toml"]
    assert failed.outcome is Outcome.FAILED
    error = failed.error or ""
    assert error.startswith("seeds/ky-86.toml: ")
    assert message in error
    assert [p.name for p in (station.root / "audio").glob("*.mp3")] == ["bai-bao.mp3"]
    partial = station.root / ".radiocast" / "partial"
    assert not partial.exists() or not any(partial.iterdir())


def test_article_mp3_is_published_with_its_audio_frames_untouched(station: Station) -> None:
    source = station.serve_mp3("one.mp3", seconds=2.0)
    station.seed("a.txt", title="Bài báo", url=station.url("one.mp3"))
    pipeline.publish(station.root)
    published = (station.root / "audio" / "bai-bao.mp3").read_bytes()
    assert audio_frames(published) == audio_frames(source)
    assert published != source  # the tag is new


def audio_frames(data: bytes) -> bytes:
    """The bytes after the ID3v2 tag (its size is a syncsafe integer), without an ID3v1 tag."""
    start = 0
    if data[:3] == b"ID3":
        size = data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9]
        start = 10 + size
    end = len(data) - 128 if data[-128:-125] == b"TAG" else len(data)
    return data[start:end]


def test_article_transcripts_are_published_and_linked(station: Station) -> None:
    station.serve_mp3("one.mp3", seconds=3.0)
    station.seed("a.txt", title="Bài báo", url=station.url("one.mp3"), lead="Câu thứ nhất. Câu thứ hai.")
    pipeline.publish(station.root)
    feeds = station.root / "feeds"
    vtt = (feeds / "bai-bao.vtt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT")
    assert "Câu thứ nhất." in vtt
    assert (feeds / "bai-bao.srt").read_text(encoding="utf-8").startswith("1\n")
    assert "Câu thứ hai." in (feeds / "bai-bao.transcript.html").read_text(encoding="utf-8")
    item = etree.fromstring((feeds / "podcast.xml").read_bytes()).xpath("/rss/channel/item")[0]
    transcripts = item.xpath("podcast:transcript", namespaces=NS)
    assert [t.get("type") for t in transcripts] == ["text/vtt", "application/x-subrip", "text/html", "text/plain"]
    assert transcripts[0].get("rel") == "captions"
    assert transcripts[0].get("url") == "https://radio.example.vn/laivung/feeds/bai-bao.vtt"
