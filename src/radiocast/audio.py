"""Audio: find ffmpeg, probe MP3s, and turn a recording into a publishable, normalised MP3.

Everything that touches samples runs in ffmpeg subprocesses whose stderr we parse, so an
hour-long recording streams through ffmpeg and never sits decoded in Python memory
(pydub's ``AudioSegment.from_file`` peaks at 1.8 GB for 60 minutes). pydub is not used:
ffmpeg's filter graph resamples, remixes and crossfades the jingles in the same streaming
pass, which pydub could only do by loading them whole.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from mutagen import MutagenError
from mutagen.mp3 import MP3, BitrateMode

from radiocast.errors import AudioError
from radiocast.files import atomic_path
from radiocast.i18n import _
from radiocast.models import AudioSettings

log = logging.getLogger(__name__)

CROSSFADE_MS = 1000
LOUDNESS_TOLERANCE_LU = 1.0
# BS.1770's absolute gate: ebur128 reports exactly -70 when every block is gated out.
_SILENCE_LUFS = -70.0
# alimiter caps sample peaks; inter-sample peaks and MP3 encoding add ~1.5 dB on top
# (FEED-SPEC §4.5), so the limiter aims this far below the true-peak ceiling.
_LIMITER_HEADROOM_DB = 1.5
_ALIMITER_MIN_DB = 20 * math.log10(0.0625)  # alimiter's lowest accepted limit
_LAYOUTS = {1: "mono", 2: "stereo"}
# The limiter's loudness loss is tried on this many excerpts of this many seconds, at
# these gains above the linear one.
_PROBE_EXCERPTS = 30
_PROBE_EXCERPT_S = 4
_PROBE_STEPS_DB = (0.0, 1.5, 3.0, 5.0, 8.0)
_PROBE_EXTRAPOLATE_DB = 2.0
# LAME (3.100, 64-128 kbps) returns tones and speech 0.3-0.5 LU quieter than it was given.
_MP3_LOSS_LU = 0.4
# A true peak over the ceiling lowers the limiter by the excess and this much more.
_PEAK_MARGIN_DB = 0.5
_NAMED_I = re.compile(
    r"\[ebur128@(\w+) @ [^\]]*\] Summary:\s*\n\s*\n?\s*Integrated loudness:\s*\n\s*I:\s+(-?[\d.]+) LUFS"
)
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


@dataclass(frozen=True, slots=True, kw_only=True)
class AudioInfo:
    duration_ms: int
    bitrate: int
    sample_rate: int
    channels: int
    vbr: bool
    has_info_header: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Processed:
    """What `process` published."""

    duration_ms: int  # of the published MP3
    offset_ms: int  # how far the programme's own t=0 moved (intro minus crossfade)
    loudness_lufs: float | None  # measured on the encoded result; None when passed through
    true_peak_dbtp: float | None
    passed_through: bool  # True: the source MP3's audio frames are untouched


def probe(path: Path) -> AudioInfo:
    """Read an MP3's stream parameters; a file that is not MPEG audio is an AudioError."""
    try:
        mp3 = MP3(path)
    except (MutagenError, OSError) as e:
        raise AudioError(
            _("{path} is not a readable MP3 ({error})").format(path=path.name, error=e), hint=_("check the source file")
        ) from e
    info = mp3.info
    if info is None:
        raise AudioError(_("{path} has no MPEG audio stream").format(path=path.name), hint=_("check the source file"))
    has_header = bool(info.encoder_info) or info.bitrate_mode != BitrateMode.UNKNOWN
    vbr = info.bitrate_mode in (BitrateMode.VBR, BitrateMode.ABR)
    duration_ms = round(info.length * 1000)
    if not has_header:
        # Without a Xing/Info header mutagen extrapolates from the first frame's
        # bitrate, which is badly wrong for VBR; decoding the whole file is exact.
        duration_ms = decoded_duration_ms(path)
    if duration_ms <= 0:
        raise AudioError(_("{path} contains no audio").format(path=path.name), hint=_("check the source file"))
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
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-i", _url(path), "-map", "0:a:0", "-f", "null", "-"],
        capture_output=True,
        check=False,
    )
    duration_ms = _last_time_ms(proc.stderr)
    if proc.returncode != 0 or duration_ms is None:
        raise AudioError(_("ffmpeg cannot decode {path}").format(path=path.name), hint=_("check the source file"))
    return duration_ms


def _last_time_ms(stderr: bytes) -> int | None:
    """The last `time=` of ffmpeg's progress report: how much audio it got through."""
    times = _TIME.findall(stderr)
    if not times:
        return None
    h, m, s = times[-1]
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def needs_processing(source: Path, settings: AudioSettings, *, has_intro_outro: bool) -> bool:
    """False only for an MP3 that can be published bit for bit as it is."""
    _check_input(source)
    if has_intro_outro or settings.normalize_mp3 or not _looks_like_mp3(source):
        return True
    try:
        probe(source)
    except AudioError as e:
        log.info(_("%s: %s; re-encoding it"), source.name, e.message)
        return True
    return False


def process(
    source: Path,
    dest: Path,
    settings: AudioSettings,
    *,
    intro: Path | None = None,
    outro: Path | None = None,
) -> Processed:
    """Publish *source* at *dest*: copied if it is a fine MP3, else normalised, jingled and encoded."""
    for path in (source, intro, outro):
        if path is not None:
            _check_input(path)
    if not needs_processing(source, settings, has_intro_outro=intro is not None or outro is not None):
        with atomic_path(dest) as tmp:
            shutil.copyfile(source, tmp)
            info = probe(tmp)
        log.info(_("%s: published as it is (%d ms)"), source.name, info.duration_ms)
        return Processed(
            duration_ms=info.duration_ms,
            offset_ms=0,
            loudness_lufs=None,
            true_peak_dbtp=None,
            passed_through=True,
        )

    main = _measure(source, settings)
    levels = {p: _measure(p, settings) for p in (intro, outro) if p is not None}
    # Each part is levelled to the target on its own, so a jingle mastered hot does not
    # blast out of a quiet programme; the whole then measures at the target too.
    plan = _Plan(settings, main=source, level=main)
    if intro is not None:
        plan.add(intro, levels[intro], fade_ms=0)
    fade_in = min(CROSSFADE_MS, levels[intro].duration_ms // 2, main.duration_ms // 2) if intro else 0
    plan.add(source, main, fade_ms=fade_in)
    if outro is not None:
        fade_out = min(CROSSFADE_MS, levels[outro].duration_ms // 2, main.duration_ms // 2)
        plan.add(outro, levels[outro], fade_ms=fade_out)

    target, ceiling = settings.loudness, settings.true_peak
    with atomic_path(dest) as tmp:
        predicted = plan.fit(target + _MP3_LOSS_LU)
        loudness, peak = _encode(plan, source, tmp)
        if _miss(loudness, peak, settings) > 0:
            log.info(_("%s: encoded at %.1f LUFS, %.1f dBTP; correcting once"), source.name, loudness, peak)
            if peak > ceiling:
                plan.limit_db -= peak - ceiling + _PEAK_MARGIN_DB
            # What the prediction missed (MP3 coding, excerpts vs the whole) would miss again.
            plan.fit(target - (loudness - predicted))
            retry = tmp.with_name(f"{tmp.name}.retry")
            try:
                again = _encode(plan, source, retry)
                # A limiter pushed harder can lose more loudness than the gain wins back:
                # keep whichever attempt is nearer the goal.
                if _miss(*again, settings) < _miss(loudness, peak, settings):
                    retry.replace(tmp)
                    loudness, peak = again
            finally:
                retry.unlink(missing_ok=True)
            if _miss(loudness, peak, settings) > 0:
                log.warning(
                    _(
                        "%s: %.1f LUFS, %.1f dBTP after correction (target %.1f LUFS, ceiling %.1f dBTP); "
                        "published anyway: the recording is unusually peaky"
                    ),
                    source.name,
                    loudness,
                    peak,
                    target,
                    ceiling,
                )
        duration_ms = probe(tmp).duration_ms - _encoder_padding_ms(tmp, settings.sample_rate)
    log.info(_("%s: encoded %d ms at %.1f LUFS, %.1f dBTP"), source.name, duration_ms, loudness, peak)
    return Processed(
        duration_ms=duration_ms,
        offset_ms=levels[intro].duration_ms - fade_in if intro is not None else 0,
        loudness_lufs=loudness,
        true_peak_dbtp=peak,
        passed_through=False,
    )


def measure_loudness(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of *path*, per ITU-R BS.1770."""
    _check_input(path)
    stderr = _ffmpeg(
        ["-i", _url(path), "-map", "0:a:0", "-af", "ebur128=peak=true:framelog=quiet", "-f", "null", "-"],
        path,
    )
    return _ebur128_summary(stderr, path, "True peak")


# -- internals ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Level:
    integrated_lufs: float
    peak_dbfs: float  # sample peak of the resampled, remixed signal, before any gain
    duration_ms: int


class _Plan:
    """The encode pass: inputs, their gains, the crossfades, and the limiter's ceiling."""

    def __init__(self, settings: AudioSettings, *, main: Path, level: _Level) -> None:
        self.settings = settings
        self.main, self.level = main, level
        self.inputs: list[Path] = []
        self.gains_db: list[float] = []  # each part to the target, linearly
        self.peaks_dbfs: list[float] = []
        self.fades_ms: list[int] = []
        self.shift_db = 0.0  # on top of every part's gain
        self.limit_db = settings.true_peak - _LIMITER_HEADROOM_DB

    def add(self, path: Path, level: _Level, *, fade_ms: int) -> None:
        self.inputs.append(path)
        self.gains_db.append(self.settings.loudness - level.integrated_lufs)
        self.peaks_dbfs.append(level.peak_dbfs)
        self.fades_ms.append(fade_ms)

    def overs(self, shift_db: float, *, part: int | None = None) -> bool:
        """Whether a part (default: any) would peak over the limit: else no limiter, it only costs time."""
        # Complementary linear crossfades never exceed the louder part's peak, so the
        # parts' own peaks decide.
        parts = range(len(self.inputs)) if part is None else (part,)
        return any(self.peaks_dbfs[k] + self.gains_db[k] + shift_db > self.limit_db for k in parts)

    def fit(self, aim: float) -> float:
        """Choose the shift that should make the programme measure *aim*; return the prediction."""
        linear = aim - self.settings.loudness
        self.shift_db = linear
        main = self.inputs.index(self.main)
        if not self.overs(linear, part=main):
            return aim
        main_gain = self.gains_db[main]
        steps = [linear + step for step in _PROBE_STEPS_DB]
        curve = _limiter_curve(self.main, self.level, self, [main_gain + s for s in steps])
        gain, predicted = _solve(curve, aim)
        self.shift_db = gain - main_gain
        log.info(_("%s: %+.1f dB more gain makes up for the limiter"), self.main.name, self.shift_db - linear)
        return predicted

    def filter_graph(self) -> str:
        shape = _conditioning(self.settings)
        gains = [g + self.shift_db for g in self.gains_db]
        chains = [f"[{k}:a:0]{shape},volume={g:.3f}dB[p{k}]" for k, g in enumerate(gains)]
        label = "p0"
        for k in range(1, len(self.inputs)):
            samples = max(1, round(self.fades_ms[k] * self.settings.sample_rate / 1000))
            chains.append(f"[{label}][p{k}]acrossfade=ns={samples}:c1=tri:c2=tri[x{k}]")
            label = f"x{k}"
        chains.append(f"[{label}]{_limiter(self.limit_db) if self.overs(self.shift_db) else 'anull'}[out]")
        return ";".join(chains)


def _miss(loudness: float, peak: float, settings: AudioSettings) -> float:
    """How far (dB) a result is outside the loudness tolerance plus over the true-peak ceiling."""
    off = max(0.0, abs(loudness - settings.loudness) - LOUDNESS_TOLERANCE_LU)
    return off + max(0.0, peak - settings.true_peak)


def _limiter(limit_db: float) -> str:
    linear = 10 ** (max(limit_db, _ALIMITER_MIN_DB) / 20)
    # latency=1 compensates the lookahead, so chapter times stay where they were.
    return f"alimiter=limit={linear:.5f}:attack=5:release=50:level=0:latency=1"


def _limiter_curve(source: Path, level: _Level, plan: _Plan, gains: list[float]) -> list[tuple[float, float]]:
    """(gain, whole-programme loudness after the limiter) for each gain, from excerpts.

    A limiter's loudness loss depends on the material, so it is tried rather than
    modelled: a few excerpts spread over the recording, every gain in one ffmpeg run.
    """
    total_s = level.duration_ms / 1000
    n = 1 if total_s <= 2 * _PROBE_EXCERPTS * _PROBE_EXCERPT_S else _PROBE_EXCERPTS
    inputs: list[str] = []
    for k in range(n):
        if n > 1:
            start = (k + 0.5) * total_s / n - _PROBE_EXCERPT_S / 2
            inputs += ["-ss", f"{start:.3f}", "-t", f"{_PROBE_EXCERPT_S}"]
        inputs += ["-i", _url(source)]
    branches = "".join(f"[b{i}]" for i in range(len(gains)))
    graph = [
        "".join(f"[{k}:a:0]" for k in range(n))
        + f"concat=n={n}:v=0:a=1,{_conditioning(plan.settings)},asplit={len(gains) + 1}[ref]{branches}",
        "[ref]ebur128@ref=framelog=quiet[out]",
    ]
    for i, gain in enumerate(gains):
        graph.append(f"[b{i}]volume={gain:.3f}dB,{_limiter(plan.limit_db)},ebur128@b{i}=framelog=quiet,anullsink")
    stderr = _ffmpeg([*inputs, "-filter_complex", ";".join(graph), "-map", "[out]", "-f", "null", "-"], source)
    found = {name: float(value) for name, value in _NAMED_I.findall(stderr)}
    if len(found) != len(gains) + 1:
        raise AudioError(
            _("ffmpeg reported no loudness for {source}").format(source=source),
            hint=_("check the file and the ffmpeg version"),
        )
    # Unlimited, the excerpts at gain g measure found["ref"] + g and the programme
    # level.integrated_lufs + g; the limiter's loss carries over from one to the other.
    shift = level.integrated_lufs - found["ref"]
    return [(gain, found[f"b{i}"] + shift) for i, gain in enumerate(gains)]


def _solve(curve: list[tuple[float, float]], aim: float) -> tuple[float, float]:
    """The gain reaching *aim* on a rising (gain, loudness) curve, and the loudness expected there.

    Beyond the curve's end the limiter gives less and less: extrapolate only a little.
    """
    for (g0, l0), (g1, l1) in itertools.pairwise(curve):
        if l1 >= aim:
            gain = g0 + (aim - l0) * (g1 - g0) / (l1 - l0) if l1 > l0 else g0
            return gain, aim
    (g0, l0), (g1, l1) = curve[-2:]
    slope = max(0.0, (l1 - l0) / (g1 - g0))
    extra = min(_PROBE_EXTRAPOLATE_DB, (aim - l1) / slope) if slope > 0 else 0.0
    return g1 + extra, l1 + slope * extra


def _encode(plan: _Plan, source: Path, tmp: Path) -> tuple[float, float]:
    """Run the one encoding pass into *tmp*; return the encoded stream's loudness and true peak."""
    args: list[str] = ["-y"]
    for path in plan.inputs:
        args += ["-i", _url(path)]
    args += [
        "-filter_complex", plan.filter_graph(),
        "-map", "[out]",
        "-c:a", "libmp3lame", "-b:a", plan.settings.bitrate,
        "-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-f", "mp3", _url(tmp),
    ]  # fmt: skip
    if not _has_loopback_decoders():
        _ffmpeg(args, source)
        return measure_loudness(tmp)
    # A loopback decoder meters the encoded packets in the same process, on another
    # thread, while the encoder runs: no second pass over the written file.
    args += [
        "-dec", "0:0",
        "-filter_complex", "[dec:0]ebur128=peak=true:framelog=quiet[meter]",
        "-map", "[meter]", "-f", "null", "-",
    ]  # fmt: skip
    return _ebur128_summary(_ffmpeg(args, source), source, "True peak")


def _measure(path: Path, settings: AudioSettings) -> _Level:
    """One streaming decode: loudness and sample peak of *path* as it will be encoded."""
    meter = f"{_conditioning(settings)},ebur128=peak=sample:framelog=quiet"
    stderr = _ffmpeg(["-i", _url(path), "-map", "0:a:0", "-af", meter, "-f", "null", "-"], path)
    loudness, peak = _ebur128_summary(stderr, path, "Sample peak")
    duration_ms = _last_time_ms(stderr.encode()) or 0
    if duration_ms <= 0:
        raise AudioError(_("{path} contains no audio").format(path=path), hint=_("check the recording"))
    if loudness <= _SILENCE_LUFS:
        raise AudioError(
            _("{path} contains only silence ({loudness:.1f} LUFS)").format(path=path, loudness=loudness),
            hint=_("check the recording: was the right channel or file exported?"),
        )
    return _Level(integrated_lufs=loudness, peak_dbfs=peak, duration_ms=duration_ms)


def _conditioning(settings: AudioSettings) -> str:
    layout = _LAYOUTS.get(settings.channels)
    if layout is None:
        raise AudioError(
            _("cannot encode {channels} channels").format(channels=settings.channels),
            hint=_("set [audio] channels to 1 or 2 in podcast.toml"),
        )
    return f"aformat=sample_fmts=fltp:sample_rates={settings.sample_rate}:channel_layouts={layout}"


_SUMMARY_VALUE = r"{section}:\s*\n(?:.*\n)*?\s*{key}:\s+(-?(?:\d+(?:\.\d+)?|inf))"


def _ebur128_summary(stderr: str, path: Path, peak_section: str) -> tuple[float, float]:
    summary = stderr.rpartition("Summary:")[2]
    found_i = re.search(_SUMMARY_VALUE.format(section="Integrated loudness", key="I"), summary)
    found_peak = re.search(_SUMMARY_VALUE.format(section=peak_section, key="Peak"), summary)
    if not found_i or not found_peak:
        raise AudioError(
            _("ffmpeg reported no loudness for {path}").format(path=path),
            hint=_("check the file and the ffmpeg version"),
        )
    return float(found_i.group(1)), float(found_peak.group(1))


def _url(path: Path) -> str:
    """A path ffmpeg cannot mistake for an option or a protocol ("-x.wav", "a:b.wav")."""
    return f"file:{path.absolute()}"


def _ffmpeg(args: list[str], path: Path) -> str:
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
def _has_loopback_decoders() -> bool:
    """ffmpeg >= 7 can decode its own encoder's output (`-dec`); git snapshots count as new."""
    out = subprocess.run([ffmpeg_path(), "-version"], capture_output=True, text=True, check=False).stdout
    found = re.match(r"ffmpeg version n?(\d+)\.", out)
    return found is None or int(found.group(1)) >= 7


def _check_input(path: Path) -> None:
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


def _encoder_padding_ms(path: Path, sample_rate: int) -> int:
    """The encoder delay and padding that the Info header's LAME extension declares.

    Gapless players drop them; mutagen counts whole frames, ~50 ms too long.
    """
    with path.open("rb") as f:
        frame = f.read(1024)
    at = frame.find(b"Info")
    if at < 0:
        return 0
    flags = int.from_bytes(frame[at + 4 : at + 8], "big")
    # frames, bytes, seek table and quality fields are present as the flags say
    lame = at + 8 + 4 * (flags & 1) + 4 * ((flags >> 1) & 1) + 100 * ((flags >> 2) & 1) + 4 * ((flags >> 3) & 1)
    if frame[lame : lame + 3] not in (b"LAM", b"Lav") or len(frame) < lame + 24:
        return 0
    packed = int.from_bytes(frame[lame + 21 : lame + 24], "big")
    return round(((packed >> 12) + (packed & 0xFFF)) * 1000 / sample_rate)


def _looks_like_mp3(path: Path) -> bool:
    """An ID3v2 tag or an MPEG audio frame sync at the start (mutagen alone finds syncs anywhere)."""
    with path.open("rb") as f:
        head = f.read(10)
        if head[:3] == b"ID3" and len(head) == 10:
            # Synchsafe size of the tag, then the first frame must follow it.
            tag_size = (head[6] << 21) | (head[7] << 14) | (head[8] << 7) | head[9]
            footer = 10 if head[5] & 0x10 else 0
            f.seek(10 + tag_size + footer)
            head = f.read(2)
    return len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) == 0x02
