"""`radiocast --help` and `radiocast status` start without loading what only other commands need."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from radiocast.pipeline import publish
from radiocast.scaffold import create_workspace

# What issue 9 named, and the rest of the heavy stack the commands below have no use for.
HEAVY = ("numpy", "feedgen", "jinja2", "werkzeug", "pagefind", "lxml", "boto3", "mutagen", "PIL", "requests")
_IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*([\w.]+)$", re.MULTILINE)


def imported(*args: str) -> set[str]:
    """The top-level packages a real `python -m radiocast ARGS` process imports (python -X importtime)."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "radiocast", *args],
        capture_output=True,
        text=True,
        check=False,  # validate of a feed with problems exits 1: the imports are what counts
        timeout=60,
    )
    names = {name.split(".")[0] for name in _IMPORTED.findall(run.stderr)}
    assert "radiocast" in names  # the parse above found the import lines
    return names


@pytest.mark.parametrize("args", [["--help"], ["publish", "--help"], ["--version"]], ids=" ".join)
def test_help_loads_no_stage(args: list[str]) -> None:
    assert imported(*args).isdisjoint(HEAVY)


def test_status_loads_no_stage(tmp_path: Path) -> None:
    create_workspace(tmp_path, title="Thử", base_url="https://radio.example.vn/", author="Đài", email="a@example.vn")
    assert imported("-C", str(tmp_path), "status").isdisjoint(HEAVY)
    assert imported("-C", str(tmp_path), "status", "--json").isdisjoint(HEAVY)


def test_the_check_itself_sees_a_heavy_import(tmp_path: Path) -> None:
    """validate does load the linter: the parse above would notice a regression."""
    create_workspace(tmp_path, title="Thử", base_url="https://radio.example.vn/", author="Đài", email="a@example.vn")
    subprocess.run(
        [sys.executable, "-m", "radiocast", "-C", str(tmp_path), "publish"], capture_output=True, check=False
    )
    assert "lxml" in imported("-C", str(tmp_path), "validate")


def test_an_unchanged_publish_loads_no_numpy(tmp_path: Path, sample_mp3: Path) -> None:
    """numpy is for narration and alignment: a publish with nothing to produce starts without it."""
    create_workspace(tmp_path, title="Thử", base_url="https://radio.example.vn/", author="Đài", email="a@example.vn")
    for seed in (tmp_path / "seeds").iterdir():
        seed.unlink()
    (tmp_path / "recordings").mkdir(exist_ok=True)
    shutil.copyfile(sample_mp3, tmp_path / "recordings" / "ky-1.mp3")
    (tmp_path / "seeds" / "ky-1.toml").write_text(
        'title = "Kỳ 1: Đất đai"\ndate = "2021-12-25 08:00"\naudio = "recordings/ky-1.mp3"\n'
        'summary = "Lãnh đạo huyện trả lời người dân."\n\n'
        '[[chapters]]\nstart = "00:00:00"\ntitle = "Mở đầu"\n',
        encoding="utf-8",
    )
    assert publish(tmp_path).episodes_in_feed == 1
    feed = tmp_path / "feeds" / "podcast.xml"
    written = feed.stat().st_mtime_ns

    names = imported("-C", str(tmp_path), "publish")

    assert feed.stat().st_mtime_ns == written  # the run was an unchanged one
    assert "numpy" not in names
