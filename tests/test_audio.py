"""Audio processing on real files made with ffmpeg; loudness checked with ffmpeg's own meter."""

from __future__ import annotations

import logging
import math
import re
import subprocess
from array import array
from collections.abc import Callable
from pathlib import Path

import pytest
from mutagen.id3 import ID3, TIT2
from mutagen.mp3 import MP3, BitrateMode

from radiocast.audio import ffmpeg_path, measure_loudness, process
from radiocast.audio._process import Processed, needs_processing
from radiocast.errors import AudioError
from radiocast.models import AudioSettings

MakeMp3 = Callable[..., Path]
FFMPEG = ffmpeg_path()  # conftest's pytest_configure has made sure there is one

SPEECH = "0.3*sin(2*PI*220*t)*(0.55+0.45*sin(2*PI*4*t))+0.05*sin(2*PI*660*t)"
# Harmonics in phase, syllables, pauses: in mono a peak-to-loudness ratio near 16 dB, like
# an unprocessed microphone, so that -16 LUFS under -1 dBTP needs the limiter.
_PITCH = "(130*t-30/(2*PI*0.23)*cos(2*PI*0.23*t))"
PEAKY = (
    "pow(max(0,sin(2*PI*4.1*t)),1.5)*gt(sin(2*PI*0.5*t),-0.7)*("
    + "+".join(
        f"{a}*sin({2 * k}*PI*{_PITCH}+{p})" for k, a, p in ((1, 1, 0), (2, 0.6, 0.5), (3, 0.4, 1.1), (4, 0.25, 2))
    )
    + ")"
)


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args], check=True)


def lavfi(expr: str, *, rate: int, seconds: float) -> list[str]:
    """ffmpeg input arguments for a signal given as an expression of t."""
    escaped = expr.replace(",", "\\,")
    return ["-f", "lavfi", "-i", f"aevalsrc='{escaped}':s={rate}:d={seconds}"]


def make_wav(
    path: Path,
    expr: str = SPEECH,
    *,
    seconds: float = 3.0,
    rate: int = 48000,
    channels: int = 2,
    lufs: float | None = None,
) -> Path:
    """A WAV of *expr*; at *lufs* integrated loudness (as ffmpeg measures the file) if given."""
    source = lavfi(expr, rate=rate, seconds=seconds)
    if lufs is None:
        ffmpeg(*source, "-ac", str(channels), "-c:a", "pcm_s16le", str(path))
        return path
    raw = path.with_suffix(".raw.wav")
    ffmpeg(*source, "-ac", str(channels), "-c:a", "pcm_f32le", str(raw))
    loudness, _ = ebur128(raw)
    ffmpeg("-i", str(raw), "-af", f"volume={lufs - loudness:.2f}dB", "-c:a", "pcm_s16le", str(path))
    raw.unlink()
    return path


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness and true peak by ffmpeg directly: independent of radiocast's code."""
    proc = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = proc.stderr.rpartition("Summary:")[2]
    loudness = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert loudness, summary
    assert peak, summary
    return float(loudness.group(1)), float(peak.group(1))


def samples(path: Path, start: float, seconds: float, rate: int = 44100) -> array[int]:
    raw = subprocess.run(
        [FFMPEG, "-v", "error", "-i", str(path), "-ss", str(start), "-t", str(seconds), *_PCM, str(rate), "-"],
        capture_output=True,
        check=True,
    ).stdout
    return array("h", raw)


_PCM = ("-f", "s16le", "-ac", "1", "-ar")


def tone_power(pcm: array[int] | list[int], freq: float, rate: int = 44100) -> float:
    """Goertzel: the power of one frequency in a block of samples."""
    coeff = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in pcm:
        s1, s2 = x + coeff * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / max(1, len(pcm)) ** 2


def assert_loudness(path: Path, target: float, ceiling: float) -> None:
    loudness, peak = ebur128(path)
    assert abs(loudness - target) <= 1.0, f"{loudness} LUFS, target {target}"
    assert peak <= ceiling, f"true peak {peak} dBTP over {ceiling}"


# -- transcoding -------------------------------------------------------------------------


def test_wav_becomes_cbr_mono_mp3_with_info_header(tmp_path: Path) -> None:
    # A name ffmpeg could misread: a colon (protocol?), diacritics, a leading dash.
    source = make_wav(tmp_path / "-Kỳ 86: đất đai.wav", seconds=3.0, rate=48000, channels=2)
    dest = tmp_path / "out" / "episode.mp3"

    result = process(source, dest, AudioSettings())

    info = MP3(dest).info
    assert info.bitrate_mode == BitrateMode.CBR
    assert (info.sample_rate, info.channels, round(info.bitrate, -3)) == (44100, 1, 64000)
    data = dest.read_bytes()
    assert data[:2] == b"\xff\xfb"  # a frame first: no ID3v2 carried over, the tagger adds its own
    assert b"Info" in data[:200]  # LAME's CBR header in the first frame
    assert data[-128:-125] != b"TAG"  # no ID3v1
    assert not result.passed_through
    assert result.offset_ms == 0
    assert abs(result.duration_ms - 3000) <= 30
    assert sorted(p.name for p in dest.parent.iterdir()) == ["episode.mp3"]


def test_other_settings_are_followed(tmp_path: Path) -> None:
    source = make_wav(tmp_path / "desk.wav", seconds=2.0, rate=44100, channels=1)
    dest = tmp_path / "episode.mp3"

    process(source, dest, AudioSettings(bitrate="96k", channels=2, sample_rate=48000))

    info = MP3(dest).info
    assert (info.sample_rate, info.channels, round(info.bitrate, -3)) == (48000, 2, 96000)
    assert info.bitrate_mode == BitrateMode.CBR


@pytest.mark.parametrize(
    ("source_lufs", "target", "ceiling"),
    [(-30.0, -16.0, -1.0), (-8.0, -16.0, -1.0), (-25.0, -19.0, -2.0)],
    ids=["quiet", "loud", "custom-target"],
)
def test_loudness_lands_on_target(tmp_path: Path, source_lufs: float, target: float, ceiling: float) -> None:
    source = make_wav(tmp_path / "desk.wav", seconds=4.0, lufs=source_lufs)
    assert abs(ebur128(source)[0] - source_lufs) <= 0.2
    dest = tmp_path / "episode.mp3"

    result = process(source, dest, AudioSettings(loudness=target, true_peak=ceiling))

    assert_loudness(dest, target, ceiling)
    # What radiocast reports is what the encoded file measures.
    assert result.loudness_lufs == pytest.approx(ebur128(dest)[0], abs=0.15)
    assert result.true_peak_dbtp == pytest.approx(ebur128(dest)[1], abs=0.15)


def test_peaky_speech_is_limited_under_the_ceiling(tmp_path: Path) -> None:
    source = make_wav(tmp_path / "mic.wav", PEAKY, seconds=8.0, channels=1, lufs=-30.0)
    loudness, peak = ebur128(source)
    assert peak - loudness >= 15.5  # a linear gain to -16 LUFS would put its peaks over -1 dBTP
    dest = tmp_path / "episode.mp3"

    process(source, dest, AudioSettings())

    assert_loudness(dest, -16.0, -1.0)


def test_true_peak_over_the_ceiling_is_corrected(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    # Full-band clicks: their inter-sample peaks and the MP3 coder's overshoot go far past
    # what the limiter's headroom allows for, so only the check on the encoded file sees them.
    clicks = f"0.3*{PEAKY}+3*(random(0)-0.5)*pow(max(0,sin(2*PI*0.53*t)),400)"
    source = make_wav(tmp_path / "clicks.wav", clicks, seconds=8.0, channels=1, lufs=-30.0)
    dest = tmp_path / "episode.mp3"

    with caplog.at_level(logging.INFO, logger="radiocast.audio"):
        result = process(source, dest, AudioSettings())

    assert "correcting once" in caplog.text
    loudness, peak = ebur128(dest)
    assert peak <= -1.0
    # The attempt kept is the one reported, and the other one is gone.
    assert (result.loudness_lufs, result.true_peak_dbtp) == pytest.approx((loudness, peak), abs=0.15)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clicks.wav", "episode.mp3"]


def test_m4a_source_is_transcoded(tmp_path: Path) -> None:
    source = tmp_path / "phone.m4a"
    ffmpeg(*lavfi(SPEECH, rate=44100, seconds=3.0), "-c:a", "aac", "-b:a", "96k", str(source))
    dest = tmp_path / "episode.mp3"

    result = process(source, dest, AudioSettings())

    assert needs_processing(source, AudioSettings(), has_intro_outro=False)
    assert not result.passed_through
    assert MP3(dest).info.channels == 1
    assert_loudness(dest, -16.0, -1.0)


# -- pass-through ------------------------------------------------------------------------


def test_mp3_is_published_bit_for_bit(sample_mp3: Path, tmp_path: Path) -> None:
    tags = ID3()
    tags.add(TIT2(encoding=3, text="Kỳ 86: Tháo gỡ vướng mắc về đất đai"))
    tags.save(sample_mp3)  # station MP3s arrive tagged; the tag must not hide the frames
    dest = tmp_path / "out" / "episode.mp3"

    assert not needs_processing(sample_mp3, AudioSettings(), has_intro_outro=False)
    result = process(sample_mp3, dest, AudioSettings())

    assert dest.read_bytes() == sample_mp3.read_bytes()
    assert result == Processed(
        duration_ms=result.duration_ms, offset_ms=0, loudness_lufs=None, true_peak_dbtp=None, passed_through=True
    )
    assert abs(result.duration_ms - 3000) <= 60


def test_normalize_mp3_reencodes(mp3_factory: MakeMp3, tmp_path: Path) -> None:
    source = mp3_factory(tmp_path / "station.mp3", bitrate="128k", channels=2)
    settings = AudioSettings(normalize_mp3=True)
    dest = tmp_path / "episode.mp3"

    assert needs_processing(source, settings, has_intro_outro=False)
    result = process(source, dest, settings)

    assert not result.passed_through
    assert dest.read_bytes() != source.read_bytes()
    assert (round(MP3(dest).info.bitrate, -3), MP3(dest).info.channels) == (64000, 1)
    assert_loudness(dest, -16.0, -1.0)


def test_mp3_with_jingles_needs_processing(sample_mp3: Path) -> None:
    assert needs_processing(sample_mp3, AudioSettings(), has_intro_outro=True)


# -- intro and outro ---------------------------------------------------------------------


def test_intro_and_outro_are_crossfaded_around_the_programme(mp3_factory: MakeMp3, tmp_path: Path) -> None:
    intro = make_wav(tmp_path / "nhạc hiệu.wav", "0.5*sin(2*PI*1000*t)", seconds=2.0, rate=48000, channels=2)
    # A 3 kHz blip 1.5 s into the programme, after the crossfade, marks its own clock.
    main = make_wav(tmp_path / "main.wav", f"{SPEECH}+0.4*sin(2*PI*3000*t)*between(t,1.5,1.6)", seconds=4.0, rate=44100)
    outro = mp3_factory(tmp_path / "outro.mp3", seconds=2.0, freq=2500, sample_rate=22050, bitrate="32k")
    dest = tmp_path / "episode.mp3"

    result = process(main, dest, AudioSettings(), intro=intro, outro=outro)

    assert abs(result.duration_ms - (2000 + 4000 + 2000 - 2 * 1000)) <= 50
    assert abs(result.offset_ms - (2000 - 1000)) <= 50
    start, middle, end = samples(dest, 0.1, 0.5), samples(dest, 2.7, 0.8), samples(dest, 5.4, 0.5)
    assert tone_power(start, 1000) > 100 * tone_power(start, 220)
    assert tone_power(middle, 220) > 100 * tone_power(middle, 1000)
    assert tone_power(end, 2500) > 100 * tone_power(end, 220)
    # The blip sits where the programme's t=1.5 s moved to.
    window = samples(dest, 2.0, 1.0)
    powers = [tone_power(window[i : i + 441], 3000) for i in range(0, len(window) - 441, 441)]
    onset = 2.0 + next(i for i, p in enumerate(powers) if p > max(powers) / 4) * 0.01
    assert abs(onset * 1000 - (result.offset_ms + 1500)) <= 50
    assert_loudness(dest, -16.0, -1.0)


# -- errors ------------------------------------------------------------------------------


def _fails(source: Path, tmp_path: Path, match: str) -> AudioError:
    dest = tmp_path / "published" / "episode.mp3"
    dest.parent.mkdir()
    dest.write_bytes(b"the previous version")
    with pytest.raises(AudioError, match=match) as caught:
        process(source, dest, AudioSettings())
    assert source.name in caught.value.message
    assert caught.value.hint
    # Nothing half-made: the old file untouched, no temporary left behind.
    assert [p.name for p in dest.parent.iterdir()] == ["episode.mp3"]
    assert dest.read_bytes() == b"the previous version"
    return caught.value


def test_missing_file(tmp_path: Path) -> None:
    _fails(tmp_path / "2021-12-25.wav", tmp_path, "not found")


def test_wav_header_followed_by_garbage(tmp_path: Path) -> None:
    source = tmp_path / "desk.wav"
    source.write_bytes(b"RIFF" + (40_000).to_bytes(4, "little") + b"WAVE" + bytes(range(256)) * 160)
    _fails(source, tmp_path, "corrupt WAV")


def test_truncated_wav(tmp_path: Path) -> None:
    whole = make_wav(tmp_path / "whole.wav", seconds=4.0)
    source = tmp_path / "desk.wav"
    source.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    error = _fails(source, tmp_path, "truncated")
    assert "4.0 s" in error.message


def test_silence_only(tmp_path: Path) -> None:
    source = tmp_path / "desk.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=stereo:d=3", "-c:a", "pcm_s16le", str(source))
    _fails(source, tmp_path, "contains only silence")


def test_text_file_named_wav(tmp_path: Path) -> None:
    source = tmp_path / "desk.wav"
    source.write_text("Kỳ 86: Tháo gỡ vướng mắc về đất đai\n", encoding="utf-8")
    error = _fails(source, tmp_path, "ffmpeg cannot process")
    assert "Invalid data" in error.message  # ffmpeg's own last word


def test_file_without_audio_stream(tmp_path: Path) -> None:
    source = tmp_path / "cover.png"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:s=16x16:d=1", "-frames:v", "1", str(source))
    _fails(source, tmp_path, "no audio stream")


def test_silent_jingle_is_named(tmp_path: Path) -> None:
    main = make_wav(tmp_path / "main.wav")
    intro = tmp_path / "intro.wav"
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=44100:cl=mono:d=2", "-c:a", "pcm_s16le", str(intro))
    with pytest.raises(AudioError, match=r"intro\.wav contains only silence"):
        process(main, tmp_path / "episode.mp3", AudioSettings(), intro=intro)
    assert not (tmp_path / "episode.mp3").exists()


# -- the meter itself --------------------------------------------------------------------


def test_measure_loudness_of_a_reference_tone(tmp_path: Path) -> None:
    # BS.1770: a 997 Hz sine at -20 dBFS peak in one channel reads -23.0 LUFS.
    tone = make_wav(tmp_path / "tone.wav", "0.1*sin(2*PI*997*t)", seconds=3.0, rate=48000, channels=1)
    loudness, peak = measure_loudness(tone)
    assert loudness == pytest.approx(-23.0, abs=0.2)
    assert peak == pytest.approx(-20.0, abs=0.2)
