"""A password in a seed's audio URL reaches the newspaper's server and nothing else: not the feed, the
pages, the ID3 tags, the output or the episode's identity."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree
from mutagen.id3 import ID3
from pytest_httpserver import HTTPServer
from station import Station
from werkzeug import Request, Response

SECRET = "s3cr3t-pa55"  # noqa: S105 - the station's password, to be searched for
TITLE = "Kỳ 86: Tháo gỡ vướng mắc về đất đai"


def _with_password(url: str, password: str = SECRET) -> str:
    return url.replace("http://", f"http://radio:{password}@", 1)


def _guarded(station: Station, httpserver: HTTPServer, password: str = SECRET) -> None:
    data = station.mp3_factory(seconds=2.0).read_bytes()
    token = "Basic " + base64.b64encode(f"radio:{password}".encode()).decode()

    def handler(request: Request) -> Response:
        if request.headers.get("Authorization") != token:
            return Response("login required", status=401, headers={"WWW-Authenticate": 'Basic realm="bao"'})
        return Response(data, content_type="audio/mpeg")

    httpserver.clear()
    httpserver.expect_request("/audio/ky-86.mp3").respond_with_handler(handler)


def _publish(station: Station, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "radiocast", "-C", str(station.root), *args]
    return subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)


def _leaks(root: Path) -> list[str]:
    """Every published file holding the password, in any encoding a feed, a page or a tag uses."""
    forms = [SECRET.encode(), SECRET.encode("utf-16-le"), SECRET.encode("utf-16-be")]
    public = [p for p in root.rglob("*") if p.is_file() and p.relative_to(root).parts[0] not in (".radiocast", "seeds")]
    return [p.relative_to(root).as_posix() for p in public if any(form in p.read_bytes() for form in forms)]


def test_a_password_in_the_audio_url_is_used_but_never_published(station: Station, httpserver: HTTPServer) -> None:
    _guarded(station, httpserver)
    station.seed("ky-86.txt", title=TITLE, url=_with_password(station.url("ky-86.mp3")))

    run = _publish(station, "-v", "publish")
    assert run.returncode == 0, run.stderr
    assert SECRET not in run.stdout + run.stderr
    status = _publish(station, "status")
    assert SECRET not in status.stdout + status.stderr

    published = sorted(p.relative_to(station.root).as_posix() for p in (station.root / "audio").glob("*.mp3"))
    assert published == ["audio/ky-86-thao-go-vuong-mac-ve-dat-dai.mp3"]
    assert _leaks(station.root) == []
    woas = ID3(station.root / published[0]).getall("WOAS")
    assert [frame.url for frame in woas] == [station.url("ky-86.mp3")]
    feed = etree.parse(station.root / "feeds" / "podcast.xml")
    guids = feed.xpath("//item/guid/text()")
    assert len(guids) == 1

    # The newspaper changes its password: the same episode, not a new one.
    changed = "m0i-2022"
    _guarded(station, httpserver, password=changed)
    station.seed("ky-86.txt", title=TITLE, url=_with_password(station.url("ky-86.mp3"), changed))
    again = _publish(station, "publish")
    assert again.returncode == 0, again.stderr
    assert etree.parse(station.root / "feeds" / "podcast.xml").xpath("//item/guid/text()") == guids


@pytest.mark.parametrize("served_password", ["sai-mat-khau", None])
def test_a_refused_login_is_one_line_without_the_password(
    station: Station, httpserver: HTTPServer, served_password: str | None
) -> None:
    if served_password is None:
        httpserver.expect_request("/audio/ky-86.mp3").respond_with_data("", status=403)
    else:
        _guarded(station, httpserver, password=served_password)
    station.seed("ky-86.txt", title=TITLE, url=_with_password(station.url("ky-86.mp3")))

    run = _publish(station, "publish")
    assert run.returncode != 0
    assert SECRET not in run.stdout + run.stderr
    assert station.url("ky-86.mp3").replace("http://", "http://***@") in run.stderr
    assert not list((station.root / "audio").glob("*.mp3"))
    assert _leaks(station.root) == []
