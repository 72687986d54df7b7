"""What the workspace benchmarks share: a workspace of N published episodes, and timing.

Not a benchmark itself (the leading underscore keeps it out of tests/test_benchmarks.py's list).
The workspace is a fresh `radiocast init` with N article seeds whose audio URLs all point at one
small MP3 (a 2-second tone, encoded once with ffmpeg) served by a real HTTP server on 127.0.0.1,
published once: every episode is fetched, processed, aligned and tagged, which takes a while.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from radiocast.audio import ffmpeg_path
from radiocast.pipeline import publish
from radiocast.scaffold import create_workspace

RADIOCAST = Path(sys.executable).with_name("radiocast")

SEED = """\
{title}

Cập nhật ngày: {date}

{url}

ĐTO - Thời gian qua, lề lối làm việc của cấp ủy ở xã {n} được đổi mới theo hướng tận tâm.

Công tác cải cách hành chính được đẩy mạnh theo cơ chế “một cửa”, “một cửa liên thông”.

NGỌC TÂM
"""


def make_mp3(path: Path, *, seconds: float = 2.0) -> bytes:
    """A speech-like tone (loudness normalisation needs a signal, not silence), encoded once."""
    source = f"aevalsrc='0.3*sin(2*PI*220*t)*(0.55+0.45*sin(2*PI*4*t))':s=44100:d={seconds}"
    subprocess.run(
        [
            ffmpeg_path(),
            "-hide_banner",
            "-loglevel",
            "error",
            "-nostdin",
            "-y",
            "-f",
            "lavfi",
            "-i",
            source,
            "-ac",
            "1",
            "-ar",
            "44100",
            "-b:a",
            "64k",
            str(path),
        ],
        check=True,
    )
    return path.read_bytes()


@contextmanager
def audio_server(data: bytes) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering every path with the same MP3."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/audio/"
    finally:
        server.shutdown()
        server.server_close()


def make_workspace(root: Path, audio_url: str, count: int) -> None:
    create_workspace(
        root,
        title="Chính quyền đối thoại với Nhân dân qua sóng phát thanh",
        base_url="https://radio.example.vn/laivung/",
        author="Đài Truyền thanh huyện Lai Vung",
        email="podcast@example.vn",
    )
    seeds = root / "seeds"
    for old in seeds.iterdir():
        old.unlink()
    for n in range(count):
        day, month, year = n % 28 + 1, n // 28 % 12 + 1, 2020 - n // (28 * 12)
        (seeds / f"{n:04d}.txt").write_text(
            SEED.format(
                title=f"Kỳ {n + 1}: Đổi mới lề lối làm việc ở xã số {n}",
                date=f"{day:02d}/{month:02d}/{year} 06:08:40",
                url=f"{audio_url}{n:04d}.mp3",
                n=n,
            ),
            encoding="utf-8",
        )


def add_workspace_arguments(parser: argparse.ArgumentParser, *, what: str) -> None:
    """The options of a benchmark that times an unchanged run (*what*) on a built workspace."""
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2, help="parallel episodes for the first (building) publish")
    parser.add_argument("--runs", type=int, default=5, help=f"timed unchanged {what} runs (best is reported)")
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it (reused when it exists)")


@contextmanager
def published_workspace(keep: Path | None, episodes: int, *, jobs: int) -> Iterator[Path]:
    """A workspace with *episodes* published episodes, its audio server running until the end.

    Built in *keep* (and kept) when given, reused when *keep* already holds one; else in a
    temporary folder removed afterwards. Exits with status 2 when the first publish fails.
    """
    tmp = Path(tempfile.mkdtemp(prefix="radiocast-bench-"))
    root = keep or tmp / "ws"
    try:
        mp3 = make_mp3(tmp / "tone.mp3")
        with audio_server(mp3) as audio_url:
            if not (root / "podcast.toml").is_file():
                make_workspace(root, audio_url, episodes)
                start = time.perf_counter()
                first = publish(root, jobs=jobs)
                print(f"setup: first publish of {episodes} episodes {time.perf_counter() - start:.1f} s")
                # Past [feed] max_items (300 by default) episodes go to the archive pages.
                if first.failed or first.episodes_in_feed + first.episodes_archived != episodes:
                    print(f"setup failed: {first.failed[:3]}", file=sys.stderr)
                    raise SystemExit(2)
            yield root
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def snapshot(root: Path, folders: tuple[str, ...] = ("audio", "feeds")) -> dict[str, tuple[int, int]]:
    """Every file's mtime and size under *folders* of *root*: an unchanged run must keep them all."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
        for folder in folders
        for p in sorted((root / folder).rglob("*"))
        if p.is_file()
    }


def best_of(runs: int, action: Callable[[], object]) -> tuple[float, float]:
    """(best, median) wall time of *runs* calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def cli_runner(*args: str) -> Callable[[], object]:
    """A call of the `radiocast` command (in a subprocess, as a user runs it) that must succeed."""
    return lambda: subprocess.run([str(RADIOCAST), *args], check=True, capture_output=True)


def start_up(runs: int) -> float:
    """Best time of `python -c pass`: the floor of any CLI run."""
    best, _median = best_of(runs, lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    return best


def print_time(label: str, best: float, median: float, reference_name: str, reference: float) -> None:
    """One timing line: best and median, and the best as a ratio to the run's reference."""
    print(
        f"{label:<30} {best:.3f} s (median {median:.3f} s)"
        f" = {best / reference:.1f}x {reference_name} ({reference * 1000:.1f} ms)"
    )


def verdict(what: str, unchanged: bool, best: float, goal_s: float, episodes: int) -> int:
    """Print whether the goal is met (nothing changed and under *goal_s*); the script's exit status."""
    ok = unchanged and best < goal_s
    print(f"goal: an unchanged {what} under {goal_s:.0f} s for {episodes} episodes: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1
