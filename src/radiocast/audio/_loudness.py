"""Loudness: measure it (ITU-R BS.1770, ffmpeg's ebur128) and plan the gains and limiter that reach the target.

Each part of an episode is levelled to the target on its own; where that gain would push
peaks over the ceiling a limiter steps in, and the loudness it takes away is measured on
excerpts and made up for (`Plan.fit`).
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from dataclasses import dataclass
from pathlib import Path

from radiocast.audio._ffmpeg import check_input, ffmpeg, file_url, last_time_ms, run_ffmpeg
from radiocast.errors import AudioError
from radiocast.i18n import _
from radiocast.models import AudioSettings

# The audio stage's lines, under its name as before the split (filters and tests select by stage).
log = logging.getLogger(__name__)

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
MP3_LOSS_LU = 0.4
# A true peak over the ceiling lowers the limiter by the excess and this much more.
PEAK_MARGIN_DB = 0.5
_NAMED_I = re.compile(
    r"\[ebur128@(\w+) @ [^\]]*\] Summary:\s*\n\s*\n?\s*Integrated loudness:\s*\n\s*I:\s+(-?[\d.]+) LUFS"
)


def measure_loudness(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) of *path*, per ITU-R BS.1770."""
    check_input(path)
    stderr = run_ffmpeg(
        ["-i", file_url(path), "-map", "0:a:0", "-af", meter("peak=true"), "-f", "null", "-"],
        path,
    )
    return ebur128_summary(stderr, path, "True peak")


def meter(*options: str, name: str = "") -> str:
    """The ebur128 filter with *options*, its per-frame lines off (or at verbose level, where ffmpeg has no "quiet")."""
    instance = f"ebur128@{name}" if name else "ebur128"
    return f"{instance}=" + ":".join([*options, f"framelog={ffmpeg().caps.framelog}"])


@dataclass(frozen=True, slots=True)
class Level:
    integrated_lufs: float
    peak_dbfs: float  # sample peak of the resampled, remixed signal, before any gain
    duration_ms: int


class Plan:
    """The encode pass: inputs, their gains, the crossfades, and the limiter's ceiling."""

    def __init__(self, settings: AudioSettings, *, main: Path, level: Level) -> None:
        self.settings = settings
        self.main, self.level = main, level
        self.inputs: list[Path] = []
        self.gains_db: list[float] = []  # each part to the target, linearly
        self.peaks_dbfs: list[float] = []
        self.fades_ms: list[int] = []
        self.shift_db = 0.0  # on top of every part's gain
        self.limit_db = settings.true_peak - _LIMITER_HEADROOM_DB

    def add(self, path: Path, level: Level, *, fade_ms: int) -> None:
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


def miss(loudness: float, peak: float, settings: AudioSettings) -> float:
    """How far (dB) a result is outside the loudness tolerance plus over the true-peak ceiling."""
    off = max(0.0, abs(loudness - settings.loudness) - LOUDNESS_TOLERANCE_LU)
    return off + max(0.0, peak - settings.true_peak)


def _limiter(limit_db: float) -> str:
    linear = 10 ** (max(limit_db, _ALIMITER_MIN_DB) / 20)
    # latency=1 compensates the lookahead, so chapter times stay where they were.
    return f"alimiter=limit={linear:.5f}:attack=5:release=50:level=0:latency=1"


def _limiter_curve(source: Path, level: Level, plan: Plan, gains: list[float]) -> list[tuple[float, float]]:
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
        inputs += ["-i", file_url(source)]
    branches = "".join(f"[b{i}]" for i in range(len(gains)))
    graph = [
        "".join(f"[{k}:a:0]" for k in range(n))
        + f"concat=n={n}:v=0:a=1,{_conditioning(plan.settings)},asplit={len(gains) + 1}[ref]{branches}",
        f"[ref]{meter(name='ref')}[out]",
    ]
    for i, gain in enumerate(gains):
        graph.append(f"[b{i}]volume={gain:.3f}dB,{_limiter(plan.limit_db)},{meter(name=f'b{i}')},anullsink")
    stderr = run_ffmpeg([*inputs, "-filter_complex", ";".join(graph), "-map", "[out]", "-f", "null", "-"], source)
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


def measure_level(path: Path, settings: AudioSettings) -> Level:
    """One streaming decode: loudness and sample peak of *path* as it will be encoded."""
    chain = f"{_conditioning(settings)},{meter('peak=sample')}"
    stderr = run_ffmpeg(["-i", file_url(path), "-map", "0:a:0", "-af", chain, "-f", "null", "-"], path)
    loudness, peak = ebur128_summary(stderr, path, "Sample peak")
    duration_ms = last_time_ms(stderr.encode()) or 0
    if duration_ms <= 0:
        raise AudioError(_("{path} contains no audio").format(path=path), hint=_("check the recording"))
    if loudness <= _SILENCE_LUFS:
        raise AudioError(
            _("{path} contains only silence ({loudness:.1f} LUFS)").format(path=path, loudness=loudness),
            hint=_("check the recording: was the right channel or file exported?"),
        )
    return Level(integrated_lufs=loudness, peak_dbfs=peak, duration_ms=duration_ms)


def _conditioning(settings: AudioSettings) -> str:
    layout = _LAYOUTS.get(settings.channels)
    if layout is None:
        raise AudioError(
            _("cannot encode {channels} channels").format(channels=settings.channels),
            hint=_("set [audio] channels to 1 or 2 in podcast.toml"),
        )
    return f"aformat=sample_fmts=fltp:sample_rates={settings.sample_rate}:channel_layouts={layout}"


_SUMMARY_VALUE = r"{section}:\s*\n(?:.*\n)*?\s*{key}:\s+(-?(?:\d+(?:\.\d+)?|inf))"


def ebur128_summary(stderr: str, path: Path, peak_section: str) -> tuple[float, float]:
    summary = stderr.rpartition("Summary:")[2]
    found_i = re.search(_SUMMARY_VALUE.format(section="Integrated loudness", key="I"), summary)
    found_peak = re.search(_SUMMARY_VALUE.format(section=peak_section, key="Peak"), summary)
    if not found_i or not found_peak:
        raise AudioError(
            _("ffmpeg reported no loudness for {path}").format(path=path),
            hint=_("check the file and the ffmpeg version"),
        )
    return float(found_i.group(1)), float(found_peak.group(1))
