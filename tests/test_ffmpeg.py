"""Which ffmpeg runs, what it was probed to do, and `radiocast doctor`.

The "other" ffmpegs are shell scripts written to tmp_path: stand-ins that print an old version,
are not ffmpeg at all, or run the bundled ffmpeg but refuse an option the way Debian 12's 5.1
does. The real /usr/bin/ffmpeg is used too where the machine has one.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import imageio_ffmpeg
import pytest
from click.testing import CliRunner

from radiocast import pipeline
from radiocast.audio import configure_ffmpeg, ffmpeg, ffmpeg_path, measure_loudness, process
from radiocast.audio._ffmpeg import ENV_VAR, Origin, file_url, run_ffmpeg
from radiocast.audio._loudness import meter
from radiocast.cli import cli
from radiocast.config import parse_config
from radiocast.errors import AudioError, ConfigError
from radiocast.models import AudioSettings
from radiocast.scaffold import create_workspace

BUNDLED = imageio_ffmpeg.get_ffmpeg_exe()
DEBIAN = Path("/usr/bin/ffmpeg")
needs_debian = pytest.mark.skipif(not DEBIAN.is_file(), reason="no /usr/bin/ffmpeg (Debian package ffmpeg)")
# Debian 12's 5.1, word for word, when it is given an option it does not know.
REFUSALS = {
    "framelog=quiet": '[ebur128 @ 0x55e9b2435b80] Unable to parse option value "quiet"\n'
    "[Parsed_ebur128_0 @ 0x55e9b2435a40] Error applying options to the filter.",
    " -dec ": "Unrecognized option 'dec'.\nError splitting the argument list: Option not found",
    "ebur128": "[AVFilterGraph @ 0x55e9b24338c0] No such filter: 'ebur128'",
}


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No choice inherited from the test run, and a probe cache of the test's own."""
    monkeypatch.delenv(ENV_VAR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    yield
    configure_ffmpeg(None)


def script(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(0o755)
    return path


def wrapper(path: Path, *refuse: str, log: Path | None = None) -> Path:
    """The bundled ffmpeg under another name, refusing command lines that contain one of *refuse* as 5.1 does."""
    lines = []
    if log is not None:
        lines.append(f'echo "$*" >> {shlex.quote(str(log))}')
    for word in refuse:
        lines.append(f'case " $* " in *{shlex.quote(word)}*) echo {shlex.quote(REFUSALS[word])} >&2; exit 1;; esac')
    lines.append(f'exec {shlex.quote(BUNDLED)} "$@"')
    return script(path, "\n".join(lines))


def tone(tmp_path: Path) -> Path:
    """A 997 Hz sine at -20 dBFS peak: -23.0 LUFS by BS.1770."""
    path = tmp_path / "tone.wav"
    subprocess.run(
        [BUNDLED, "-v", "error", "-y", "-f", "lavfi", "-i", "aevalsrc=0.1*sin(2*PI*997*t):s=48000:d=3", str(path)],
        check=True,
    )
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


# -- choosing -----------------------------------------------------------------------------


def test_default_is_the_bundled_ffmpeg_even_with_one_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script(tmp_path / "bin" / "ffmpeg", "exit 1")
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")

    tool = ffmpeg()

    assert (tool.path, tool.origin) == (BUNDLED, Origin.BUNDLED)
    assert ffmpeg_path() == BUNDLED


def test_system_means_the_ffmpeg_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on_path = wrapper(tmp_path / "bin" / "ffmpeg")
    monkeypatch.setenv("PATH", f"{on_path.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv(ENV_VAR, "system")

    assert (ffmpeg().path, ffmpeg().origin) == (str(on_path), Origin.ENV)


def test_config_chooses_and_the_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    configured, from_env = wrapper(tmp_path / "configured"), wrapper(tmp_path / "from-env")
    toml = tmp_path / "podcast.toml"
    configure_ffmpeg(str(configured), source=toml)
    assert (ffmpeg().path, ffmpeg().origin, ffmpeg().source) == (str(configured), Origin.CONFIG, toml)

    monkeypatch.setenv(ENV_VAR, str(from_env))
    assert (ffmpeg().path, ffmpeg().origin) == (str(from_env), Origin.ENV)
    monkeypatch.setenv(ENV_VAR, "bundled")
    assert (ffmpeg().path, ffmpeg().origin) == (BUNDLED, Origin.ENV)


def test_config_key(tmp_path: Path) -> None:
    def audio(value: str) -> str | None:
        podcast = {
            "title": "T",
            "description": "D",
            "author": "A",
            "owner_name": "O",
            "owner_email": "o@example.vn",
            "base_url": "https://radio.example.vn/",
            "image": "audio/cover.jpg",
            "categories": ["Government"],
        }
        return parse_config(
            {"podcast": podcast, "audio": {"ffmpeg": value}}, source=tmp_path / "podcast.toml"
        ).audio.ffmpeg

    assert audio("system") == "system"
    assert audio("/opt/ffmpeg/bin/ffmpeg") == "/opt/ffmpeg/bin/ffmpeg"
    assert audio("tools/ffmpeg") == str(tmp_path / "tools" / "ffmpeg")  # relative to the workspace
    with pytest.raises(ConfigError, match=r"audio\.ffmpeg is empty"):
        audio(" ")


# -- wrong choices: one line naming the binary, its version where known, and the fix ---------


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p, r"{path} not found \(set by RADIOCAST_FFMPEG\)"),
        (lambda p: p.write_text("#!/bin/sh\n"), r"{path} is not executable"),
        (lambda p: script(p, "echo 'Usage: sox [options]'"), r"{path} is not ffmpeg: its -version says 'Usage: sox"),
        (
            lambda p: script(p, "echo 'ffmpeg version 4.4.2-0ubuntu0.22.04.1 Copyright (c) 2000-2021'"),
            r"{path} is ffmpeg 4\.4\.2-0ubuntu0\.22\.04\.1; radiocast needs 5\.1 or newer",
        ),
        (
            lambda p: wrapper(p, "ebur128"),
            r"{path} \(ffmpeg [^)]+\) cannot run radiocast's filters and MP3 encoder: .*No such filter: 'ebur128'",
        ),
    ],
    ids=["missing", "not-executable", "not-ffmpeg", "too-old", "no-ebur128"],
)
def test_a_wrong_override_is_one_clear_line(
    make: Callable[[Path], object], expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "ffmpeg"
    make(path)
    monkeypatch.setenv(ENV_VAR, str(path))

    with pytest.raises(AudioError, match=expected.format(path=re.escape(str(path)))) as caught:
        measure_loudness(tone(tmp_path))  # the audio stage fails with it, before touching the file

    assert "\n" not in str(caught.value)
    assert caught.value.hint == (
        "set RADIOCAST_FFMPEG to ffmpeg 5.1 or newer (a path, or `system` for the one on PATH), "
        "or unset it to use the bundled ffmpeg"
    )


def test_system_without_ffmpeg_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    configure_ffmpeg("system", source=tmp_path / "podcast.toml")

    with pytest.raises(AudioError, match="asks for the system's ffmpeg, but there is none on PATH") as caught:
        ffmpeg()

    assert str(tmp_path / "podcast.toml") in caught.value.message
    assert caught.value.hint is not None
    assert "remove it to use the bundled ffmpeg" in caught.value.hint


# -- probing: what the binary does, not what its version suggests ----------------------------


def test_the_bundled_ffmpeg_has_everything() -> None:
    caps = ffmpeg().caps
    assert (caps.framelog, caps.loopback_decoders) == ("quiet", True)
    assert caps.lame


@pytest.mark.parametrize(
    "binary",
    [pytest.param("wrapper", id="refusing-wrapper"), pytest.param(str(DEBIAN), id="debian", marks=needs_debian)],
)
def test_without_framelog_quiet_and_loopback_decoders(
    binary: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if binary == "wrapper":
        # Refuses both, as 5.1 does.
        binary = str(wrapper(tmp_path / "ffmpeg", "framelog=quiet", " -dec "))
    monkeypatch.setenv(ENV_VAR, binary)
    source = tone(tmp_path)

    caps = ffmpeg().caps
    if binary == str(DEBIAN) and not caps.version.startswith("5.1"):
        pytest.skip(f"/usr/bin/ffmpeg is {caps.version}, not Debian 12's 5.1")
    assert (caps.framelog, caps.loopback_decoders) == ("verbose", False)
    # framelog=verbose: the meter's per-frame lines stay below ffmpeg's default log level.
    stderr = run_ffmpeg(["-i", file_url(source), "-af", meter("peak=true"), "-f", "null", "-"], source)
    assert "Summary:" in stderr
    assert " M: " not in stderr
    assert measure_loudness(source) == pytest.approx((-23.0, -20.0), abs=0.2)
    # Without -dec the encoded MP3 is measured in a second run: the same result, a little slower.
    result = process(source, tmp_path / "episode.mp3", AudioSettings())
    assert result.loudness_lufs == pytest.approx(-16.0, abs=1.0)
    assert result.true_peak_dbtp is not None
    assert result.true_peak_dbtp <= -1.0
    assert measure_loudness(tmp_path / "episode.mp3") == (result.loudness_lufs, result.true_peak_dbtp)


def test_probed_once_and_cached_on_disk(tmp_path: Path) -> None:
    log = tmp_path / "calls.log"
    binary = wrapper(tmp_path / "ffmpeg", log=log)
    env = {**os.environ, ENV_VAR: str(binary), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    probe = [sys.executable, "-c", "from radiocast.audio import ffmpeg\nfor _ in range(3): ffmpeg()"]

    def calls() -> int:
        count = len(log.read_text().splitlines()) if log.exists() else 0
        log.unlink(missing_ok=True)
        return count

    subprocess.run(probe, env=env, check=True)
    first = calls()
    assert 3 <= first <= 5  # -version and a few tiny lavfi runs, once for three calls
    subprocess.run(probe, env=env, check=True)
    assert calls() == 0  # the on-disk cache, keyed by the binary's path, size and mtime
    os.utime(binary, ns=(0, 1))  # another binary at the same path
    subprocess.run(probe, env=env, check=True)
    assert calls() == first
    # An unwritable cache: memory only, silently.
    (tmp_path / "not-a-dir").write_text("")
    subprocess.run(probe, env={**env, "XDG_CACHE_HOME": str(tmp_path / "not-a-dir")}, check=True)
    assert calls() == first


# -- the pipeline follows podcast.toml ---------------------------------------------------------


def test_publish_uses_the_configured_ffmpeg(tmp_path: Path) -> None:
    ws = create_workspace(
        tmp_path / "ws",
        title="Đối thoại",
        base_url="https://radio.example.vn/",
        author="Đài",
        email="podcast@example.vn",
    )
    with ws.config_path.open("a", encoding="utf-8") as f:
        f.write('\n[audio]\nffmpeg = "tools/ffmpeg"\n')
    recording = ws.root / "recordings" / "ky-86.wav"
    recording.parent.mkdir()
    shutil.copyfile(tone(tmp_path), recording)
    (ws.seeds_dir / "ky-86.toml").write_text(
        'title = "Kỳ 86: Tháo gỡ vướng mắc về đất đai"\ndate = "2021-12-25 08:00"\naudio = "recordings/ky-86.wav"\n',
        encoding="utf-8",
    )

    failed = pipeline.publish(ws.root).failed
    assert len(failed) == 1
    assert f"{ws.root / 'tools' / 'ffmpeg'} not found (set by audio.ffmpeg in {ws.config_path})" in (
        failed[0].error or ""
    )

    wrapper(ws.root / "tools" / "ffmpeg", log=tmp_path / "calls.log")
    assert not pipeline.publish(ws.root).failed
    assert (tmp_path / "calls.log").read_text().count(file_url(recording)) >= 2  # measured, then encoded


# -- radiocast doctor, radiocast --version -v ---------------------------------------------


def test_doctor_reports_the_tools() -> None:
    code, out, err = run("doctor")

    assert (code, err) == (0, "")
    assert f"ffmpeg {BUNDLED}\n" in out
    assert "bundled with imageio-ffmpeg; radiocast supports 5.1 or newer" in out
    assert "ebur128 framelog=quiet: yes" in out
    assert "loopback decoders (-dec): yes" in out
    assert "MP3 encoder: LAME " in out
    assert "eSpeak NG 1." in out
    assert "espeak-ng-data" in out
    assert out.startswith("radiocast, version ")


def test_doctor_names_the_workspace_choice(tmp_path: Path) -> None:
    ws = create_workspace(
        tmp_path / "ws",
        title="Đối thoại",
        base_url="https://radio.example.vn/",
        author="Đài",
        email="podcast@example.vn",
    )
    with ws.config_path.open("a", encoding="utf-8") as f:
        f.write('\n[audio]\nffmpeg = "tools/ffmpeg"\n')
    wrapper(ws.root / "tools" / "ffmpeg", "framelog=quiet")

    code, out, err = run("-C", str(ws.root), "doctor")

    assert (code, err) == (0, "")
    assert f"set by audio.ffmpeg in {ws.config_path}" in out
    assert "ebur128 framelog=quiet: no (framelog=verbose instead" in out


def test_doctor_fails_with_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = script(tmp_path / "ffmpeg", "echo 'ffmpeg version 4.4.2-0ubuntu0.22.04.1'")
    monkeypatch.setenv(ENV_VAR, str(old))

    code, out, err = run("doctor")

    assert code == 1
    assert "ffmpeg: not usable (see the error)" in out
    assert "eSpeak NG 1." in out  # the rest is still reported
    assert err == (
        f"radiocast: error: {old} is ffmpeg 4.4.2-0ubuntu0.22.04.1; radiocast needs 5.1 or newer "
        "(set by RADIOCAST_FFMPEG) — set RADIOCAST_FFMPEG to ffmpeg 5.1 or newer (a path, or `system` for the one "
        "on PATH), or unset it to use the bundled ffmpeg\n"
    )


def test_doctor_with_a_broken_podcast_toml_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "podcast.toml").write_text("[audio]\nffmpeg = 5\n", encoding="utf-8")

    code, out, err = run("-C", str(tmp_path), "doctor")

    assert code == 2
    assert f"ffmpeg {BUNDLED}" in out
    assert err.startswith("radiocast: error: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize("args", [["--version", "-v"], ["-v", "--version"]])
def test_version_verbose_adds_the_tools(args: list[str]) -> None:
    code, out, _ = run(*args)

    assert code == 0
    assert out.startswith("radiocast, version ")
    assert f"ffmpeg {BUNDLED}\n" in out
    assert "eSpeak NG 1." in out


def test_version_alone_is_one_line() -> None:
    code, out, _ = run("--version")
    assert code == 0
    assert out.count("\n") == 1
