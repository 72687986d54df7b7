"""Time and memory of radiocast's audio processing against a bare ffmpeg transcode.

    .venv/bin/python benchmarks/audio_processing.py [--minutes 60] [--repeat 1]

Generates a --minutes long 44.1 kHz stereo 16-bit WAV of speech-like sound in a
temporary directory under /tmp: a voiced source with a drifting pitch and six harmonics,
syllables at ~4 Hz, pauses, three speakers at different levels, a pink-noise floor, the
level drifting +-1.5 dB; about -21 LUFS with true peaks near -3 dBTP (a peak-to-loudness
ratio near 18 dB), so that -16 LUFS under -1 dBTP needs the limiter. Then runs, --repeat
times each, alternating:

  bare       ffmpeg -i in.wav -ac 1 -ar 44100 -c:a libmp3lame -b:a 64k out.mp3
  radiocast  radiocast.audio.process() with the default [audio] settings, in a child
             Python process (it runs ffmpeg as its own children)

and prints the wall-clock seconds of each (median), their ratio (goal <= 1.5), the CPU
seconds of each, the peak RSS of the radiocast child and of the largest ffmpeg it ran
(goal: their sum <= 300 MB), and the loudness of the result measured independently with
ffmpeg's ebur128 filter (goal: within 1 LU of -16 LUFS, true peak <= -1 dBTP).
Exit status 1 if a goal is missed. The temporary directory is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from radiocast.audio import ffmpeg_path, process
from radiocast.audio._loudness import meter
from radiocast.models import AudioSettings

BLOCK_S = 300  # synthesised once, looped to length: aevalsrc runs ~20x real time


def ffmpeg() -> str:
    return ffmpeg_path()


def speech_like_wav(dest: Path, minutes: float) -> None:
    """Write a speech-like stereo WAV of *minutes*; a block made with aevalsrc, looped."""
    phase = "(130*t-30/(2*PI*0.23)*cos(2*PI*0.23*t))"
    voice = "+".join(
        f"{amp}*sin({2 * k}*PI*{phase}+{ph})"
        for k, amp, ph in ((1, 1, 0), (2, 0.6, 0.5), (3, 0.4, 1.1), (4, 0.25, 2.0), (6, 0.15, 0.3), (9, 0.08, 1.7))
    )
    syllables = "pow(max(0,sin(2*PI*4.1*t+1.3*sin(2*PI*0.9*t))),1.5)*(0.7+0.3*sin(2*PI*1.7*t)*sin(2*PI*0.37*t))"
    pauses = "gt(sin(2*PI*0.11*t+2*sin(2*PI*0.029*t)),-0.6)"
    speakers = "if(lt(mod(t,240),90),1,if(lt(mod(t,240),170),0.75,0.6))"  # host, guest, caller
    expr = f"0.28*{speakers}*{pauses}*{syllables}*({voice})".replace(",", "\\,")
    block = dest.with_name("block.wav")
    seconds = min(BLOCK_S, minutes * 60)
    run(
        [
            ffmpeg(), "-v", "error", "-y",
            "-f", "lavfi", "-i", f"aevalsrc='{expr}':s=44100:d={seconds}",
            "-f", "lavfi", "-i", f"anoisesrc=c=pink:a=0.006:r=44100:d={seconds}",
            "-filter_complex", "[0][1]amix=inputs=2:normalize=0,pan=stereo|c0=c0|c1=0.92*c0+0.02*c1",
            "-c:a", "pcm_s16le", str(block),
        ]
    )  # fmt: skip
    loops = max(0, int(minutes * 60 // seconds) - 1)
    # A slow drift of +-1.5 dB over the hour, as a desk operator rides the faders.
    run(
        [
            ffmpeg(), "-v", "error", "-y", "-stream_loop", str(loops), "-i", str(block),
            "-af", "volume='pow(10,1.5*sin(2*PI*t/1700)/20)':eval=frame",
            "-t", str(minutes * 60), "-c:a", "pcm_s16le", str(dest),
        ]
    )  # fmt: skip
    block.unlink()


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True)


def timed(cmd: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds (children included) of *cmd*, and its stdout."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.stdout


def child(source: Path, dest: Path) -> None:
    """Child process: one process() with default settings; print the result and peak RSS."""
    result = process(source, dest, AudioSettings())
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ffmpeg_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "loudness_lufs": result.loudness_lufs,
                "true_peak_dbtp": result.true_peak_dbtp,
                "duration_ms": result.duration_ms,
                "python_rss_mb": own,
                "ffmpeg_rss_mb": ffmpeg_peak,
            }
        )
    )


def independent_loudness(path: Path) -> tuple[float, float]:
    proc = subprocess.run(
        [
            ffmpeg(),
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-af",
            meter("peak=true"),
            "-f",
            "null",
            "-",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    summary = proc.stderr.rpartition("Summary:")[2]
    loudness = re.search(r"I:\s+(-?[\d.]+) LUFS", summary)
    peak = re.search(r"True peak:\s*\n\s*Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    assert loudness, proc.stderr[-2000:]
    assert peak, proc.stderr[-2000:]
    return float(loudness.group(1)), float(peak.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, alternating; medians reported")
    parser.add_argument("--child", nargs=2, metavar=("SOURCE", "DEST"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), Path(args.child[1]))
        return 0

    work = Path(tempfile.mkdtemp(prefix="radiocast-audio-bench-", dir="/tmp"))
    try:
        source = work / "programme.wav"
        start = time.perf_counter()
        speech_like_wav(source, args.minutes)
        made_s = time.perf_counter() - start
        source_lufs, source_peak = independent_loudness(source)
        print(
            f"source: {args.minutes:g} min, 44.1 kHz stereo WAV, {source.stat().st_size / 1e6:.0f} MB, made in "
            f"{made_s:.0f} s; {source_lufs:.1f} LUFS, true peak {source_peak:.1f} dBTP"
        )
        bare_cmd = [ffmpeg(), "-v", "error", "-y", "-i", str(source), "-ac", "1", "-ar", "44100"]
        bare_cmd += ["-c:a", "libmp3lame", "-b:a", "64k", str(work / "bare.mp3")]
        ours_cmd = [sys.executable, __file__, "--child", str(source), str(work / "radiocast.mp3")]
        bare: list[tuple[float, float]] = []
        ours: list[tuple[float, float]] = []
        report: dict[str, float] = {}
        for _ in range(args.repeat):
            wall, cpu, _out = timed(bare_cmd)
            bare.append((wall, cpu))
            wall, cpu, out = timed(ours_cmd)
            ours.append((wall, cpu))
            report = json.loads(out)
        bare_wall = statistics.median(w for w, _ in bare)
        ours_wall = statistics.median(w for w, _ in ours)
        bare_cpu = statistics.median(c for _, c in bare)
        ours_cpu = statistics.median(c for _, c in ours)
        loudness, peak = independent_loudness(work / "radiocast.mp3")
        rss = report["python_rss_mb"] + report["ffmpeg_rss_mb"]
        ratio = ours_wall / bare_wall
        goals = {
            "ratio": ratio <= 1.5,
            "rss": rss <= 300,
            "loudness": abs(loudness + 16.0) <= 1.0 and peak <= -1.0,
        }
        print(f"bare ffmpeg:  {bare_wall:6.1f} s wall  {bare_cpu:6.1f} s CPU")
        print(f"radiocast:    {ours_wall:6.1f} s wall  {ours_cpu:6.1f} s CPU")
        print(f"ratio:        {ratio:6.2f} wall ({ours_cpu / bare_cpu:.2f} CPU)   goal <= 1.5  {_ok(goals['ratio'])}")
        print(
            f"peak RSS:     {rss:6.0f} MB (python {report['python_rss_mb']:.0f} + ffmpeg {report['ffmpeg_rss_mb']:.0f})"
            f"   goal <= 300  {_ok(goals['rss'])}"
        )
        print(
            f"result:       {loudness:6.1f} LUFS, {peak:.1f} dBTP (ebur128, independent; radiocast said "
            f"{report['loudness_lufs']:.1f} / {report['true_peak_dbtp']:.1f})   goal -16 +-1, <= -1  {_ok(goals['loudness'])}"
        )
        return 0 if all(goals.values()) else 1
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ok(met: bool) -> str:
    return "ok" if met else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
