"""A real podcast client: gPodder's `gpo` subscribes to the served feed and downloads every episode."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from old_feed import OldFeed, three_episodes
from station import Station
from test_import import EPISODE_GUIDS, OLD_FEED_PATH, serve_old_feed
from werkzeug import Response

from radiocast import importer, pipeline
from radiocast.models import Outcome

GPO = shutil.which("gpo")

pytestmark = [
    pytest.mark.gpodder,
    pytest.mark.skipif(GPO is None, reason="gPodder's `gpo` is not installed (apt-get install gpodder)"),
]


def gpo(home: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GPODDER_HOME": str(home / "gpodder-home"),
        "GPODDER_DOWNLOAD_DIR": str(home / "gpodder-downloads"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
    }
    assert GPO is not None
    proc = subprocess.run([GPO, *args], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, f"gpo {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout + proc.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_gpodder_downloads_every_episode_byte_identical(station: Station, served: str, tmp_path: Path) -> None:
    station.serve_mp3("one.mp3", seconds=3.0, freq=220)
    station.serve_mp3("two.mp3", seconds=4.0, freq=330)
    station.seed("a.txt", title="Đổi mới lề lối làm việc, tận tụy phục vụ Nhân dân", url=station.url("one.mp3"))
    station.seed(
        "b.txt",
        title="Tháo gỡ vướng mắc về đất đai cho người dân xã Tân Thành",
        url=station.url("two.mp3"),
        date="25/12/2021 08:00:00",
    )
    report = pipeline.publish(station.root, base_url=served)
    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED, Outcome.PUBLISHED], report.results
    feed_url = served + "feeds/podcast.xml"
    assert b"<?xml-stylesheet" in (station.root / "feeds" / "podcast.xml").read_bytes()

    home = tmp_path / "gpo"
    home.mkdir()
    gpo(home, "subscribe", feed_url)
    listed = gpo(home, "episodes", feed_url)
    assert "Đổi mới lề lối làm việc" in listed
    assert "Tháo gỡ vướng mắc về đất đai" in listed
    gpo(home, "update")
    gpo(home, "download")

    published = {digest(p): p.name for p in (station.root / "audio").glob("*.mp3")}
    assert len(published) == 2
    downloads = [p for p in (home / "gpodder-downloads").rglob("*") if p.is_file()]
    assert sorted(digest(p) for p in downloads) == sorted(published), (
        f"gpo downloaded {[p.name for p in downloads]}, published {sorted(published.values())}"
    )


def test_a_feed_moved_here_with_a_301_shows_gpodder_no_new_episode(
    station: Station, served: str, tmp_path: Path
) -> None:
    # Only the episodes: the old feed's video and notice would be left behind by the move.
    old = OldFeed(items=three_episodes(station.url).items[:3])
    old_url = serve_old_feed(station, old)
    home = tmp_path / "gpo"
    home.mkdir()
    gpo(home, "subscribe", old_url)
    gpo(home, "update")
    gpo(home, "download")
    before = guids_listed(gpo(home, "episodes", "--guid", old_url))
    assert sorted(before) == sorted(EPISODE_GUIDS)
    assert len([p for p in (home / "gpodder-downloads").rglob("*") if p.is_file()]) == 3

    importer.import_feed(station.root, old_url)
    report = pipeline.publish(station.root, base_url=served)
    assert [r.outcome for r in report.results] == [Outcome.PUBLISHED] * 3, report.results
    new_url = served + "feeds/podcast.xml"
    # The move: the old host answers every request for the feed with a permanent redirect.
    station.server.clear()
    station.server.expect_request(OLD_FEED_PATH).respond_with_response(
        Response(status=301, headers={"Location": new_url})
    )

    assert "0 new episodes" in gpo(home, "update")
    assert new_url in gpo(home, "list")
    assert guids_listed(gpo(home, "episodes", "--guid", new_url)) == before
    assert "0 new episodes" in gpo(home, "pending")
    gpo(home, "download")
    assert len([p for p in (home / "gpodder-downloads").rglob("*") if p.is_file()]) == 3


def guids_listed(output: str) -> list[str]:
    """The GUIDs `gpo episodes --guid` prints ("  1. GUID  ▉  title"), one per episode it knows."""
    return sorted(match.group(1) for match in re.finditer(r"^\s+\d+\. (\S+)\s", output, re.MULTILINE))
