"""Offline narration: an article whose MP3 can't be fetched is read by eSpeak NG's Vietnamese voice."""

from __future__ import annotations

import subprocess
from pathlib import Path

from lxml import etree
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from pytest_httpserver import HTTPServer
from station import Station

from radiocast import pipeline
from radiocast.audio import ffmpeg_path
from radiocast.models import Outcome

TITLE = "Đổi mới lề lối làm việc"
LEAD = "Ngày 19/12/2021, UBND huyện Lai Vung họp với CB,CC,VC. Cuộc họp kéo dài 2 giờ."


def decodes_cleanly(path: Path) -> bool:
    proc = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode == 0 and not proc.stderr.strip()


def item(station: Station) -> etree._Element:
    return etree.fromstring((station.root / "feeds" / "podcast.xml").read_bytes()).xpath("/rss/channel/item")[0]


def test_unreachable_mp3_is_narrated_then_replaced_when_reachable(station: Station, httpserver: HTTPServer) -> None:
    url = station.url("gone.mp3")
    httpserver.expect_oneshot_request("/audio/gone.mp3").respond_with_data("", status=404)
    station.seed("a.txt", title=TITLE, url=url, lead=LEAD)

    report = pipeline.publish(station.root, narrate=True)

    assert [r.outcome for r in report.results] == [Outcome.NARRATED]
    mp3 = station.root / "audio" / "doi-moi-le-loi-lam-viec.mp3"
    assert decodes_cleanly(mp3)
    assert MP3(mp3).info.length > 5  # title, lead (numbers read out) and body take a while to say
    assert ID3(mp3).getall("COMM")[0].text[0].startswith("Bản đọc bằng giọng máy.")
    narrated = item(station)
    assert "Bản đọc bằng giọng máy" in narrated.findtext("description")
    vtt = (station.root / "feeds" / "doi-moi-le-loi-lam-viec.vtt").read_text(encoding="utf-8")
    assert "UBND huyện Lai Vung họp với CB,CC,VC." in vtt  # cues show the text as written
    assert "Ảnh minh họa" not in vtt  # captions are never read

    # Still unreachable, and the title was corrected: the narration is re-tagged, not read again.
    httpserver.expect_oneshot_request("/audio/gone.mp3").respond_with_data("", status=404)
    station.seed("a.txt", title=TITLE + " (sửa)", url=url, lead=LEAD)
    assert [r.outcome for r in pipeline.publish(station.root, narrate=True).results] == [Outcome.RETAGGED]
    assert str(ID3(mp3)["TIT2"]) == TITLE + " (sửa)"

    # Online again: the newspaper's own MP3 replaces the narration under the same identity.
    source = station.serve_mp3("gone.mp3", seconds=2.0)
    report = pipeline.publish(station.root, narrate=True)
    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
    real = item(station)
    assert real.findtext("guid") == narrated.findtext("guid")
    assert real.find("enclosure").get("url") == narrated.find("enclosure").get("url")
    assert "Bản đọc bằng giọng máy" not in real.findtext("description")
    assert abs(MP3(mp3).info.length - MP3(station.mp3_factory(seconds=2.0)).info.length) < 0.1
    assert len(source) > 0


def test_article_without_a_link_needs_narration(station: Station) -> None:
    seed = station.root / "seeds" / "a.txt"
    seed.write_text(f"{TITLE}\nCập nhật ngày: 19/12/2021 06:08:40\nĐTO - {LEAD}\n", encoding="utf-8")

    report = pipeline.publish(station.root)
    assert report.results[0].outcome is Outcome.FAILED
    assert "no audio URL" in (report.results[0].error or "")

    report = pipeline.publish(station.root, narrate=True)
    assert report.results[0].outcome is Outcome.NARRATED
    assert decodes_cleanly(station.root / "audio" / "doi-moi-le-loi-lam-viec.mp3")
    # Narrated once: the next run neither narrates again nor fails.
    assert pipeline.publish(station.root, narrate=True).results[0].outcome is Outcome.UNCHANGED
    # A corrected title re-tags the narration in place.
    seed.write_text(seed.read_text(encoding="utf-8").replace(TITLE, TITLE + " (sửa)"), encoding="utf-8")
    assert pipeline.publish(station.root, narrate=True).results[0].outcome is Outcome.RETAGGED
    assert str(ID3(station.root / "audio" / "doi-moi-le-loi-lam-viec.mp3")["TIT2"]) == TITLE + " (sửa)"
