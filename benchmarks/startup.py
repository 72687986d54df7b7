"""Start-up time of `radiocast --help` and `radiocast status` against `python -c pass`.

    .venv/bin/python benchmarks/startup.py [--runs 20]

Each command runs --runs times in a fresh process (the console script of this environment);
the median is compared with the median of `python -c pass` measured in the same run, so a
loaded machine moves both. `status` runs in a new, empty workspace. Goal (issue 9): `--help`
within 150 ms of `python -c pass`. Exits 1 when the goal is missed.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from radiocast.scaffold import create_workspace

GOAL_MS = 150.0
RADIOCAST = Path(sys.executable).with_name("radiocast")


def median_ms(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        create_workspace(root, title="Thử", base_url="https://radio.example.vn/", author="Đài", email="a@example.vn")
        reference = median_ms([sys.executable, "-c", "pass"], args.runs)
        helped = median_ms([str(RADIOCAST), "--help"], args.runs)
        status = median_ms([str(RADIOCAST), "-C", str(root), "status"], args.runs)
    print(f"python -c pass:     {reference:6.1f} ms (median of {args.runs})")
    print(f"radiocast --help:   {helped:6.1f} ms, {helped - reference:+6.1f} ms, {helped / reference:.1f}x")
    print(f"radiocast status:   {status:6.1f} ms, {status - reference:+6.1f} ms, {status / reference:.1f}x")
    ok = helped - reference <= GOAL_MS
    print(f"goal: --help within {GOAL_MS:.0f} ms of python -c pass: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
