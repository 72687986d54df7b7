"""The command line: exit codes, one-line errors on stderr, JSON on stdout, --help everywhere."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image
from pytest_httpserver import HTTPServer

from radiocast.cli import cli

COMMANDS = ["init", "publish", "status", "validate", "check", "deploy", "serve", "doctor"]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    code, _, err = run("init", str(root), "--title", "Đối thoại với Nhân dân", "--email", "podcast@example.vn")
    assert code == 0, err
    return root


def seed(root: Path, name: str, url: str, title: str = "Đổi mới lề lối làm việc") -> None:
    (root / "seeds" / name).write_text(
        f"{title}\nCập nhật ngày: 19/12/2021 06:08:40\n{url}\nĐTO - Thời gian qua.\nNGỌC TÂM\n", encoding="utf-8"
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0
    assert "Usage: " in out
    assert "Example:" in out


def test_top_level_help_lists_exit_codes() -> None:
    code, out, _ = run("--help")
    assert code == 0
    assert "Exit codes:" in out
    assert "130" in out


def test_init_creates_a_valid_workspace(workspace: Path) -> None:
    assert (workspace / "podcast.toml").is_file()
    assert (workspace / "audio" / "cover.jpg").is_file()
    for folder in ("seeds", "audio", "feeds"):
        assert (workspace / folder).is_dir()
    code, out, err = run("-C", str(workspace), "publish")
    assert code == 0, err
    assert "0 episodes in" in out
    assert (workspace / "feeds" / "podcast.xml").is_file()


def test_init_refuses_an_existing_workspace(workspace: Path) -> None:
    before = (workspace / "podcast.toml").read_bytes()
    code, _, err = run("init", str(workspace))
    assert code == 2
    assert err.startswith("radiocast: error: ")
    assert "podcast.toml already exists" in err
    assert (workspace / "podcast.toml").read_bytes() == before


def test_init_with_a_bad_email_writes_nothing(tmp_path: Path) -> None:
    code, _, err = run("init", str(tmp_path / "ws"), "--email", "not-an-address")
    assert code == 2
    assert "owner_email" in err
    assert not (tmp_path / "ws").exists()


def test_publish_exit_codes_and_failure_lines(workspace: Path, httpserver: HTTPServer, sample_mp3: Path) -> None:
    httpserver.expect_request("/ok.mp3").respond_with_data(sample_mp3.read_bytes(), content_type="audio/mpeg")
    httpserver.expect_request("/gone.mp3").respond_with_data("gone", status=404)
    seed(workspace, "a.txt", httpserver.url_for("/ok.mp3"))
    code, out, err = run("-C", str(workspace), "publish")
    assert code == 0, err
    assert "error" not in err
    assert "published  seeds/a.txt → audio/doi-moi-le-loi-lam-viec.mp3" in err
    assert "1 published" in out

    seed(workspace, "b.txt", httpserver.url_for("/gone.mp3"), title="Bài thứ hai")
    code, out, err = run("-C", str(workspace), "publish")
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("radiocast: error: seeds/b.txt: ")
    assert "404" in lines[0]
    assert "1 unchanged, 1 failed" in out


def test_config_error_is_exit_2_and_changes_nothing(workspace: Path) -> None:
    config = workspace / "podcast.toml"
    config.write_text(config.read_text(encoding="utf-8") + "colour = 1\n", encoding="utf-8")
    code, out, err = run("-C", str(workspace), "publish")
    assert code == 2
    assert out == ""
    assert "unknown key" in err
    assert str(config) in err
    assert "Traceback" not in err
    assert not (workspace / "feeds" / "podcast.xml").exists()


def test_seed_arguments_relative_to_the_workspace(
    workspace: Path, httpserver: HTTPServer, sample_mp3: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    httpserver.expect_request("/ok.mp3").respond_with_data(sample_mp3.read_bytes(), content_type="audio/mpeg")
    seed(workspace, "a.txt", httpserver.url_for("/ok.mp3"))
    seed(workspace, "b.txt", httpserver.url_for("/ok.mp3"), title="Không được chọn")
    monkeypatch.chdir(workspace.parent)
    code, out, err = run("-C", str(workspace), "publish", "seeds/a.txt")
    assert code == 0, err
    assert "1 published" in out
    assert [p.name for p in (workspace / "audio").glob("*.mp3")] == ["doi-moi-le-loi-lam-viec.mp3"]


def test_narration_is_one_warning_line(workspace: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/gone.mp3").respond_with_data("gone", status=404)
    seed(workspace, "a.txt", httpserver.url_for("/gone.mp3"))
    code, out, err = run("-C", str(workspace), "publish", "--narrate")
    assert code == 0, err
    assert "1 narrated" in out
    warnings = [line for line in err.splitlines() if line.startswith("radiocast: warning: ")]
    assert len(warnings) == 1
    assert "seeds/a.txt" in warnings[0]
    assert "404" in warnings[0]
    assert "machine voice" in warnings[0]


def test_missing_seed_argument_is_exit_2(workspace: Path) -> None:
    code, _, err = run("-C", str(workspace), "publish", "seeds/nope.txt")
    assert code == 2
    assert "seeds/nope.txt" in err


def test_status_json(workspace: Path, httpserver: HTTPServer, sample_mp3: Path) -> None:
    httpserver.expect_request("/ok.mp3").respond_with_data(sample_mp3.read_bytes(), content_type="audio/mpeg")
    seed(workspace, "a.txt", httpserver.url_for("/ok.mp3"))
    (workspace / "seeds" / "broken.txt").write_text("chỉ có tiêu đề\n", encoding="utf-8")
    run("-C", str(workspace), "publish")
    code, out, _ = run("-C", str(workspace), "status", "--json")
    assert code == 0
    rows = {row["seed"]: row for row in json.loads(out)}
    assert rows["seeds/a.txt"]["state"] == "published"
    assert rows["seeds/a.txt"]["slug"] == "doi-moi-le-loi-lam-viec"
    assert rows["seeds/a.txt"]["title"] == "Đổi mới lề lối làm việc"
    assert rows["seeds/a.txt"]["date"] == "2021-12-19T06:08:40+07:00"
    assert rows["seeds/a.txt"]["in_feed"] is True
    assert rows["seeds/broken.txt"]["state"] == "failed"
    assert "no date" in rows["seeds/broken.txt"]["error"]
    code, out, _ = run("-C", str(workspace), "status")
    assert code == 0
    assert "doi-moi-le-loi-lam-viec" in out


def test_validate_exit_codes(workspace: Path, tmp_path: Path) -> None:
    run("-C", str(workspace), "publish")
    code, _, err = run("-C", str(workspace), "validate")
    assert code == 0, err
    bad = tmp_path / "bad.xml"
    bad.write_text("<rss><channel><title>x</title></channel>", encoding="utf-8")
    code, out, _ = run("-C", str(workspace), "validate", str(bad))
    assert code == 1
    assert out.startswith("error: ")


def test_validate_checks_the_workspace_cover(workspace: Path) -> None:
    run("-C", str(workspace), "publish")
    Image.new("RGB", (800, 600), "navy").save(workspace / "audio" / "cover.jpg", "JPEG")
    code, out, err = run("-C", str(workspace), "validate")
    assert code == 0, err  # a warning: the feed itself is fine
    assert "warning: channel.image.file: cover.jpg is 800×600 px, not square" in out


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "radiocast", "-C", str(tmp_path), "--debug", "status"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr
    plain = subprocess.run(
        [sys.executable, "-m", "radiocast", "-C", str(tmp_path), "status"], capture_output=True, text=True, check=False
    )
    assert plain.returncode == 2
    assert plain.stderr.count("\n") == 1
    assert "radiocast init" in plain.stderr
