"""Time of an unchanged `radiocast publish` of a workspace with 1,000 published episodes.

    .venv/bin/python benchmarks/publish_unchanged.py [--episodes 1000] [--jobs 2] [--keep DIR]

Builds a fresh workspace (radiocast init) with --episodes article seeds whose audio URLs all
point at one small MP3 (a 2-second tone, encoded once with ffmpeg) served by a real HTTP server
on 127.0.0.1, and publishes it once (this setup takes a while: every episode is fetched,
processed, aligned and tagged). Then it times a second, unchanged publish, in-process
(radiocast.pipeline.publish) and through the CLI in a subprocess (which adds the interpreter's
start-up and imports), and checks that it wrote nothing. References measured in the same run:
parsing and re-serialising the resulting feed with lxml (in-process) and `python -c pass`
(the CLI). Goal: an unchanged publish under 1 s for 1,000 episodes.
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

from lxml import etree

from radiocast.ffmpeg_tool import ffmpeg_path
from radiocast.pipeline import publish
from radiocast.scaffold import create_workspace

GOAL_S = 1.0
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


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every published file's mtime and size: an unchanged publish must keep them all."""
    return {
        p.relative_to(root).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
        for folder in ("audio", "feeds")
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2, help="parallel episodes for the first (building) publish")
    parser.add_argument("--runs", type=int, default=5, help="timed unchanged publishes (best is reported)")
    parser.add_argument("--keep", type=Path, help="build the workspace here and keep it (reused when it exists)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="radiocast-bench-"))
    root = args.keep or tmp / "ws"
    try:
        mp3 = make_mp3(tmp / "tone.mp3")
        with audio_server(mp3) as audio_url:
            if not (root / "podcast.toml").is_file():
                make_workspace(root, audio_url, args.episodes)
                start = time.perf_counter()
                first = publish(root, jobs=args.jobs)
                print(f"setup: first publish of {args.episodes} episodes {time.perf_counter() - start:.1f} s")
                if first.failed or first.episodes_in_feed != args.episodes:
                    print(f"setup failed: {first.failed[:3]}", file=sys.stderr)
                    return 2
            before = snapshot(root)

            in_process, in_median = best_of(args.runs, lambda: publish(root))
            feed = (root / "feeds" / "podcast.xml").read_bytes()
            lxml_ref, _ = best_of(args.runs, lambda: etree.tostring(etree.fromstring(feed), xml_declaration=True))

            cli_run = lambda: subprocess.run(  # noqa: E731
                [str(RADIOCAST), "-C", str(root), "publish"], check=True, capture_output=True
            )
            cli, cli_median = best_of(args.runs, cli_run)
            start_up, _ = best_of(args.runs, lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
            after = snapshot(root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    episodes = sum(1 for p in before if p.startswith("audio/") and p.endswith(".mp3"))
    print(f"workspace: {episodes} published MP3s, {len(before)} published files, feed {len(feed):,} B")
    print(
        f"unchanged publish, in-process: {in_process:.3f} s (median {in_median:.3f} s)"
        f" = {in_process / lxml_ref:.1f}x lxml parse+serialise of the feed ({lxml_ref * 1000:.1f} ms)"
    )
    print(
        f"unchanged publish, CLI:        {cli:.3f} s (median {cli_median:.3f} s)"
        f" = {cli / start_up:.1f}x `python -c pass` ({start_up * 1000:.1f} ms)"
    )
    wrote_nothing = before == after
    print(f"unchanged publish wrote nothing (mtimes kept): {wrote_nothing}")
    ok = wrote_nothing and max(in_process, cli) < GOAL_S
    print(f"goal: under {GOAL_S:.0f} s for {args.episodes} episodes: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
