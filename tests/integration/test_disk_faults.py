"""A full disk, a read-only workspace, a web root on another disk: one clear line, the right
exit code, nothing lost.

A full disk is a file size limit (RLIMIT_FSIZE) on the `publish` process: each write past
it fails with EFBIG, as one past the end of a full disk fails with ENOSPC. A read-only
workspace is chmod; as root, which chmod does not stop, `publish` runs without the
capabilities that let root write anywhere (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import feedparser
import pytest
import requests
from station import Station
from test_recordings import make_wav

from radiocast import pipeline
from radiocast.models import Outcome

PR_CAPBSET_DROP: int = 24  # <linux/prctl.h>
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2  # <linux/capability.h>
_prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before any fork


def publish(root: Path, preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "radiocast", "-C", str(root), "publish"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        preexec_fn=preexec,
        # Python ignores SIGXFSZ, so a write past the limit fails with EFBIG instead of killing
        # the process: keep it ignored in the child (subprocess restores it by default).
        restore_signals=False,
    )


def file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def not_above_permissions() -> Callable[[], None] | None:
    """For root: a child that file permissions apply to (dropped from the bounding set, the
    capabilities are gone after exec). Others need nothing."""
    if os.geteuid() != 0:
        return None
    probe = subprocess.run([sys.executable, "-c", ""], preexec_fn=_drop_dac, check=False, capture_output=True)
    if probe.returncode != 0:
        pytest.skip("root without CAP_SETPCAP: nothing stops it writing a chmod-ed workspace")
    return _drop_dac


def _drop_dac() -> None:
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if _prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@contextlib.contextmanager
def read_only(paths: list[Path]) -> Iterator[None]:
    modes = {path: path.stat().st_mode for path in paths}
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


def published(root: Path) -> dict[str, bytes]:
    """Every file a web server serves from the workspace."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for folder in (root / "audio", root / "feeds")
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def catalog(root: Path) -> list[tuple[object, ...]]:
    """The catalog, checked whole; what it says of each live episode."""
    db = sqlite3.connect(root / ".radiocast" / "catalog.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        return db.execute(
            "SELECT guid, slug, published, enclosure_url, size_bytes, sha256, live_since FROM episodes "
            "WHERE live_since IS NOT NULL ORDER BY guid"
        ).fetchall()
    finally:
        db.close()


def one_error(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("radiocast: error: "), stderr
    return lines[0]


@pytest.fixture
def one_published(station: Station) -> Station:
    """A workspace with one episode published, and a second seed waiting for the next run."""
    station.serve_mp3("one.mp3", seconds=3.0)
    station.seed("a.txt", title="Bài một", url=station.url("one.mp3"))
    done = publish(station.root)
    assert done.returncode == 0, done.stderr
    station.serve_mp3("two.mp3", seconds=3.0, freq=330)
    station.seed("b.txt", title="Bài hai", url=station.url("two.mp3"), date="25/12/2021 08:00:00")
    return station


def test_full_disk_fails_the_episode_and_loses_nothing(one_published: Station, served: str) -> None:
    root = one_published.root
    before, rows = published(root), catalog(root)
    source = len(one_published.mp3_factory(seconds=3.0, freq=330).read_bytes())
    tagged = (root / "audio" / "bai-mot.mp3").stat().st_size  # the cover art makes the tag large
    limit = (source + tagged) // 2
    assert source < limit < tagged  # the download fits, the tagged MP3 does not

    run = publish(root, file_size_limit(limit))

    assert run.returncode == 1, run.stderr
    line = one_error(run.stderr)
    assert line.startswith("radiocast: error: seeds/b.txt: cannot write .radiocast/staging/bai-hai.mp3: "), line
    assert "File too large — " in line
    assert "raise it (ulimit -f)" in line
    assert published(root) == before
    assert catalog(root) == rows
    assert not list((root / ".radiocast" / "staging").iterdir())  # nothing half-made left behind
    feed = requests.get(served + "feeds/podcast.xml", timeout=10)
    assert feed.content == before["feeds/podcast.xml"]
    assert [e.title for e in feedparser.parse(feed.content).entries] == ["Bài một"]

    again = publish(root)
    assert again.returncode == 0, again.stderr
    assert len(feedparser.parse((root / "feeds" / "podcast.xml").read_bytes()).entries) == 2


def test_full_disk_while_ffmpeg_encodes_a_recording_names_the_file_not_the_recording(station: Station) -> None:
    make_wav(station.root / "recordings" / "ky-86.wav", 20, freq=220)
    (station.root / "seeds" / "ky-86.toml").write_text(
        'title = "Kỳ 86: Tháo gỡ vướng mắc về đất đai"\ndate = "2021-12-25 08:00"\naudio = "recordings/ky-86.wav"\n',
        encoding="utf-8",
    )

    # ffmpeg writes the 20 s MP3 past 150 kB; the catalog and its journal stay well under that.
    run = publish(station.root, file_size_limit(150_000))

    assert run.returncode == 1, run.stderr
    line = one_error(run.stderr)
    assert line.startswith("radiocast: error: seeds/ky-86.toml: cannot write .radiocast/staging/"), line
    assert "File too large — " in line
    assert "raise it (ulimit -f)" in line
    assert "ky-86.wav" not in line  # the recording is fine: do not send anyone to re-export it
    assert not [name for name in published(station.root) if name.endswith(".mp3")]
    assert feedparser.parse((station.root / "feeds" / "podcast.xml").read_bytes()).entries == []
    assert not list((station.root / ".radiocast" / "staging").iterdir())

    again = publish(station.root)
    assert again.returncode == 0, again.stderr


def test_full_disk_under_the_catalog_changes_nothing(one_published: Station) -> None:
    root = one_published.root
    before, rows = published(root), catalog(root)
    db = root / ".radiocast" / "catalog.sqlite3"

    run = publish(root, file_size_limit(db.stat().st_size // 2))

    assert run.returncode == 3, run.stderr  # the catalog could not be written: its own code, not "usage"
    line = one_error(run.stderr)
    assert f"{db}: " in line
    assert "free some space on the disk that holds the workspace" in line
    assert "restore it from a backup" not in line  # the catalog is not damaged: do not send anyone to backups
    assert published(root) == before
    assert catalog(root) == rows

    again = publish(root)
    assert again.returncode == 0, again.stderr


def test_read_only_web_root_fails_the_episode_and_loses_nothing(one_published: Station) -> None:
    root = one_published.root
    preexec = not_above_permissions()
    before, rows = published(root), catalog(root)

    with read_only([root / "audio", root / "feeds"]):
        run = publish(root, preexec)

    assert run.returncode == 1, run.stderr
    line = one_error(run.stderr)
    assert line.startswith("radiocast: error: seeds/b.txt: cannot write feeds/bai-hai."), line
    assert "Permission denied — make feeds writable for the user running radiocast" in line
    assert published(root) == before
    assert catalog(root) == rows
    assert not list((root / ".radiocast" / "staging").iterdir())

    again = publish(root)
    assert again.returncode == 0, again.stderr


def test_read_only_workspace_changes_nothing(one_published: Station) -> None:
    root = one_published.root
    preexec = not_above_permissions()
    before, rows = published(root), catalog(root)
    state = {p: p.read_bytes() for p in (root / ".radiocast").rglob("*") if p.is_file()}

    with read_only([root, *root.rglob("*")]):
        run = publish(root, preexec)

    assert run.returncode == 2, run.stderr
    line = one_error(run.stderr)
    assert f"{root / '.radiocast' / 'lock'}: Permission denied — make " in line
    assert "writable for the user running radiocast" in line
    assert published(root) == before
    assert {p: p.read_bytes() for p in (root / ".radiocast").rglob("*") if p.is_file()} == state
    assert catalog(root) == rows

    again = publish(root)
    assert again.returncode == 0, again.stderr


def test_web_root_on_another_filesystem_is_still_written_atomically(station: Station) -> None:
    """Files are staged in .radiocast/; a feeds/ mounted from elsewhere cannot take a rename from there."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == station.root.stat().st_dev:
        pytest.skip("needs /dev/shm on a filesystem of its own")
    elsewhere = Path(tempfile.mkdtemp(dir=shm))
    try:
        (station.root / "feeds").rmdir()
        (station.root / "feeds").symlink_to(elsewhere, target_is_directory=True)
        station.serve_mp3("one.mp3", seconds=2.0)
        station.seed("a.txt", title="Bài một", url=station.url("one.mp3"))

        report = pipeline.publish(station.root)

        assert [r.outcome for r in report.results] == [Outcome.PUBLISHED]
        names = sorted(p.name for p in elsewhere.iterdir())
        assert "podcast.xml" in names
        assert "bai-mot.vtt" in names
        assert not [n for n in names if n.startswith(".")]  # no temporary file left beside them
        assert len(feedparser.parse((elsewhere / "podcast.xml").read_bytes()).entries) == 1
    finally:
        shutil.rmtree(elsewhere)


def test_a_feed_that_cannot_be_written_stops_the_run_with_its_own_code(one_published: Station) -> None:
    """Exit 1 means "some episodes failed, the others are in the feed": not true when the feed is not written."""
    root = one_published.root
    feed = root / "feeds" / "podcast.xml"
    old = feed.read_bytes()
    feed.unlink()
    feed.mkdir()  # even root cannot replace a folder with a file

    run = publish(root)

    assert run.returncode == 3, run.stderr
    *progress, line = run.stderr.splitlines()
    assert progress == ["published  seeds/b.txt → audio/bai-hai.mp3"]
    assert line.startswith("radiocast: error: cannot write feeds/podcast.xml: Is a directory — "), line
    feed.rmdir()
    again = publish(root)
    assert again.returncode == 0, again.stderr
    assert len(feedparser.parse(feed.read_bytes()).entries) == 2
    assert feed.read_bytes() != old


def test_the_search_indexer_killed_by_a_file_size_limit_fails_publish_without_hanging(station: Station) -> None:
    station.serve_mp3("one.mp3", seconds=3.0)
    station.seed("a.txt", title="Bài một về đất đai", url=station.url("one.mp3"))
    assert publish(station.root).returncode == 0
    index = station.root / "feeds" / "pagefind"
    before = {p: p.read_bytes() for p in index.rglob("*") if p.is_file()}
    (station.root / ".radiocast" / "search.digest").unlink()  # the index must be made again

    # Pagefind writes its whole bundle, one file of which is 175 kB: the kernel kills the binary.
    run = publish(station.root, file_size_limit(160_000))

    assert run.returncode == 3, run.stderr  # the run stopped: the feed is written, the index is not
    line = one_error(run.stderr)
    assert line.startswith("radiocast: error: the search index could not be built: the pagefind binary stopped"), line
    assert "ulimit -f" in line
    assert {p: p.read_bytes() for p in index.rglob("*") if p.is_file()} == before  # the old index serves on

    again = publish(station.root)
    assert again.returncode == 0, again.stderr
    assert (station.root / ".radiocast" / "search.digest").is_file()
