"""Audio: probe MP3s, and turn a recording into a publishable, normalised MP3.

Everything that touches samples runs in ffmpeg subprocesses whose stderr we parse, so an
hour-long recording streams through ffmpeg and never sits decoded in Python memory
(pydub's ``AudioSegment.from_file`` peaks at 1.8 GB for 60 minutes). pydub is not used:
ffmpeg's filter graph resamples, remixes and crossfades the jingles in the same streaming
pass, which pydub could only do by loading them whole. Finding and running ffmpeg is in
_ffmpeg.py, measuring loudness and planning gains and the limiter in _loudness.py.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from radiocast.audio._ffmpeg import check_input, ffmpeg, ffmpeg_path, file_url, last_time_ms, run_ffmpeg
from radiocast.audio._loudness import (
    MP3_LOSS_LU,
    PEAK_MARGIN_DB,
    Plan,
    ebur128_summary,
    measure_level,
    measure_loudness,
    meter,
    miss,
)
from radiocast.errors import AudioError
from radiocast.files import atomic_path
from radiocast.i18n import _
from radiocast.models import AudioSettings
from radiocast.tagging import read_stream

log = logging.getLogger(__name__)

CROSSFADE_MS = 1000


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
    stream = read_stream(path)
    duration_ms = round(stream.length_s * 1000)
    if not stream.has_info_header:
        # Without a Xing/Info header mutagen extrapolates from the first frame's
        # bitrate, which is badly wrong for VBR; decoding the whole file is exact.
        duration_ms = decoded_duration_ms(path)
    if duration_ms <= 0:
        raise AudioError(_("{path} contains no audio").format(path=path.name), hint=_("check the source file"))
    return AudioInfo(
        duration_ms=duration_ms,
        bitrate=stream.bitrate,
        sample_rate=stream.sample_rate,
        channels=stream.channels,
        vbr=stream.vbr,
        has_info_header=stream.has_info_header,
    )


def decoded_duration_ms(path: Path) -> int:
    """Decode the whole file with ffmpeg (streaming, no output) and report its length."""
    proc = subprocess.run(
        [ffmpeg_path(), "-hide_banner", "-nostdin", "-i", file_url(path), "-map", "0:a:0", "-f", "null", "-"],
        capture_output=True,
        check=False,
    )
    duration_ms = last_time_ms(proc.stderr)
    if proc.returncode != 0 or duration_ms is None:
        raise AudioError(_("ffmpeg cannot decode {path}").format(path=path.name), hint=_("check the source file"))
    return duration_ms


def needs_processing(source: Path, settings: AudioSettings, *, has_intro_outro: bool) -> bool:
    """False only for an MP3 that can be published bit for bit as it is."""
    check_input(source)
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
            check_input(path)
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

    main = measure_level(source, settings)
    levels = {p: measure_level(p, settings) for p in (intro, outro) if p is not None}
    # Each part is levelled to the target on its own, so a jingle mastered hot does not
    # blast out of a quiet programme; the whole then measures at the target too.
    plan = Plan(settings, main=source, level=main)
    if intro is not None:
        plan.add(intro, levels[intro], fade_ms=0)
    fade_in = min(CROSSFADE_MS, levels[intro].duration_ms // 2, main.duration_ms // 2) if intro else 0
    plan.add(source, main, fade_ms=fade_in)
    if outro is not None:
        fade_out = min(CROSSFADE_MS, levels[outro].duration_ms // 2, main.duration_ms // 2)
        plan.add(outro, levels[outro], fade_ms=fade_out)

    target, ceiling = settings.loudness, settings.true_peak
    with atomic_path(dest) as tmp:
        predicted = plan.fit(target + MP3_LOSS_LU)
        loudness, peak = _encode(plan, source, tmp)
        if miss(loudness, peak, settings) > 0:
            log.info(_("%s: encoded at %.1f LUFS, %.1f dBTP; correcting once"), source.name, loudness, peak)
            if peak > ceiling:
                plan.limit_db -= peak - ceiling + PEAK_MARGIN_DB
            # What the prediction missed (MP3 coding, excerpts vs the whole) would miss again.
            plan.fit(target - (loudness - predicted))
            retry = tmp.with_name(f"{tmp.name}.retry")
            try:
                again = _encode(plan, source, retry)
                # A limiter pushed harder can lose more loudness than the gain wins back:
                # keep whichever attempt is nearer the goal.
                if miss(*again, settings) < miss(loudness, peak, settings):
                    retry.replace(tmp)
                    loudness, peak = again
            finally:
                retry.unlink(missing_ok=True)
            if miss(loudness, peak, settings) > 0:
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


# -- internals ------------------------------------------------------------------------


def _encode(plan: Plan, source: Path, tmp: Path) -> tuple[float, float]:
    """Run the one encoding pass into *tmp*; return the encoded stream's loudness and true peak."""
    args: list[str] = ["-y"]
    for path in plan.inputs:
        args += ["-i", file_url(path)]
    args += [
        "-filter_complex", plan.filter_graph(),
        "-map", "[out]",
        "-c:a", "libmp3lame", "-b:a", plan.settings.bitrate,
        "-write_xing", "1", "-id3v2_version", "0", "-write_id3v1", "0",
        "-map_metadata", "-1", "-map_chapters", "-1",
        "-f", "mp3", file_url(tmp),
    ]  # fmt: skip
    if not ffmpeg().caps.loopback_decoders:  # no `-dec` (ffmpeg before 7): a second run meters the file
        run_ffmpeg(args, source)
        return measure_loudness(tmp)
    # A loopback decoder meters the encoded packets in the same process, on another
    # thread, while the encoder runs: no second pass over the written file.
    args += [
        "-dec", "0:0",
        "-filter_complex", f"[dec:0]{meter('peak=true')}[meter]",
        "-map", "[meter]", "-f", "null", "-",
    ]  # fmt: skip
    return ebur128_summary(run_ffmpeg(args, source), source, "True peak")


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
