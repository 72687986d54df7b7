"""Transcripts: align known sentences to speech, and write/read WebVTT, SRT, HTML and plain text.

Alignment is for a machine-read article whose sentences are known but not their times: the
pauses in the audio are found on frame energies (numpy, 10 ms frames), then each sentence
boundary is matched to a pause by dynamic programming, each sentence's share of the speech
time being proportional to its syllables (Vietnamese words are syllables).
"""

from __future__ import annotations

import html
import logging
import re
import subprocess
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from radiocast.audio import ffmpeg_path
from radiocast.errors import AudioError, SeedError
from radiocast.i18n import _
from radiocast.sentences import speakable

log = logging.getLogger(__name__)

FRAME_MS = 10
MIN_PAUSE_MS = 150
MAX_LINE_CHARS = 65  # FEED-SPEC §2.4
MAX_CUE_LINES = 2
# Speech quieter than this many dB below the loud frames is a pause (bounded by the noise floor).
_PAUSE_BELOW_SPEECH_DB = 35.0
_SILENCE_DBFS = -70.0  # audio whose loud frames are below this has no speech at all
# Matching costs, in (seconds of speech)²: how far a boundary may drift from its expected
# place, how much a longer pause is preferred, and the price of a boundary on no pause.
_SIGMA_S = 2.0
_PAUSE_BONUS = 1.0
_NO_PAUSE_COST = 16.0

Samples = npt.NDArray[np.generic]


@dataclass(frozen=True, slots=True, kw_only=True)
class Cue:
    """One timed caption."""

    start_ms: int
    end_ms: int
    text: str
    speaker: str | None = None


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


def detect_pauses(samples: Samples, sample_rate: int, *, min_pause_ms: int = MIN_PAUSE_MS) -> list[tuple[int, int]]:
    """The pauses between the first and the last speech, as (start_ms, end_ms)."""
    speech = _find_speech(samples, sample_rate, min_pause_ms)
    return [(speech.ms(s), speech.ms(e)) for s, e in zip(speech.pause_starts, speech.pause_ends, strict=True)]


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
        Cue(start_ms=speech.ms(s), end_ms=speech.ms(max(s, e)), text=_clean(text))
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


# --- writing -------------------------------------------------------------------------------


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _timestamp(ms: int, separator: str) -> str:
    hours, rest = divmod(max(0, ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _wrap(text: str, width: int = MAX_LINE_CHARS) -> list[str]:
    """Lines of at most *width* characters, balanced, breaking only at spaces."""
    words = text.split(" ")
    lines: list[str] = []
    while words:
        rest = " ".join(words)
        if len(rest) <= width:
            lines.append(rest)
            break
        # Take as many words as fit (at least one), then balance two lines when two suffice.
        fit = 1
        while fit < len(words) and len(" ".join(words[: fit + 1])) <= width:
            fit += 1
        if len(" ".join(words[fit:])) <= width:
            fit = min(
                range(1, fit + 1),
                key=lambda k: max(len(" ".join(words[:k])), len(" ".join(words[k:]))),
            )
        lines.append(" ".join(words[:fit]))
        words = words[fit:]
    return lines


def _pieces(text: str, limit: int) -> list[str]:
    """Split *text* into parts of at most *limit* characters, preferring to end at punctuation."""
    words = text.split(" ")
    parts: list[str] = []
    current: list[str] = []
    for word in words:
        if current and len(" ".join([*current, word])) > limit:
            # Go back to the last clause end in the second half of the part, if any.
            cut = next(
                (
                    k
                    for k in range(len(current), 0, -1)
                    if current[k - 1][-1:] in ",;:" and len(" ".join(current[:k])) > limit // 2
                ),
                len(current),
            )
            parts.append(" ".join(current[:cut]))
            current = current[cut:]
        current.append(word)
    if current:
        parts.append(" ".join(current))
    return parts


def split_cue(cue: Cue, *, max_chars: int = MAX_LINE_CHARS * MAX_CUE_LINES) -> list[Cue]:
    """Split a long cue into several of at most *max_chars*, timed in proportion to their length."""
    text = _clean(cue.text)
    if len(text) <= max_chars:
        return [replace(cue, text=text)]
    parts = _pieces(text, max_chars)
    lengths = np.cumsum([0] + [len(p) + 1 for p in parts], dtype=np.float64)
    times = cue.start_ms + (cue.end_ms - cue.start_ms) * lengths / lengths[-1]
    bounds = [round(float(t)) for t in times]
    return [
        Cue(start_ms=bounds[i], end_ms=bounds[i + 1], text=part, speaker=cue.speaker) for i, part in enumerate(parts)
    ]


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Iterable[Cue], *, language: str = "vi") -> str:
    """WebVTT captions: lines of at most 65 characters, long cues split, speakers as ``<v>``."""
    # A "Language:" header line is common but not valid WebVTT; a comment block is.
    blocks = ["WEBVTT", f"NOTE Language: {_escape_vtt(language)}"]
    for cue in cues:
        for piece in split_cue(cue):
            lines = [_escape_vtt(line) for line in _wrap(piece.text)]
            if piece.speaker:
                lines[0] = f"<v {_escape_vtt(_clean(piece.speaker))}>{lines[0]}"
            timing = f"{_timestamp(piece.start_ms, '.')} --> {_timestamp(piece.end_ms, '.')}"
            blocks.append("\n".join([timing, *lines]))
    return "\n\n".join(blocks) + "\n"


def to_srt(cues: Iterable[Cue]) -> str:
    """SubRip captions, numbered from 1; a speaker is written as a ``Name: `` prefix."""
    blocks: list[str] = []
    for cue in cues:
        for piece in split_cue(cue):
            text = f"{_clean(piece.speaker)}: {piece.text}" if piece.speaker else piece.text
            timing = f"{_timestamp(piece.start_ms, ',')} --> {_timestamp(piece.end_ms, ',')}"
            blocks.append("\n".join([str(len(blocks) + 1), timing, *_wrap(text)]))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def to_html(title: str, paragraphs: Iterable[str], *, language: str = "vi") -> str:
    """A small standalone HTML document: the title and one ``<p>`` per paragraph."""

    def esc(text: str) -> str:
        return html.escape(_clean(text), quote=True)

    body = "\n".join(f"<p>{esc(p)}</p>" for p in paragraphs if p.strip())
    return (
        f'<!DOCTYPE html>\n<html lang="{esc(language)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n</head>\n<body>\n<main>\n<h1>{esc(title)}</h1>\n{body}\n</main>\n"
        "</body>\n</html>\n"
    )


def to_text(title: str, paragraphs: Iterable[str]) -> str:
    """Plain text: the title, then the paragraphs, separated by blank lines."""
    blocks = [_clean(title), *(_clean(p) for p in paragraphs if p.strip())]
    return "\n\n".join(blocks) + "\n"


# --- reading -------------------------------------------------------------------------------

_VTT_TIME = re.compile(r"^(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})$")
_SRT_TIME = re.compile(r"^(\d{1,}):([0-5]\d):([0-5]\d)[,.](\d{1,3})$")
_TIMING = re.compile(r"^(\S+)[ \t]+-->[ \t]+(\S+)(?:[ \t].*)?$")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)*(?:[ \t]+([^>]*))?>")
_TAG = re.compile(r"<[^>]*>")


def parse_transcript_file(path: Path) -> list[Cue] | str:
    """Read a station's transcript: WebVTT or SRT give cues, anything else is plain text."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise SeedError(
            _("transcript {path} cannot be read ({reason})").format(path=path, reason=e.strerror),
            hint=_("check the transcript path"),
        ) from e
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SeedError(
            _("transcript {path} is not UTF-8 (byte {start})").format(path=path, start=e.start),
            hint=_("save it as UTF-8"),
        ) from e
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    first = text.split("\n", 1)[0]
    suffix = path.suffix.lower()
    if re.match(r"^WEBVTT(?:[ \t]|$)", first):
        return _parse_cues(text, path, vtt=True)
    if suffix == ".vtt":
        raise SeedError(
            _("transcript {path} is not WebVTT: its first line is not WEBVTT").format(path=path),
            hint=_("start the file with WEBVTT"),
        )
    if suffix == ".srt" or _looks_like_srt(text):
        return _parse_cues(text, path, vtt=False)
    plain = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    if not plain:
        raise SeedError(
            _("transcript {path} is empty").format(path=path), hint=_("add the text or remove the transcript key")
        )
    return plain


def _looks_like_srt(text: str) -> bool:
    lines = [line.strip() for line in text.strip().split("\n")[:3]]
    return len(lines) >= 2 and lines[0].isdigit() and "-->" in lines[1]


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Groups of non-blank lines, each with the 1-based line number of its first line."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            if not current:
                start = number
            current.append(line.rstrip())
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


def _parse_time(value: str, *, vtt: bool, where: str) -> int:
    match = (_VTT_TIME if vtt else _SRT_TIME).match(value)
    if match is None:
        shape = "[HH:]MM:SS.mmm" if vtt else "HH:MM:SS,mmm"
        raise SeedError(
            _("{where}: time {value!r} is not {shape}").format(where=where, value=value, shape=shape),
            hint=_("fix the cue timing"),
        )
    hours, minutes, seconds, millis = match.groups()
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis.ljust(3, "0"))


def _parse_cues(text: str, path: Path, *, vtt: bool) -> list[Cue]:
    kind = "WebVTT" if vtt else "SRT"
    cues: list[Cue] = []
    blocks = _blocks(text)
    for line_no, lines in blocks[1:] if vtt else blocks:
        if vtt and re.match(r"^(?:NOTE|STYLE|REGION)(?:[ \t]|$)", lines[0]):
            continue
        timing_at = 0 if "-->" in lines[0] else 1
        where = _("transcript {path}, line {line}").format(path=path, line=line_no + timing_at)
        match = _TIMING.match(lines[timing_at].strip()) if len(lines) > timing_at else None
        if match is None:
            raise SeedError(
                _("transcript {path}, line {line}: expected a {kind} cue timing 'start --> end'").format(
                    path=path, line=line_no, kind=kind
                ),
                hint=_("separate cues with one blank line, each starting with its timing line"),
            )
        start = _parse_time(match.group(1), vtt=vtt, where=where)
        end = _parse_time(match.group(2), vtt=vtt, where=where)
        if end < start:
            raise SeedError(
                _("{where}: the cue ends before it starts").format(where=where), hint=_("fix the cue timing")
            )
        if cues and start < cues[-1].start_ms:
            raise SeedError(
                _("{where}: the cue starts before the previous one").format(where=where),
                hint=_("order the cues by time"),
            )
        body = " ".join(line.strip() for line in lines[timing_at + 1 :])
        speaker = None
        if vtt:
            voice = _VOICE.search(body)
            if voice and voice.group(1):
                speaker = _clean(html.unescape(voice.group(1))) or None
        cleaned = _clean(html.unescape(_TAG.sub("", body)))
        if cleaned:
            cues.append(Cue(start_ms=start, end_ms=end, text=cleaned, speaker=speaker))
    if not cues:
        raise SeedError(
            _("transcript {path} has no {kind} cues").format(path=path, kind=kind),
            hint=_("add cues or use a plain-text transcript"),
        )
    return cues
