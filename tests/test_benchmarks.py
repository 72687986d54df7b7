"""The benchmark scripts are not run here (they time things), but they must keep importing."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARK_DIR = Path(__file__).parents[1] / "benchmarks"
# A leading underscore marks what the scripts share (benchmarks/_workspace.py), not a script.
BENCHMARKS = sorted(p for p in BENCHMARK_DIR.glob("*.py") if not p.name.startswith("_"))


def test_there_are_benchmarks() -> None:
    assert {p.stem for p in BENCHMARKS} >= {
        "fetch_throughput",
        "audio_processing",
        "alignment",
        "narration",
        "pages",
        "publish_unchanged",
        "startup",
        "deploy_unchanged",
        "feed_build",
        "questions",
    }


@pytest.mark.parametrize("script", BENCHMARKS, ids=lambda p: p.stem)
def test_benchmark_imports(script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARK_DIR))  # as `python benchmarks/x.py` has it, for _workspace
    spec = importlib.util.spec_from_file_location(f"benchmark_{script.stem}", script)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # runs only definitions: each script's work is behind __main__
    assert callable(getattr(module, "main", None))
    # Its exit code says whether the goal was met (make bench relies on it).
    assert module.main.__annotations__["return"] == "int"
    assert "sys.exit(main())" in script.read_text(encoding="utf-8")


def test_make_bench_runs_every_benchmark() -> None:
    makefile = (BENCHMARK_DIR.parent / "Makefile").read_text(encoding="utf-8")
    listed = set(makefile.split("BENCHMARKS :=", 1)[1].split("\nbench:", 1)[0].replace("\\", " ").split())
    assert listed == {p.stem for p in BENCHMARKS} - {"reliability"}


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCHMARK_DIR / script), *args], capture_output=True, text=True, timeout=120
    )


def test_publish_unchanged_smoke() -> None:
    """A tiny run end to end: real ffmpeg, a real HTTP server, two real publishes."""
    done = run("publish_unchanged.py", "--episodes", "3", "--runs", "1")
    assert "setup: first publish of 3 episodes" in done.stdout, done.stderr
    assert "workspace: 3 published MP3s" in done.stdout
    assert "unchanged publish wrote nothing (mtimes kept): True" in done.stdout
    assert re.search(r"unchanged publish, in-process: +\d+\.\d+ s .*x lxml", done.stdout)
    assert re.search(r"unchanged publish, CLI: +\d+\.\d+ s .*x `python -c pass`", done.stdout)


def test_deploy_unchanged_smoke() -> None:
    """A tiny run end to end: a published workspace deployed to a real folder, then again unchanged."""
    done = run("deploy_unchanged.py", "--episodes", "3", "--runs", "1")
    assert "setup: first deploy uploaded" in done.stdout, done.stderr
    assert "unchanged deploy uploaded nothing (target's mtimes kept): True" in done.stdout
    assert re.search(r"unchanged deploy, in-process: +\d+\.\d+ s .*x `rsync -a --dry-run`", done.stdout)
    assert re.search(r"unchanged deploy, CLI: +\d+\.\d+ s .*x `python -c pass`", done.stdout)


def test_feed_build_smoke() -> None:
    """A small run: build_feed's bytes equal lxml's own document of the same episodes, then both are timed."""
    done = run("feed_build.py", "--episodes", "60", "--runs", "1")
    assert "60 episodes: build_feed" in done.stdout, done.stderr
    assert "identical: True" in done.stdout
    assert re.search(r"ratio \d+\.\d+x", done.stdout)


def test_questions_smoke() -> None:
    """A tiny archive end to end: real publishes, a real Pagefind index, Chromium's queries when it is there."""
    script = Path(__file__).parents[1] / "benchmarks" / "questions.py"
    done = subprocess.run(
        [sys.executable, str(script), "--broadcasts", "2", "--questions", "2", "--articles", "3", "--runs", "1"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert "workspace: 5 published episodes (2 broadcasts × 2 questions, 3 articles)" in done.stdout, done.stderr
    assert "the rebuild made a new index: True" in done.stdout
    assert "unchanged publishes wrote nothing under feeds/: True" in done.stdout
    assert re.search(r"rebuild after one chapter changed \(pages \+ index\): \d+\.\d+ s", done.stdout)
    assert re.search(r"unchanged publish: in-process \d+\.\d+ s, CLI \d+\.\d+ s", done.stdout)
    assert re.search(r"search index: [\d,]+ B in \d+ files", done.stdout)
    assert re.search(r"largest page: [\d,]+ B", done.stdout)
    if Path("/usr/bin/chromium").exists():
        assert re.search(r"query 'dat dai': [\d,]+ B over the wire, first [1-9]\d* results shown", done.stdout), (
            done.stdout
        )
