"""Alignment: decode audio, find its pauses, and time known sentences on them."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from radiocast.audio import ffmpeg_path
from radiocast.errors import AudioError
from radiocast.i18n import _
from radiocast.speech._sentences import speakable
from radiocast.text import one_line
from radiocast.transcripts import Cue

# Alignment is for a machine-read article whose sentences are known but not their times: the
# pauses in the audio are found on frame energies (numpy, 10 ms frames), then each sentence
# boundary is matched to a pause by dynamic programming, each sentence's share of the speech
# time being proportional to its syllables (Vietnamese words are syllables).

FRAME_MS = 10
MIN_PAUSE_MS = 150
# Speech quieter than this many dB below the loud frames is a pause (bounded by the noise floor).
_PAUSE_BELOW_SPEECH_DB = 35.0
_SILENCE_DBFS = -70.0  # audio whose loud frames are below this has no speech at all
# Matching costs, in (seconds of speech)²: how far a boundary may drift from its expected
# place, how much a longer pause is preferred, and the price of a boundary on no pause.
_SIGMA_S = 2.0
_PAUSE_BONUS = 1.0
_NO_PAUSE_COST = 16.0

Samples = npt.NDArray[np.generic]


# --- decoding and pauses -------------------------------------------------------------------


def decode_mono(path: Path, rate: int = 16000) -> npt.NDArray[np.int16]:
    """Decode any audio file ffmpeg reads to mono 16-bit samples at *rate* Hz."""
    command = [ffmpeg_path(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path)]
    command += ["-map", "0:a:0", "-ac", "1", "-ar", str(rate), "-f", "s16le", "-acodec", "pcm_s16le", "-"]
    proc = subprocess.run(command, capture_output=True, check=False)
    if proc.returncode != 0:
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise AudioError(
            _("ffmpeg cannot decode {path} ({reason})").format(
                path=path, reason=reason[-1] if reason else f"exit {proc.returncode}"
            ),
            hint=_("check that the file exists and is a complete audio file"),
        )
    usable = len(proc.stdout) - len(proc.stdout) % 2
    return np.frombuffer(proc.stdout[:usable], dtype="<i2").astype(np.int16)


def _frame_size(sample_rate: int) -> int:
    return max(1, sample_rate * FRAME_MS // 1000)


def _frame_levels(samples: Samples, sample_rate: int) -> npt.NDArray[np.float64]:
    """RMS level of each (about) 10 ms frame, in dB relative to full scale."""
    data = np.asarray(samples)
    # Integer samples are scaled to [-1, 1); float samples are taken as already there.
    full_scale = 1.0
    if np.issubdtype(data.dtype, np.integer):
        full_scale = float(np.iinfo(data.dtype.type).max) + 1.0  # type: ignore[type-var]
    if data.ndim == 2:  # (samples, channels)
        data = data.mean(axis=1)
    if data.ndim != 1:
        raise AudioError(
            _("expected mono samples, got an array of shape {shape}").format(shape=data.shape),
            hint=_("decode with decode_mono()"),
        )
    frame = _frame_size(sample_rate)
    count = len(data) // frame
    energy = np.empty(count, dtype=np.float64)
    # Chunks bound the float copy for long recordings.
    step = max(1, 2_000_000 // frame)
    for first in range(0, count, step):
        last = min(count, first + step)
        block = data[first * frame : last * frame].astype(np.float64).reshape(last - first, frame)
        energy[first:last] = np.mean(np.square(block / full_scale), axis=1)
    return 10.0 * np.log10(np.maximum(energy, 1e-12))


def _runs(mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Start and end (exclusive) indices of the runs of True in *mask*."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def _cover(starts: npt.NDArray[np.intp], ends: npt.NDArray[np.intp], size: int) -> npt.NDArray[np.bool_]:
    """A mask that is True inside the (non-overlapping) ranges [start, end)."""
    delta = np.zeros(size + 1, dtype=np.int32)
    np.add.at(delta, starts, 1)
    np.add.at(delta, ends, -1)
    return np.cumsum(delta[:-1]) > 0


@dataclass(frozen=True, slots=True)
class _Speech:
    start: int  # first and last+1 speech frame
    end: int
    pause_starts: npt.NDArray[np.intp]  # pauses inside the speech, in frames
    pause_ends: npt.NDArray[np.intp]
    speech_before: npt.NDArray[np.float64]  # speech frames before each frame (pauses excluded)
    frame_ms: float  # 220 samples at 22050 Hz are 9.977 ms, not 10

    def ms(self, frame: int) -> int:
        return round(frame * self.frame_ms)


def _find_speech(samples: Samples, sample_rate: int, min_pause_ms: int) -> _Speech:
    levels = _frame_levels(samples, sample_rate)
    if levels.size == 0:
        raise AudioError(_("the audio is empty"), hint=_("check the source file"))
    loud = float(np.percentile(levels, 95))
    if loud < _SILENCE_DBFS:
        raise AudioError(
            _("no speech found: the audio is silent (level {loud:.0f} dBFS)").format(loud=loud),
            hint=_("check the source file"),
        )
    floor = float(np.percentile(levels, 5))
    threshold = max(loud - _PAUSE_BELOW_SPEECH_DB, floor + 0.25 * (loud - floor))
    quiet = levels < threshold
    # Blips shorter than 30 ms (clicks, breaths) do not end a pause.
    starts, ends = _runs(~quiet)
    short = ends - starts < 3
    quiet |= _cover(starts[short], ends[short], levels.size)
    voiced = np.flatnonzero(~quiet)
    if voiced.size == 0:
        raise AudioError(_("no speech found in the audio"), hint=_("check the source file"))
    first, last = int(voiced[0]), int(voiced[-1]) + 1
    starts, ends = _runs(quiet[first:last])
    long_enough = ends - starts >= max(1, round(min_pause_ms / FRAME_MS))
    pause_starts, pause_ends = starts[long_enough] + first, ends[long_enough] + first
    speaking = (~_cover(pause_starts, pause_ends, levels.size)).astype(np.float64)
    speaking[:first] = 0
    speaking[last:] = 0
    speech_before = np.concatenate(([0.0], np.cumsum(speaking)))
    frame_ms = _frame_size(sample_rate) * 1000 / sample_rate
    return _Speech(first, last, pause_starts, pause_ends, speech_before, frame_ms)


# --- alignment -----------------------------------------------------------------------------


def syllables(text: str) -> int:
    """How many syllables *text* is read as (numbers and abbreviations expanded)."""
    return sum(1 for word in speakable(text).split() if any(c.isalnum() for c in word))


def align_sentences(
    samples: Samples, sample_rate: int, sentences: Sequence[str], *, min_pause_ms: int = MIN_PAUSE_MS
) -> list[Cue]:
    """Time each of *sentences* (read in order in *samples*): one cue per sentence."""
    if not sentences:
        return []
    speech = _find_speech(samples, sample_rate, min_pause_ms)
    weights = np.array([max(1, syllables(s)) for s in sentences], dtype=np.float64)
    boundaries = _match_boundaries(speech, weights)
    starts = [speech.start, *(end for _start, end in boundaries)]
    ends = [*(start for start, _end in boundaries), speech.end]
    return [
        Cue(start_ms=speech.ms(s), end_ms=speech.ms(max(s, e)), text=one_line(text))
        for s, e, text in zip(starts, ends, sentences, strict=True)
    ]


def _match_boundaries(speech: _Speech, weights: npt.NDArray[np.float64]) -> list[tuple[int, int]]:
    """For each boundary between sentences, the (start, end) frames of the pause it falls in."""
    n = len(weights) - 1
    if n == 0:
        return []
    total = speech.speech_before[speech.end]
    expected = np.cumsum(weights)[:-1] / weights.sum() * total  # speech frames before each boundary
    # Candidates: every pause, plus a zero-length "no pause" at each boundary's expected place,
    # so a match always exists even when the reader ran sentences together.
    virtual = np.searchsorted(speech.speech_before, expected).clip(speech.start, speech.end)
    cand_start = np.concatenate((speech.pause_starts, virtual))
    cand_end = np.concatenate((speech.pause_ends, virtual))
    pause_len = (cand_end - cand_start).astype(np.float64)
    order = np.lexsort((cand_end, cand_start))
    cand_start, cand_end, pause_len = cand_start[order], cand_end[order], pause_len[order]
    position = speech.speech_before[cand_start]  # speech frames before the candidate
    frames_per_s = 1000 / speech.frame_ms
    bonus = np.where(
        pause_len > 0,
        _PAUSE_BONUS * np.log2(pause_len * speech.frame_ms / MIN_PAUSE_MS + 1),
        -_NO_PAUSE_COST,
    )
    drift = (position[None, :] - expected[:, None]) / frames_per_s / _SIGMA_S
    cost = np.square(drift) - bonus[None, :]  # (boundaries, candidates)

    count = cost.shape[1]
    index = np.arange(count)
    best = cost[0].copy()
    back = np.zeros((n, count), dtype=np.intp)
    for j in range(1, n):
        # Boundary j takes a candidate after boundary j-1's: a prefix minimum shifted by one.
        prefix = np.minimum.accumulate(best)
        argmin = np.maximum.accumulate(np.where(best == prefix, index, 0))
        previous = np.concatenate(([np.inf], prefix[:-1]))
        back[j] = np.concatenate(([0], argmin[:-1]))
        best = cost[j] + previous
    chosen = [int(np.argmin(best))]
    for j in range(n - 1, 0, -1):
        chosen.append(int(back[j][chosen[-1]]))
    chosen.reverse()
    return [(int(cand_start[c]), int(cand_end[c])) for c in chosen]
