"""Audio: find ffmpeg, probe MP3s (mutagen), decode and encode (pydub over ffmpeg)."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mutagen import MutagenError
from mutagen.mp3 import MP3, BitrateMode

from radiocast.errors import AudioError


@functools.cache
def ffmpeg_path() -> str:
    """The ffmpeg on PATH, else the one bundled in the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg  # noqa: PLC0415 - only needed when ffmpeg is not on PATH

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as e:
        raise AudioError(
            "ffmpeg not found", hint="install it (apt install ffmpeg) or `pip install imageio-ffmpeg`"
        ) from e


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioInfo:
    duration_ms: int
    bitrate: int
    sample_rate: int
    channels: int
    vbr: bool
    has_info_header: bool


def probe(path: Path) -> AudioInfo:
    """Read an MP3's stream parameters; a file that is not MPEG audio is an AudioError."""
    try:
        mp3 = MP3(path)
    except (MutagenError, OSError) as e:
        raise AudioError(f"{path.name} is not a readable MP3 ({e})", hint="check the source file") from e
    info = mp3.info
    if info is None:
        raise AudioError(f"{path.name} has no MPEG audio stream", hint="check the source file")
    has_header = bool(info.encoder_info) or info.bitrate_mode != BitrateMode.UNKNOWN
    vbr = info.bitrate_mode in (BitrateMode.VBR, BitrateMode.ABR)
    duration_ms = round(info.length * 1000)
    if not has_header:
        # Without a Xing/Info header mutagen extrapolates from the first frame's
        # bitrate, which is badly wrong for VBR; decoding the whole file is exact.
        duration_ms = decoded_duration_ms(path)
    if duration_ms <= 0:
        raise AudioError(f"{path.name} contains no audio", hint="check the source file")
    return AudioInfo(
        duration_ms=duration_ms,
        bitrate=int(info.bitrate),
        sample_rate=int(info.sample_rate),
        channels=int(info.channels),
        vbr=vbr,
        has_info_header=has_header,
    )


_TIME = re.compile(rb"time=(\d+):(\d\d):(\d\d(?:\.\d+)?)")


def decoded_duration_ms(path: Path) -> int:
    """Decode the whole file with ffmpeg (streaming, no output) and report its length."""
    proc = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:a:0", "-f", "null", "-"],
        capture_output=True,
        check=False,
    )
    times = _TIME.findall(proc.stderr)
    if proc.returncode != 0 or not times:
        raise AudioError(f"ffmpeg cannot decode {path.name}", hint="check the source file")
    h, m, s = times[-1]
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)
