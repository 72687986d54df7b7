"""ffmpeg itself: find it, check a file before handing it over, run it and read its stderr.

audio.py and loudness.py do all their sample work through these.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
from pathlib import Path
from typing import Literal

from radiocast.errors import AudioError
from radiocast.i18n import _

_QUIET = ("-hide_banner", "-nostdin", "-nostats")


@functools.cache
def ffmpeg_path() -> str:
    """The ffmpeg on PATH, else the one bundled in the imageio-ffmpeg wheel."""
    found = shutil.which("ffmpeg")
    if found:
        return found
    try:
        import imageio_ffmpeg  # only needed when ffmpeg is not on PATH

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as e:
        raise AudioError(
            _("ffmpeg not found"), hint=_("install it (apt install ffmpeg) or `pip install imageio-ffmpeg`")
        ) from e


_TIME = re.compile(rb"time=(\d+):(\d\d):(\d\d(?:\.\d+)?)")


def last_time_ms(stderr: bytes) -> int | None:
    """The last `time=` of ffmpeg's progress report: how much audio it got through."""
    times = _TIME.findall(stderr)
    if not times:
        return None
    h, m, s = times[-1]
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def file_url(path: Path) -> str:
    """A path ffmpeg cannot mistake for an option or a protocol ("-x.wav", "a:b.wav")."""
    return f"file:{path.absolute()}"


def run_ffmpeg(args: list[str], path: Path) -> str:
    """Run ffmpeg; its stderr (small: no progress, no per-frame meter lines), or an AudioError."""
    proc = subprocess.run([ffmpeg_path(), *_QUIET, *args], capture_output=True, check=False)
    stderr = proc.stderr.decode("utf-8", "replace")
    if proc.returncode == 0:
        return stderr
    if "matches no streams" in stderr or "does not contain any stream" in stderr:
        raise AudioError(
            _("{path} has no audio stream").format(path=path), hint=_("use a sound recording (WAV, MP3, M4A)")
        )
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    last = lines[-1] if lines else _("exit status {code}").format(code=proc.returncode)
    raise AudioError(
        _("ffmpeg cannot process {path}: {last}").format(path=path, last=last),
        hint=_("check that it is a complete, playable audio file; re-export it if needed"),
    )


@functools.cache
def has_loopback_decoders() -> bool:
    """ffmpeg >= 7 can decode its own encoder's output (`-dec`); git snapshots count as new."""
    out = subprocess.run([ffmpeg_path(), "-version"], capture_output=True, text=True, check=False).stdout
    found = re.match(r"ffmpeg version n?(\d+)\.", out)
    return found is None or int(found.group(1)) >= 7


def check_input(path: Path) -> None:
    """Fail early, naming the file, on what ffmpeg would report obscurely or not at all."""
    if not path.exists():
        raise AudioError(
            _("{path} not found").format(path=path), hint=_("check the audio path in the seed or podcast.toml")
        )
    if not path.is_file():
        raise AudioError(_("{path} is not a file").format(path=path), hint=_("point to an audio file, not a directory"))
    try:
        with path.open("rb") as f:
            head = f.read(12)
    except OSError as e:
        raise AudioError(
            _("{path} cannot be read ({reason})").format(path=path, reason=e.strerror),
            hint=_("check the file's permissions"),
        ) from e
    if not head:
        raise AudioError(_("{path} is empty").format(path=path), hint=_("copy the recording again"))
    if head[:4] in (b"RIFF", b"RIFX", b"RF64") and head[8:12] == b"WAVE":
        _check_wav(path, big_endian=head[:4] == b"RIFX", rf64=head[:4] == b"RF64")


def _check_wav(path: Path, *, big_endian: bool, rf64: bool) -> None:
    """Walk the RIFF chunks: ffmpeg would decode a truncated or garbled WAV without a word."""
    order: Literal["big", "little"] = "big" if big_endian else "little"
    size = path.stat().st_size
    hint = _("re-export the recording from the mixing desk")
    byte_rate = 0
    with path.open("rb") as f:
        pos = 12
        while pos + 8 <= size:
            f.seek(pos)
            header = f.read(8)
            chunk_id, chunk_size = header[:4], int.from_bytes(header[4:], order)
            if not all(0x20 <= b <= 0x7E for b in chunk_id):
                raise AudioError(
                    _("{path} is a corrupt WAV file (garbage at byte {pos})").format(path=path, pos=pos), hint=hint
                )
            if chunk_id == b"fmt ":
                fmt = f.read(min(chunk_size, 16))
                byte_rate = int.from_bytes(fmt[8:12], order) if len(fmt) >= 12 else 0
                if len(fmt) < 16 or int.from_bytes(fmt[2:4], order) == 0 or byte_rate == 0:
                    raise AudioError(_("{path} is a corrupt WAV file (bad format chunk)").format(path=path), hint=hint)
            elif chunk_id == b"data":
                if not byte_rate:
                    raise AudioError(
                        _("{path} is a corrupt WAV file (no format chunk before the audio)").format(path=path),
                        hint=hint,
                    )
                # RF64 keeps the real size elsewhere; 0 and 0xFFFFFFFF mark a recorder's
                # unfinished streaming header, which ffmpeg reads to the end of the file.
                available = size - pos - 8
                if not rf64 and chunk_size not in (0, 0xFFFFFFFF) and chunk_size > available:
                    raise AudioError(
                        _(
                            "{path} is truncated: its header promises {promised:.1f} s of audio, the file holds {held:.1f} s"
                        ).format(path=path, promised=chunk_size / byte_rate, held=available / byte_rate),
                        hint=hint,
                    )
                return
            pos += 8 + chunk_size + (chunk_size & 1)
    raise AudioError(_("{path} is a corrupt WAV file (no audio data chunk)").format(path=path), hint=hint)
