"""ffmpeg itself: choose it, learn what it can do, check a file before handing it over, run it.

_process.py, _loudness.py and speech's alignment do all their sample work through these.

Which ffmpeg: ``RADIOCAST_FFMPEG`` (a path, ``system`` for the one on PATH, or ``bundled``),
else podcast.toml's ``[audio] ffmpeg`` (same values), else the binary of the imageio-ffmpeg
wheel, a known, tested build, whatever PATH holds; without the wheel, the ffmpeg on PATH.
What it can do is probed once per binary with a few tiny lavfi runs, not inferred from its
version number: builds differ in more than their number (Debian's 5.1 rejects
``framelog=quiet`` and has no ``-dec``).
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Literal

from radiocast import __version__
from radiocast.errors import AudioError
from radiocast.files import write_atomic
from radiocast.i18n import _

log = logging.getLogger(__name__)

ENV_VAR = "RADIOCAST_FFMPEG"
SYSTEM, BUNDLED = "system", "bundled"
MIN_RELEASE = (5, 1)  # Debian 12's; older builds are not tested
_MIN_LIBAVUTIL = (57, 28)  # ffmpeg 5.1's, for builds that report a git revision, not a release
_QUIET = ("-hide_banner", "-nostdin", "-nostats")
_PROBE_TIMEOUT_S = 30
_CACHE_ENTRIES = 16


class Origin(StrEnum):
    """Where the choice of ffmpeg came from."""

    BUNDLED = "bundled"  # the imageio-ffmpeg wheel's binary, the default
    ENV = "env"  # RADIOCAST_FFMPEG
    CONFIG = "config"  # podcast.toml's [audio] ffmpeg
    PATH = "PATH"  # no bundled binary: the ffmpeg on PATH


@dataclass(frozen=True, slots=True, kw_only=True)
class Capabilities:
    """What one ffmpeg binary was found to do."""

    version: str  # as it names itself: "5.1.9-0+deb12u1", "n9.0.2-17-g2a571b6068-20260930"
    framelog: Literal["quiet", "verbose"]  # ebur128's per-frame log: off, else at verbose (hidden at info)
    loopback_decoders: bool  # `-dec`: meter the encoder's output in the same run
    lame: str | None  # libmp3lame's version, as it writes it into the MP3 ("3.100")


@dataclass(frozen=True, slots=True, kw_only=True)
class Ffmpeg:
    """The ffmpeg radiocast runs."""

    path: str
    origin: Origin
    caps: Capabilities
    source: Path | None = None  # the podcast.toml that chose it (origin CONFIG)


_configured: tuple[str | None, Path | None] = (None, None)
_select_lock = threading.Lock()


def configure_ffmpeg(value: str | None, *, source: Path | None = None) -> None:
    """Take podcast.toml's ``[audio] ffmpeg`` (*value*; None: not set) from *source* into account."""
    global _configured  # one ffmpeg per process, like the one workspace a publish works on
    _configured = (value.strip() or None if value else None, source)


def ffmpeg() -> Ffmpeg:
    """The ffmpeg to run, chosen and probed once; an AudioError naming it and the fix if it is unusable."""
    env = os.environ.get(ENV_VAR, "").strip()
    with _select_lock:
        return _select(env, *_configured)


def ffmpeg_path() -> str:
    """The path of the ffmpeg to run (see `ffmpeg`)."""
    return ffmpeg().path


@functools.lru_cache(maxsize=16)  # a failure is not cached: it is found again, cheaply
def _select(env: str, value: str | None, source: Path | None) -> Ffmpeg:
    if env:
        return _chosen(env, Origin.ENV, source=None)
    if value:
        return _chosen(value, Origin.CONFIG, source=source)
    return _default()


def _default() -> Ffmpeg:
    bundled = _bundled()
    if bundled is not None:
        return Ffmpeg(path=bundled, origin=Origin.BUNDLED, caps=_capabilities(bundled, Origin.BUNDLED, None))
    found = shutil.which("ffmpeg")
    if found is None:
        raise AudioError(
            _("ffmpeg not found: the imageio-ffmpeg wheel has no binary for this machine and PATH has no ffmpeg"),
            hint=_("install ffmpeg 5.1 or newer (apt install ffmpeg), or `pip install imageio-ffmpeg`"),
        )
    return Ffmpeg(path=found, origin=Origin.PATH, caps=_capabilities(found, Origin.PATH, None))


def _bundled() -> str | None:
    try:
        import imageio_ffmpeg  # the wheel may lack a binary for this platform

        exe = str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        return None
    # Without a binary of its own, imageio-ffmpeg answers "ffmpeg", meaning PATH's.
    return None if exe == "ffmpeg" else exe


def _chosen(value: str, origin: Origin, *, source: Path | None) -> Ffmpeg:
    if value == BUNDLED:
        bundled = _bundled()
        if bundled is None:
            raise AudioError(
                _("{chooser} asks for the bundled ffmpeg, but imageio-ffmpeg has none for this machine").format(
                    chooser=chosen_by(origin, source)
                ),
                hint=_fix(origin, source),
            )
        return Ffmpeg(path=bundled, origin=origin, caps=_capabilities(bundled, origin, source), source=source)
    if value == SYSTEM:
        found = shutil.which("ffmpeg")
        if found is None:
            raise AudioError(
                _("{chooser} asks for the system's ffmpeg, but there is none on PATH").format(
                    chooser=chosen_by(origin, source)
                ),
                hint=_fix(origin, source),
            )
        return Ffmpeg(path=found, origin=origin, caps=_capabilities(found, origin, source), source=source)
    path = Path(value).expanduser()
    if not path.is_file():
        raise AudioError(
            _("{path} not found ({chooser})").format(path=path, chooser=chosen_by(origin, source)),
            hint=_fix(origin, source),
        )
    if not os.access(path, os.X_OK):
        raise AudioError(
            _("{path} is not executable ({chooser})").format(path=path, chooser=chosen_by(origin, source)),
            hint=_fix(origin, source),
        )
    return Ffmpeg(path=str(path), origin=origin, caps=_capabilities(str(path), origin, source), source=source)


def chosen_by(origin: Origin, source: Path | None) -> str:
    """Who chose this ffmpeg, as the messages and `radiocast doctor` say it."""
    if origin is Origin.ENV:
        return _("set by {var}").format(var=ENV_VAR)
    if origin is Origin.CONFIG:
        return _("set by audio.ffmpeg in {source}").format(source=source or "podcast.toml")
    if origin is Origin.PATH:
        return _("the ffmpeg on PATH (imageio-ffmpeg has none for this machine)")
    return _("bundled with imageio-ffmpeg")


def _fix(origin: Origin, source: Path | None) -> str:
    if origin is Origin.ENV:
        return _(
            "set {var} to ffmpeg 5.1 or newer (a path, or `system` for the one on PATH), "
            "or unset it to use the bundled ffmpeg"
        ).format(var=ENV_VAR)
    if origin is Origin.CONFIG:
        return _(
            'fix audio.ffmpeg in {source} (a path to ffmpeg 5.1 or newer, or "system"), '
            "or remove it to use the bundled ffmpeg"
        ).format(source=source or "podcast.toml")
    return _(
        "reinstall imageio-ffmpeg (pip install --force-reinstall imageio-ffmpeg), which bundles a tested ffmpeg, "
        "or install ffmpeg 5.1 or newer and set {var}=system"
    ).format(var=ENV_VAR)


# -- probing -------------------------------------------------------------------------------

# A tiny run through every filter, option and the encoder the audio code passes, each with
# the options it is given there; {framelog} is the one that differs between builds.
_SIGNAL = ("-f", "lavfi", "-i", "sine=f=440:r=8000:d=0.6")
_FILTERS = (
    *_SIGNAL,
    *("-ss", "0.1", "-t", "0.4", "-f", "lavfi", "-i", "sine=f=660:r=8000:d=0.6"),
    "-filter_complex",
    "[0:a:0][1:a:0]concat=n=2:v=0:a=1,aformat=sample_fmts=fltp:sample_rates=8000:channel_layouts=mono,"
    "asplit=2[c0][c1];[c0]volume=-3.000dB[p0];[c1]volume=1.000dB,anull[p1];"
    "[p0][p1]acrossfade=ns=800:c1=tri:c2=tri,alimiter=limit=0.50000:attack=5:release=50:level=0:latency=1,"
    "asplit=2[m][s];[s]ebur128@probe=peak=sample:framelog={framelog},anullsink;"
    "[m]ebur128=peak=true:framelog={framelog}[out]",
    *("-map", "[out]", "-c:a", "libmp3lame", "-b:a", "32k", "-write_xing", "1", "-id3v2_version", "0"),
    *("-write_id3v1", "0", "-map_metadata", "-1", "-map_chapters", "-1", "-f", "mp3", "-"),
)
# audio._encode's loopback: the encoder's packets decoded again and metered in the same run.
_LOOPBACK = (
    *_SIGNAL,
    *("-c:a", "libmp3lame", "-b:a", "32k", "-f", "null", "-"),
    *("-dec", "0:0", "-filter_complex", "[dec:0]ebur128=peak=true:framelog={framelog}[meter]"),
    *("-map", "[meter]", "-f", "null", "-"),
)
_FRAMELOGS: tuple[Literal["quiet", "verbose"], ...] = ("quiet", "verbose")
# The probe runs themselves identify the cache's entries: change them and old results go.
_PROBE_ID = hashlib.sha256(repr((__version__, _FILTERS, _LOOPBACK, _FRAMELOGS)).encode()).hexdigest()[:16]
_VERSION = re.compile(r"ffmpeg version (\S+)")
_RELEASE = re.compile(r"n?(\d+)\.(\d+)")
_LIBAVUTIL = re.compile(r"^libavutil\s+(\d+)\.\s*(\d+)\.", re.MULTILINE)
_LAME = re.compile(rb"LAME(\d+\.\d+)")
_probed: dict[str, Capabilities] = {}


def _capabilities(path: str, origin: Origin, source: Path | None) -> Capabilities:
    """What *path* can do: from this process's or the on-disk cache, else probed."""
    try:
        stat = Path(path).stat()
    except OSError as e:
        raise AudioError(
            _("{path} cannot be read ({reason})").format(path=path, reason=e.strerror), hint=_fix(origin, source)
        ) from e
    key = f"{_PROBE_ID}:{Path(path).resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    caps = _probed.get(key) or _read_cache(key)
    if caps is None:
        caps = _probe(path, origin, source)
        _write_cache(key, caps)
    _probed[key] = caps
    return caps


def _probe(path: str, origin: Origin, source: Path | None) -> Capabilities:
    chooser = chosen_by(origin, source)
    try:
        said = subprocess.run(
            [path, "-version"], capture_output=True, text=True, errors="replace", timeout=_PROBE_TIMEOUT_S, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        raise AudioError(
            _("{path} cannot be run ({reason}; {chooser})").format(path=path, reason=e, chooser=chooser),
            hint=_fix(origin, source),
        ) from e
    found = _VERSION.match(said)
    if found is None:
        first = said.strip().splitlines()[0][:80] if said.strip() else _("nothing")
        raise AudioError(
            _("{path} is not ffmpeg: its -version says {said!r} ({chooser})").format(
                path=path, said=first, chooser=chooser
            ),
            hint=_fix(origin, source),
        )
    version = found.group(1)
    if _too_old(version, said):
        raise AudioError(
            _("{path} is ffmpeg {version}; radiocast needs 5.1 or newer ({chooser})").format(
                path=path, version=version, chooser=chooser
            ),
            hint=_fix(origin, source),
        )
    failure = ""
    for framelog in _FRAMELOGS:
        proc = _run_probe(path, _FILTERS, framelog)
        if proc.returncode == 0:
            break
        failure = _last_line(proc.stderr) or _("exit status {code}").format(code=proc.returncode)
    else:
        raise AudioError(
            _("{path} (ffmpeg {version}) cannot run radiocast's filters and MP3 encoder: {failure} ({chooser})").format(
                path=path, version=version, failure=failure, chooser=chooser
            ),
            hint=_fix(origin, source),
        )
    lame = _LAME.search(proc.stdout)
    loopback = _run_probe(path, _LOOPBACK, framelog).returncode == 0
    caps = Capabilities(
        version=version, framelog=framelog, loopback_decoders=loopback, lame=lame.group(1).decode() if lame else None
    )
    log.debug("%s: %s", path, caps)
    return caps


def _too_old(version: str, said: str) -> bool:
    release = _RELEASE.match(version)
    if release:
        return (int(release.group(1)), int(release.group(2))) < MIN_RELEASE
    # A git snapshot ("N-113000-g…") names no release: its libraries' versions do.
    libavutil = _LIBAVUTIL.search(said)
    return libavutil is not None and (int(libavutil.group(1)), int(libavutil.group(2))) < _MIN_LIBAVUTIL


def _run_probe(path: str, template: tuple[str, ...], framelog: str) -> subprocess.CompletedProcess[bytes]:
    args = [arg.replace("{framelog}", framelog) for arg in template]
    try:
        return subprocess.run(
            [path, *_QUIET, "-loglevel", "error", *args], capture_output=True, timeout=_PROBE_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired as e:
        said = _("no answer in {seconds} s").format(seconds=_PROBE_TIMEOUT_S)
        return subprocess.CompletedProcess(e.cmd, 1, b"", said.encode())


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _cache_file() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "radiocast" / "ffmpeg-probes.json"


def _read_cache(key: str) -> Capabilities | None:
    """The on-disk result for *key*; None when there is none or the cache is unreadable."""
    try:
        entry = json.loads(_cache_file().read_text(encoding="utf-8"))[key]
        return Capabilities(**entry)
    except (OSError, RuntimeError, ValueError, TypeError, KeyError):
        return None


def _write_cache(key: str, caps: Capabilities) -> None:
    """Remember *caps* on disk; where that is not possible, this process's memory is enough."""
    try:
        path = _cache_file()
        try:
            entries = json.loads(path.read_text(encoding="utf-8"))
            entries = entries if isinstance(entries, dict) else {}
        except (OSError, ValueError):
            entries = {}
        entries.pop(key, None)
        entries[key] = asdict(caps)
        kept = dict(list(entries.items())[-_CACHE_ENTRIES:])  # the newest: binaries come and go
        write_atomic(path, json.dumps(kept, indent=1).encode())
    except (OSError, RuntimeError) as e:
        log.debug("ffmpeg probe cache not written: %s", e)


# -- running -------------------------------------------------------------------------------


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
    _raise_write_failure(args, proc.returncode, stderr)
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


# What ffmpeg's stderr says when the disk refuses its output (strerror, as av_strerror gives it).
_WRITE_FAILURES = {
    errno.ENOSPC: "No space left on device",
    errno.EDQUOT: "Disk quota exceeded",
    errno.EFBIG: "File too large",
    errno.EROFS: "Read-only file system",
}


def _raise_write_failure(args: list[str], returncode: int, stderr: str) -> None:
    """A refused write is the workspace's problem, not the recording's: raise it as the OSError
    it was, naming the output file, so the pipeline reports it like any other refused write."""
    outputs = [a for i, a in enumerate(args) if a.startswith("file:") and (i == 0 or args[i - 1] != "-i")]
    if not outputs:
        return
    output = outputs[-1].removeprefix("file:")
    if returncode == -signal.SIGXFSZ:  # killed past RLIMIT_FSIZE instead of getting EFBIG
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG), output)
    for code, said in _WRITE_FAILURES.items():
        if said in stderr:
            raise OSError(code, os.strerror(code), output)


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
