"""Shared fixtures: real MP3s made with ffmpeg at test time, real workspaces."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from radiocast.audio import chosen_by, ffmpeg, ffmpeg_path
from radiocast.audio._ffmpeg import ENV_VAR
from radiocast.errors import AudioError

MakeMp3 = Callable[..., Path]

# "ci" (the default): the same examples on every run, so a red CI is reproducible and the suite's time
# is fixed. "long": fresh random examples, many more of them; HYPOTHESIS_PROFILE=long make test.
settings.register_profile(
    "ci", derandomize=True, deadline=None, max_examples=100, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("long", deadline=None, max_examples=5000, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    # Every test, fixture and helper runs the ffmpeg radiocast chose: RADIOCAST_FFMPEG picks one for a run.
    try:
        ffmpeg_path()
    except AudioError as e:
        raise pytest.UsageError(f"radiocast's tests need ffmpeg: {e}") from e


def pytest_report_header(config: pytest.Config) -> str:
    tool = ffmpeg()
    return (
        f"ffmpeg: {tool.path} {tool.caps.version}, {chosen_by(tool.origin, tool.source)} ({ENV_VAR} chooses); "
        f"framelog={tool.caps.framelog}, loopback decoders: {tool.caps.loopback_decoders}, LAME {tool.caps.lame}"
    )


def make_mp3(
    path: Path,
    *,
    seconds: float = 3.0,
    bitrate: str = "64k",
    channels: int = 1,
    sample_rate: int = 44100,
    vbr: bool = False,
    freq: int = 220,
) -> Path:
    """Encode a speech-like signal (a tone with a syllable-rate envelope over pink noise)."""
    source = (
        f"aevalsrc='0.3*sin(2*PI*{freq}*t)*(0.55+0.45*sin(2*PI*4*t))"
        f"+0.05*sin(2*PI*{freq * 3}*t)':s={sample_rate}:d={seconds}"
    )
    quality = ["-q:a", "6"] if vbr else ["-b:a", bitrate]
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
            str(channels),
            "-ar",
            str(sample_rate),
            "-c:a",
            "libmp3lame",
            *quality,
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every test as on a machine without a locale: messages in English, whatever the developer's LANG."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def mp3_factory(tmp_path_factory: pytest.TempPathFactory) -> MakeMp3:
    """Make MP3s once per session and hand out copies (tests may mutate them)."""
    cache_dir = tmp_path_factory.mktemp("mp3-cache")
    made: dict[tuple[object, ...], Path] = {}

    def factory(dest: Path | None = None, **kwargs: object) -> Path:
        key = tuple(sorted(kwargs.items()))
        if key not in made:
            made[key] = make_mp3(cache_dir / f"{len(made)}.mp3", **kwargs)  # type: ignore[arg-type]
        if dest is None:
            dest = tmp_path_factory.mktemp("mp3") / "audio.mp3"
        shutil.copyfile(made[key], dest)
        return dest

    return factory


@pytest.fixture
def sample_mp3(mp3_factory: MakeMp3, tmp_path: Path) -> Path:
    """A 3-second 64 kbps mono CBR MP3 of speech-like sound, private to the test."""
    return mp3_factory(tmp_path / "sample.mp3")
