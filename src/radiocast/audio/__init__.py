"""Audio: probe MP3s, measure loudness, and turn a recording into a publishable MP3 (ffmpeg)."""

from __future__ import annotations

from radiocast.audio._ffmpeg import MIN_RELEASE, Ffmpeg, chosen_by, configure_ffmpeg, ffmpeg, ffmpeg_path
from radiocast.audio._loudness import measure_loudness
from radiocast.audio._process import decoded_duration_ms, probe, process

__all__ = [
    "MIN_RELEASE",
    "Ffmpeg",
    "chosen_by",
    "configure_ffmpeg",
    "decoded_duration_ms",
    "ffmpeg",
    "ffmpeg_path",
    "measure_loudness",
    "probe",
    "process",
]
