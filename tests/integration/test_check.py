"""`radiocast check`: the publish gate over a really published workspace, broken one way at a time."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3
from PIL import Image
from station import Station
from test_recordings import make_wav, write_manifest

from radiocast import pipeline
from radiocast.check import Finding, check_workspace
from radiocast.cli import cli
from radiocast.models import Outcome
from radiocast.urls import is_loopback
from radiocast.validate import Severity

TITLE_1 = "Đổi mới lề lối làm việc theo hướng tận tâm, tận tụy phục vụ Nhân dân"
TITLE_2 = "Kỳ 86: Tháo gỡ vướng mắc về đất đai ở xã Tân Thành"
MANIFEST = """\
title = "Kỳ 87: Nước sạch cho xã Tân Phước"
date = "2022-01-25 08:00"
audio = "recordings/ky-87.wav"

[[chapters]]
start = "00:00:00"
title = "Mở đầu"

[[chapters]]
start = "00:00:03"
title = "Câu hỏi 1: Bà Trần Thị Lan, xã Tân Phước hỏi về nước sạch"
"""
ONE = "audio/doi-moi-le-loi-lam-viec-theo-huong-tan-tam-tan-tuy-phuc-vu-nhan-dan.mp3"
TWO = "audio/ky-86-thao-go-vuong-mac-ve-dat-dai-o-xa-tan-thanh.mp3"
CHAPTERS = "feeds/ky-87-nuoc-sach-cho-xa-tan-phuoc.chapters.json"
COVER = "audio/cover.jpg"  # where radiocast init puts it
LONGER = ("feeds/podcast.xml", "item.enclosure.length")  # a tag change alters the size too


def publish_three(station: Station) -> None:
    """Two newspaper articles and one station recording with chapters, published for real."""
    station.serve_mp3("one.mp3", seconds=3.0)
    station.serve_mp3("two.mp3", seconds=2.0, freq=330)
    station.seed("a.txt", title=TITLE_1, url=station.url("one.mp3"))
    station.seed("b.txt", title=TITLE_2, url=station.url("two.mp3"), date="25/12/2021 08:00:00")
    make_wav(station.root / "recordings" / "ky-87.wav", 6, freq=440)
    write_manifest(station, "ky-87.toml", MANIFEST)
    report = pipeline.publish(station.root)
    assert {r.outcome for r in report.results} == {Outcome.PUBLISHED}, report.results
    assert (station.root / CHAPTERS).is_file()


@pytest.fixture
def published(station: Station) -> Station:
    publish_three(station)
    return station


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def run_check(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), "check", *args])
    return result.exit_code, result.stdout


def test_a_fresh_publish_passes_the_gate(published: Station) -> None:
    assert check_workspace(published.root) == []
    code, out = run_check(published.root)
    assert (code, out) == (0, "")


def test_loudness_is_measured_on_request(published: Station) -> None:
    findings = check_workspace(published.root, loudness=True)
    # The newspaper's MP3s are published as they came (audio.normalize_mp3 is off): a warning, never an error.
    assert errors(findings) == []
    assert {f.where for f in findings if f.rule == "audio.loudness"} <= {ONE, TWO}


def _grow(root: Path) -> None:
    with (root / ONE).open("ab") as f:
        f.write(b"\0" * 417)


def _id3v24(root: Path) -> None:
    ID3(root / ONE).save(v2_version=4)


def _no_tag(root: Path) -> None:
    ID3(root / ONE).delete()


def _id3v1(root: Path) -> None:
    with (root / ONE).open("ab") as f:
        f.write(b"TAG" + b"x" * 125)


def _latin1(root: Path) -> None:
    tags = ID3(root / ONE)
    tags["TALB"].encoding = 0
    tags["TALB"].text = ["Chính"]  # Latin-1 can hold í (not ề: mutagen refuses that)
    tags.save(v2_version=3)


def _bad_chapters(root: Path) -> None:
    (root / CHAPTERS).write_text('{"version": "1.2.0", "chapters": [{"startTime": -3}]}', encoding="utf-8")


def _no_chapters(root: Path) -> None:
    (root / CHAPTERS).unlink()


def _small_cover(root: Path) -> None:
    Image.new("RGB", (500, 500), "red").save(root / COVER, "JPEG")


BREAKS: dict[str, tuple[Callable[[Path], None], str, str, str]] = {
    "longer file": (_grow, "feeds/podcast.xml", "item.enclosure.length", "bytes"),
    "ID3v2.4": (_id3v24, ONE, "id3", "ID3v2.4"),
    "no tag": (_no_tag, ONE, "id3", "no ID3 tag"),
    "ID3v1": (_id3v1, ONE, "id3", "ID3v1"),
    "Latin-1": (_latin1, ONE, "id3", "Latin-1"),
    "bad chapters": (_bad_chapters, CHAPTERS, "chapters.json", "JSON chapters"),
    "no chapters": (_no_chapters, CHAPTERS, "sidecar.missing", "not there"),
    "small cover": (_small_cover, COVER, "artwork", "500×500"),
}


@pytest.mark.parametrize("name", BREAKS)
def test_each_broken_file_is_named_with_its_rule_and_fix(published: Station, name: str) -> None:
    breaker, where, rule, words = BREAKS[name]
    breaker(published.root)
    everything = errors(check_workspace(published.root))
    found = [f for f in everything if (f.where, f.rule) == (where, rule)]
    assert len(found) == 1, everything
    assert {(f.where, f.rule) for f in everything} - {(where, rule)} <= {LONGER}
    assert words in found[0].message
    assert found[0].fix
    code, out = run_check(published.root)
    assert code == 1
    assert f"{where}: " in out
    assert f"[{rule}]" in out


def test_every_problem_is_reported_not_only_the_first(published: Station) -> None:
    _grow(published.root)
    _no_chapters(published.root)
    _small_cover(published.root)
    found = {(f.where, f.rule) for f in errors(check_workspace(published.root))}
    assert found == {("feeds/podcast.xml", "item.enclosure.length"), (CHAPTERS, "sidecar.missing"), (COVER, "artwork")}
    code, out = run_check(published.root, "--json")
    assert code == 1
    assert {(f["where"], f["rule"]) for f in json.loads(out)} >= found


@pytest.mark.parametrize(
    ("base_url", "severity"),
    [
        ("http://127.0.0.1:8000/podcast/", Severity.WARNING),
        ("http://localhost/podcast/", Severity.WARNING),
        ("http://[::1]:8000/", Severity.WARNING),
        ("http://radio.example.vn/laivung/", Severity.ERROR),
    ],
)
def test_http_base_url_is_a_warning_on_loopback_and_an_error_elsewhere(
    published: Station, base_url: str, severity: Severity
) -> None:
    config = published.root / "podcast.toml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("https://radio.example.vn/laivung/", base_url), encoding="utf-8"
    )
    found = [f for f in check_workspace(published.root) if f.rule == "base_url.https"]
    assert [(f.severity, f.where) for f in found] == [(severity, "podcast.toml")]
    code, _ = run_check(published.root)
    assert code == (1 if severity is Severity.ERROR else 0)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        *[("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("localhost", True), ("radio.localhost", True)],
        *[("10.0.0.1", False), ("radio.example.vn", False), ("localhost.example.vn", False)],
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
