"""Download throughput and memory of radiocast's Fetcher, against curl, on 127.0.0.1.

    .venv/bin/python benchmarks/fetch_throughput.py [--size-mb 200] [--runs 3]

Makes a file of --size-mb MiB that starts like an MP3 (a real one made with ffmpeg,
repeated), serves it from a ThreadingHTTPServer in a child process (sendfile, so the
server is not the bottleneck), then downloads it with `curl -s -o` and with
radiocast.fetch.Fetcher in a child Python process, best of --runs each. Both times are
the transfer as the client measures it (curl's %{time_total}; Fetcher.download()),
so neither includes its program's start-up. Goals: ratio >= 0.9, peak RSS < 60 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

MIB = 1024 * 1024
GOAL_RATIO = 0.9
GOAL_RSS_MB = 60


class _FileHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    file: Path

    def do_GET(self) -> None:
        size = self.file.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(size))
        self.end_headers()
        with self.file.open("rb") as f:
            self.connection.sendfile(f)

    def log_message(self, format: str, *args: object) -> None:
        pass


def serve(file: Path) -> None:
    """Child process: serve *file* at every path; print the port, then serve until killed."""
    handler = type("Handler", (_FileHandler,), {"file": file})
    with ThreadingHTTPServer(("127.0.0.1", 0), handler) as httpd:
        print(httpd.server_port, flush=True)
        httpd.serve_forever()


def fetch(url: str, dest: Path, size_mb: int) -> None:
    """Child process: one Fetcher.download(); print its time and digest as JSON."""
    # Imported here so that only this child pays for them.
    from radiocast.fetch import Fetcher
    from radiocast.models import FetchSettings

    fetcher = Fetcher(FetchSettings(max_size_mb=max(1024, 2 * size_mb)))
    cpu, started = _cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)), time.perf_counter()
    result = fetcher.download(url, dest)
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds(resource.getrusage(resource.RUSAGE_SELF)) - cpu
    print(json.dumps({"seconds": seconds, "cpu": cpu, "sha256": result.sha256}))


def _cpu_seconds(usage: resource.struct_rusage) -> float:
    return usage.ru_utime + usage.ru_stime


def make_source(path: Path, size: int, work: Path) -> str:
    """Write *size* bytes of a real MP3 repeated; return their sha256."""
    from radiocast.audio import ffmpeg_path

    mp3 = work / "seed.mp3"
    subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=44100:duration=30",
         "-ac", "1", "-c:a", "libmp3lame", "-b:a", "128k", str(mp3)],
        check=True,
    )  # fmt: skip
    block = mp3.read_bytes()
    digest = hashlib.sha256()
    with path.open("wb") as out:
        written = 0
        while written < size:
            piece = block[: size - written]
            out.write(piece)
            digest.update(piece)
            written += len(piece)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float  # the transfer, as the client measured it
    cpu: float  # user + system seconds the client spent on it
    peak_rss_mib: float = 0.0


def run_curl(url: str, dest: Path) -> Run:
    proc = subprocess.Popen(
        ["curl", "-s", "-o", str(dest), "-w", "%{time_total}", url], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"curl failed (exit {proc.returncode})")
    return Run(seconds=float(output), cpu=_cpu_seconds(usage))


def run_radiocast(url: str, dest: Path, size_mb: int) -> tuple[Run, str]:
    """One download in a child Python: its timings and peak RSS, and the file's sha256."""
    proc = subprocess.Popen(
        [sys.executable, __file__, "--fetch", url, str(dest), "--size-mb", str(size_mb)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    # wait4 reports this child's own rusage (RUSAGE_CHILDREN would mix in curl and the server).
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"radiocast's download failed (exit {proc.returncode})")
    result = json.loads(output)
    # ru_maxrss is in KiB on Linux; the child's CPU is its own count, without Python's start-up.
    return Run(seconds=result["seconds"], cpu=result["cpu"], peak_rss_mib=usage.ru_maxrss / 1024), result["sha256"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mb", type=int, default=200, help="file size in MiB (default 200)")
    parser.add_argument("--runs", type=int, default=3, help="downloads per client; the best counts (default 3)")
    parser.add_argument("--serve", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fetch", nargs=2, metavar=("URL", "DEST"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return 0
    if args.fetch:
        fetch(args.fetch[0], Path(args.fetch[1]), args.size_mb)
        return 0
    if shutil.which("curl") is None:
        raise SystemExit("this benchmark needs curl (apt install curl)")

    work = Path(tempfile.mkdtemp(prefix="radiocast-bench-"))
    server: subprocess.Popen[str] | None = None
    try:
        size = args.size_mb * MIB
        source = work / "source.mp3"
        expected = make_source(source, size, work)
        server = subprocess.Popen([sys.executable, __file__, "--serve", str(source)], stdout=subprocess.PIPE, text=True)
        assert server.stdout is not None
        url = f"http://127.0.0.1:{server.stdout.readline().strip()}/episode.mp3"

        curl_runs: list[Run] = []
        radiocast_runs: list[Run] = []
        # One untimed round first: the first pass through fresh page-cache memory is slow on
        # some VMs (pages faulted in from the host), whichever client happens to meet it.
        for i in range(args.runs + 1):  # interleaved, so both see the same background load
            out = work / "curl.mp3"
            curl_runs.append(run_curl(url, out))
            assert out.stat().st_size == size
            out.unlink()

            dest = work / "partial" / "episode.mp3"
            run, digest = run_radiocast(url, dest, args.size_mb)
            assert digest == expected, "radiocast downloaded different bytes"
            assert dest.stat().st_size == size
            dest.unlink()
            radiocast_runs.append(run)
            if i == 0:
                curl_runs.clear()
                radiocast_runs.clear()

        curl_mibps = size / MIB / min(r.seconds for r in curl_runs)
        radiocast_mibps = size / MIB / min(r.seconds for r in radiocast_runs)
        print(
            f"file:      {args.size_mb} MiB, best of {args.runs}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}"
        )
        for name, runs, mibps in (("curl", curl_runs, curl_mibps), ("radiocast", radiocast_runs, radiocast_mibps)):
            times = ", ".join(f"{r.seconds:.3f}" for r in runs)
            cpu = min(r.cpu for r in runs)
            print(f"{name + ':':10s} {mibps:7.1f} MiB/s  (runs: {times} s; best CPU time {cpu:.3f} s)")
        median = statistics.median(c.seconds for c in curl_runs) / statistics.median(r.seconds for r in radiocast_runs)
        print(f"ratio:     {radiocast_mibps / curl_mibps:7.2f}  radiocast/curl throughput, best runs (goal >= 0.9)")
        print(f"           {median:7.2f}  the same from the median runs (a busy machine makes both noisy)")
        peak = max(r.peak_rss_mib for r in radiocast_runs)
        print(f"peak RSS:  {peak:7.1f} MiB  radiocast's child process (goal < 60 MB)")
        ok = radiocast_mibps / curl_mibps >= GOAL_RATIO and peak < GOAL_RSS_MB
        print(
            f"goal: at least {GOAL_RATIO} of curl's throughput and under {GOAL_RSS_MB} MB: {'ok' if ok else 'MISSED'}"
        )
        return 0 if ok else 1
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
