"""SIGKILL anywhere in `publish`: what was published stays published, nothing half-made is visible.

Each workspace holds ten episodes (articles fetched from a local server, station recordings
to encode, articles to narrate) and is published by a chain of runs: each run is killed
(SIGKILL to its whole process group, ffmpeg included) at one point of KILL_PLAN, the
workspace is checked, and the next run, killed later, carries on from what the last one
left. A last run completes. A kill point is a count of audio bytes the server has sent in
that run, or the n-th stderr line of a kind that `publish -vv` logs as it goes. The kills
made and survived are recorded (record_property) for benchmarks/reliability.py.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import feedparser
import pytest
from lxml import etree
from mutagen.mp3 import MP3
from station import SEED, MakeMp3
from test_recordings import make_wav

from radiocast import pipeline
from radiocast.scaffold import create_workspace

ARTICLES: Final = 4
RECORDINGS: Final = 3
NARRATED: Final = 3
EPISODES: Final = ARTICLES + RECORDINGS + NARRATED
BASE_URL: Final = "https://radio.example.vn/laivung/"
PODCAST: Final = {"podcast": "https://podcastindex.org/namespace/1.0"}
CHUNK: Final = 4096  # the server's write size: a kill point by bytes falls inside one


@dataclass(frozen=True, slots=True)
class Kill:
    """Where a run is killed: once the server has sent *after_bytes* bytes of audio in this
    run, or on the *nth* stderr line that *stage* matches."""

    after_bytes: int | None = None
    stage: str | None = None
    nth: int = 1

    @property
    def by_bytes(self) -> bool:
        return self.after_bytes is not None


def at_bytes(n: int) -> Kill:
    return Kill(after_bytes=n)


def on(stage: str, nth: int = 1) -> Kill:
    return Kill(stage=stage, nth=nth)


@dataclass(frozen=True, slots=True)
class Chain:
    """One fresh workspace: a complete run publishes the *head* seeds, then every run
    publishes all ten seeds (`--jobs JOBS`) and is killed at the next of *kills*."""

    jobs: int
    head: tuple[str, ...]
    kills: tuple[Kill, ...]


# What `publish -vv` says as it goes, in the order of an episode's stages (workspace.py,
# fetch.py, produce.py, speech.py, audio.py, tagging.py, console.py, site.py, pipeline.py).
SWEPT = r"debug: removed .* left by an interrupted run"
FETCHING = r"info: Fetching "
FETCHED = r"info: Fetched "
NOT_THERE = r"reading the article with the machine voice instead"
KEPT = r"keeping the narrated episode"
NARRATION = r"debug: seeds/doc-\d\.txt: narrated into "  # the WAV is in the staging folder
AS_IT_IS = r": published as it is"
ENCODED = r": encoded "
TAGGED = r"debug: tagged "
PUBLISHED = r"^published\s+seeds/"
NARRATED_LINE = r"^narrated\s+seeds/"
SITE = r"debug: site: "  # the pages and the feed are rendered, about to be written
WROTE = r"debug: wrote feeds/"

# Each run makes progress: bytes received are resumed (Range), episodes published are not
# made again, files written are not written again. A kill on a line may land after that
# episode is done; the points are chosen so that even then each one falls within what its
# run still has to do (at --jobs 1 the episodes go in seed order: bai-*, doc-*, ky-*).
# FETCHING and KEPT (the narrated articles try their MP3 again) and SITE happen in every run.
KILL_PLAN: Final[tuple[Chain, ...]] = (
    Chain(
        jobs=1,
        head=(),
        kills=(
            at_bytes(1),
            at_bytes(CHUNK + 100),
            at_bytes(12_000),
            on(FETCHED),
            on(AS_IT_IS),
            on(TAGGED),
            on(PUBLISHED),
            on(NOT_THERE),
            on(NARRATION),
            on(SWEPT),
            on(ENCODED),
            on(TAGGED),
            on(ENCODED),
            on(PUBLISHED),
            on(SITE),
            on(WROTE, 3),
            on(WROTE, 3),
            on(KEPT),
        ),
    ),
    Chain(
        jobs=1,
        head=("bai-1.txt", "doc-1.txt", "ky-1.toml"),
        kills=(
            at_bytes(20_000),
            on(TAGGED),
            at_bytes(10_000),
            on(AS_IT_IS),
            on(PUBLISHED),
            on(NARRATION),
            on(SWEPT),
            on(KEPT),
            on(ENCODED),
            on(ENCODED),
            on(TAGGED),
            on(SITE),
            on(WROTE, 4),
            on(FETCHING, 2),
            on(WROTE),
        ),
    ),
    Chain(
        jobs=1,
        head=("doc-0.txt",),
        kills=(
            on(FETCHING),
            at_bytes(1),
            at_bytes(3 * CHUNK),
            at_bytes(45_000),
            on(FETCHED),
            on(TAGGED),
            on(NOT_THERE),
            on(NARRATION),
            on(SWEPT),
            on(TAGGED),
            on(ENCODED),
            on(TAGGED),
            on(SITE),
            on(WROTE, 5),
            on(KEPT, 3),
        ),
    ),
    Chain(
        jobs=4,
        head=("bai-0.txt", "bai-1.txt"),
        kills=(
            at_bytes(1),
            at_bytes(20_000),
            on(FETCHING, 4),
            at_bytes(30_000),
            on(NOT_THERE, 3),
            on(SITE),
            on(FETCHING, 3),
            on(KEPT),
            on(SITE),
            on(WROTE, 2),
        ),
    ),
)
KILL_POINTS: Final = sum(len(chain.kills) for chain in KILL_PLAN)


class AudioServer(http.server.ThreadingHTTPServer):
    """The newspaper's audio on 127.0.0.1, with Range, counting the bytes it sends in a run.

    When the count reaches the run's kill point it sends no more: it kills the run's
    process group first, so the kill lands at that exact byte of the transfer.
    """

    daemon_threads = True

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _AudioHandler)
        self.files = files
        self.lock = threading.Lock()
        self.sent = 0
        self.kill_at: int | None = None
        self.victim: subprocess.Popen[str] | None = None
        self.killed = False

    def handle_error(self, request: object, client_address: object) -> None:
        # A killed client resets its connections: that is the point, not a failure.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/audio/{name}"

    def arm(self, victim: subprocess.Popen[str] | None, kill_at: int | None) -> None:
        with self.lock:
            self.sent, self.kill_at, self.victim, self.killed = 0, kill_at, victim, False

    def kill(self) -> None:
        with self.lock:
            self._kill()

    def _kill(self) -> None:
        if self.victim is not None and not self.killed:
            self.killed = True
            os.killpg(self.victim.pid, signal.SIGKILL)

    def allow(self, n: int) -> int:
        """How many of the next *n* bytes may go out before the kill."""
        with self.lock:
            if self.killed:
                return 0
            if self.kill_at is not None and self.sent + n >= self.kill_at:
                n = self.kill_at - self.sent
                self.sent = self.kill_at
                return n
            self.sent += n
            return n

    def after_send(self) -> None:
        with self.lock:
            if self.kill_at is not None and self.sent >= self.kill_at:
                self._kill()


class _AudioHandler(http.server.BaseHTTPRequestHandler):
    server: AudioServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        data = self.server.files.get(self.path.removeprefix("/audio/"))
        if data is None:
            self.send_error(404)
            return
        etag = '"' + hashlib.sha256(data).hexdigest()[:16] + '"'
        start = 0
        asked = self.headers.get("Range")
        if asked and self.headers.get("If-Range", etag) == etag:
            start = int(asked.removeprefix("bytes=").split("-")[0])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(data)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(len(data) - start))
        self.send_header("ETag", etag)
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        for offset in range(start, len(data), CHUNK):
            chunk = data[offset : offset + CHUNK]
            allowed = self.server.allow(len(chunk))
            if allowed:
                self.wfile.write(chunk[:allowed])
                self.wfile.flush()
            self.server.after_send()
            if allowed < len(chunk):
                self.close_connection = True
                return


@dataclass
class Tally:
    """Kills that happened (a point past the end of a run's work makes none), and were survived."""

    by_bytes: int = 0
    by_stage: int = 0
    survived: int = 0


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory, mp3_factory: MakeMp3) -> dict[str, bytes]:
    """The articles' MP3s and the recordings' WAVs, made once: name → bytes."""
    folder = tmp_path_factory.mktemp("crash-sources")
    made = {}
    for i in range(ARTICLES):
        made[f"bai-{i}.mp3"] = mp3_factory(seconds=2.0 + i * 0.5, bitrate="96k", freq=200 + 40 * i).read_bytes()
    for i in range(RECORDINGS):
        made[f"ky-{i}.wav"] = make_wav(folder / f"ky-{i}.wav", 2.0 + i, freq=300 + 50 * i, channels=1).read_bytes()
    return made


@pytest.fixture(scope="module")
def server(sources: dict[str, bytes]) -> Iterator[AudioServer]:
    audio = AudioServer({name: data for name, data in sources.items() if name.endswith(".mp3")})
    thread = threading.Thread(target=audio.serve_forever, daemon=True)
    thread.start()
    yield audio
    audio.shutdown()
    audio.server_close()


def make_workspace(root: Path, server: AudioServer, sources: dict[str, bytes]) -> None:
    create_workspace(
        root,
        title="Chính quyền đối thoại với Nhân dân qua sóng phát thanh",
        base_url=BASE_URL,
        author="Đài Truyền thanh huyện Lai Vung",
        email="podcast@example.vn",
    )
    seeds = root / "seeds"
    for i in range(ARTICLES):
        (seeds / f"bai-{i}.txt").write_text(
            SEED.format(
                title=f"Bài {i}: Đổi mới lề lối làm việc ở xã Tân Thành",
                date=f"{10 + i}/12/2021 06:08:40",
                url=server.url(f"bai-{i}.mp3"),
                lead="Thời gian qua, lề lối làm việc được đổi mới.",
                body="Công tác cải cách hành chính được đẩy mạnh.",
            ),
            encoding="utf-8",
        )
    for i in range(NARRATED):
        (seeds / f"doc-{i}.txt").write_text(
            SEED.format(
                title=f"Tin {i}",
                date=f"{20 + i}/12/2021 07:00:00",
                url=server.url(f"mat-{i}.mp3"),  # the server answers 404: narrated
                lead="Huyện họp.",
                body="Dân hỏi.",
            ),
            encoding="utf-8",
        )
    for i in range(RECORDINGS):
        wav = root / "recordings" / f"ky-{i}.wav"
        wav.parent.mkdir(exist_ok=True)
        wav.write_bytes(sources[f"ky-{i}.wav"])
        (seeds / f"ky-{i}.toml").write_text(
            f'title = "Kỳ {80 + i}: Tháo gỡ vướng mắc về đất đai"\n'
            f'date = "2021-12-{25 + i} 08:00"\n'
            f'audio = "recordings/ky-{i}.wav"\n'
            f'summary = "Lãnh đạo huyện trả lời câu hỏi của người dân."\n'
            f'[[chapters]]\nstart = "00:00:01"\ntitle = "Câu hỏi của ông Nguyễn Văn A"\n',
            encoding="utf-8",
        )


def run_publish(
    root: Path, server: AudioServer, kill: Kill | None, *, jobs: int, seeds: tuple[str, ...] = ()
) -> tuple[bool, int, str]:
    """One `radiocast publish` in its own process group; (killed, exit status, stderr)."""
    command = [sys.executable, "-m", "radiocast", "-C", str(root), "-vv", "publish", "--narrate", "--jobs", str(jobs)]
    proc = subprocess.Popen(
        [*command, *(f"seeds/{name}" for name in seeds)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        process_group=0,
    )
    server.arm(proc, kill.after_bytes if kill is not None else None)
    lines: list[str] = []
    seen = 0
    stage = re.compile(kill.stage) if kill is not None and kill.stage is not None else None
    with proc:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append(line)
            if stage is not None and stage.search(line):
                seen += 1
                if kill is not None and seen == kill.nth:
                    server.kill()
        code = proc.wait(timeout=120)
    # A kill sent as the run was exiting by itself does not count as one.
    return server.killed and code == -signal.SIGKILL, code, "".join(lines)


SIDECARS: Final = (".html", ".episode.html", ".vtt", ".srt", ".transcript.html", ".txt", ".chapters.json")
# The programme's pages and the search index beside the episodes' files.
_INDEX = re.compile(
    r"index(-\d+)?\.html|questions(\.[a-z0-9-]+(\.\d+)?)?\.html|questions(\.schema)?\.json|search\.html"
    r"|pagefind(/index|/fragment)?|pagefind/(index|fragment)/vi_[0-9a-f]+\.pf_(index|fragment)"
    r"|pagefind/(pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|wasm\.unknown\.pagefind|pagefind\.vi_[0-9a-f]+\.pf_meta)"
)


def check(root: Path, identities: dict[str, tuple[str, str]], context: str) -> int:
    """Everything a listener or a static deploy could see is whole; return the episodes in the feed.

    *identities* (GUID → enclosure URL and pubDate) are the episodes seen in earlier feeds:
    each must still be there, unchanged; this feed's are added.
    """
    db = sqlite3.connect(root / ".radiocast" / "catalog.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], context
        slugs = {slug for (slug,) in db.execute("SELECT slug FROM episodes")}
    finally:
        db.close()

    # Only final names under the web root: no temporary, partial or stray file.
    audio = {p.relative_to(root / "audio").as_posix() for p in (root / "audio").rglob("*")}
    assert audio <= {"cover.jpg"} | {f"{slug}.mp3" for slug in slugs}, context
    feeds = {p.relative_to(root / "feeds").as_posix() for p in (root / "feeds").rglob("*")}
    expected = {"podcast.xml", "podcast.xsl", "cover.jpg"} | {f"{s}{x}" for s in slugs for x in SIDECARS}
    assert {name for name in feeds if not _INDEX.fullmatch(name)} <= expected, context

    feed_path = root / "feeds" / "podcast.xml"
    if not feed_path.exists():
        assert not identities, f"{context}: the feed disappeared"
        return 0
    data = feed_path.read_bytes()
    items = etree.fromstring(data).xpath("/rss/channel/item")  # well-formed, or this raises
    parsed = feedparser.parse(data)
    assert not parsed.bozo, f"{context}: {parsed.get('bozo_exception')}"
    assert len(parsed.entries) == len(items)
    seen: dict[str, tuple[str, str]] = {}
    for item in items:
        enclosure = item.find("enclosure")
        url = enclosure.get("url")
        mp3 = root / "audio" / url.rsplit("/", 1)[1]
        assert mp3.is_file(), f"{context}: {url} is in the feed, not on disk"
        assert mp3.stat().st_size == int(enclosure.get("length")), f"{context}: {mp3.name} length"
        duration = int(item.findtext("{http://www.itunes.com/dtds/podcast-1.0.dtd}duration"))
        assert abs(MP3(mp3).info.length - duration) <= 1, f"{context}: {mp3.name} is not whole"
        for linked in item.xpath("podcast:transcript/@url | podcast:chapters/@url", namespaces=PODCAST):
            assert (root / linked.removeprefix(BASE_URL)).is_file(), f"{context}: {linked} is linked, not on disk"
        seen[item.findtext("guid")] = (url, item.findtext("pubDate"))
    for guid, identity in identities.items():
        assert seen.get(guid) == identity, f"{context}: published episode {guid} changed or vanished"
    identities.update(seen)
    return len(items)


def run_chain(root: Path, server: AudioServer, chain: Chain, tally: Tally) -> None:
    observed: dict[str, tuple[str, str]] = {}
    if chain.head:
        killed, code, err = run_publish(root, server, None, jobs=chain.jobs, seeds=chain.head)
        assert (killed, code) == (False, 0), err
        assert check(root, observed, f"{root.name} head") == len(chain.head)
    for number, kill in enumerate(chain.kills, start=1):
        killed, code, err = run_publish(root, server, kill, jobs=chain.jobs)
        context = f"{root.name} run {number} ({kill})"
        if not killed:
            # The point was past what was left to do: the run finished by itself.
            assert code in (0, 1), f"{context}: exit {code}\n{err}"
            check(root, observed, context)
            continue
        assert code == -signal.SIGKILL, f"{context}: exit {code}\n{err}"
        if kill.by_bytes:
            tally.by_bytes += 1
        else:
            tally.by_stage += 1
        check(root, observed, context)
        tally.survived += 1
    killed, code, err = run_publish(root, server, None, jobs=chain.jobs)
    assert not killed
    assert code == 0, f"{root.name} final run: exit {code}\n{err}"
    assert check(root, observed, f"{root.name} final run") == EPISODES
    assert not list((root / ".radiocast" / "staging").glob("*"))


def test_sigkill_at_any_point_loses_nothing(
    tmp_path: Path, server: AudioServer, sources: dict[str, bytes], record_property: Callable[[str, object], None]
) -> None:
    tally = Tally()
    try:
        for number, chain in enumerate(KILL_PLAN, start=1):
            root = tmp_path / f"ws{number}"
            make_workspace(root, server, sources)
            run_chain(root, server, chain, tally)
    finally:
        record_property("kill_points_by_bytes", tally.by_bytes)
        record_property("kill_points_by_stage", tally.by_stage)
        record_property("kill_points_survived", tally.survived)
    assert tally.by_bytes + tally.by_stage >= 50, tally
    assert tally.survived == tally.by_bytes + tally.by_stage


def test_leftovers_of_older_versions_are_swept(tmp_path: Path, server: AudioServer, sources: dict[str, bytes]) -> None:
    root = tmp_path / "ws"
    make_workspace(root, server, sources)
    for seed in (root / "seeds").iterdir():
        if not seed.name.startswith("bai-0"):
            seed.unlink()
    stale = [root / "audio" / ".bai-0.mp3.u4knrtrj.tmp", root / "feeds" / ".bai-0.txt.u4knrtrj.tmp"]
    staged = root / ".radiocast" / "staging" / ".podcast.xml.abcdefgh.tmp"
    partial = root / ".radiocast" / "partial" / "other.source.mp3.part"
    for path in [*stale, staged, partial]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half")
    server.arm(None, None)
    pipeline.publish(root)
    assert not any(p.exists() for p in [*stale, staged])
    assert partial.read_bytes() == b"half"  # a partial download is resumed, never swept
