"""Transcript alignment error on synthetic speech whose sentence starts are known.

eSpeak NG reads the seed article's sentences (known starts), the speech is encoded to MP3
and decoded again with ffmpeg, and ``align_sentences`` times the sentences from the decoded
samples and the sentence texts alone. Prints the median and maximum absolute error of the
sentence start times. Goal: median <= 0.5 s.

Usage: .venv/bin/python benchmarks/alignment.py [SEED] [--rate WPM] [--pause MS]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from radiocast.audio import ffmpeg_path
from radiocast.seeds import read_article
from radiocast.speech import align_sentences, decode_mono, split_paragraphs
from radiocast.speech._espeak import SENTENCE_PAUSE_MS, synthesize, write_wav
from radiocast.speech._sentences import speakable

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_8d475bc5d7e1daab.txt"
GOAL_MEDIAN_S = 0.5


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seed", nargs="?", type=Path, default=SEED)
    parser.add_argument("--rate", type=int, default=160, help="speech rate, words per minute")
    parser.add_argument("--pause", type=int, default=SENTENCE_PAUSE_MS, help="pause between sentences, ms")
    args = parser.parse_args()

    article = read_article(args.seed, seed=args.seed.name, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    text = split_paragraphs([article.title, article.lead, *article.paragraphs])
    synthesis = synthesize(
        [speakable(s) for s in text.sentences],
        paragraph_breaks=text.paragraph_breaks,
        rate_wpm=args.rate,
        sentence_pause_ms=args.pause,
        paragraph_pause_ms=2 * args.pause,
    )
    with tempfile.TemporaryDirectory() as tmp:
        wav, mp3 = Path(tmp) / "speech.wav", Path(tmp) / "speech.mp3"
        write_wav(synthesis, wav)
        subprocess.run(
            [
                *(ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-nostdin", "-y", "-i", str(wav)),
                *("-ac", "1", "-ar", "44100", "-c:a", "libmp3lame", "-b:a", "64k", str(mp3)),
            ],
            check=True,
        )
        started = time.perf_counter()
        samples = decode_mono(mp3)
        decoded = time.perf_counter()
        cues = align_sentences(samples, 16000, text.sentences)
        aligned = time.perf_counter()

    truth = np.array(synthesis.sentence_starts_ms) / 1000
    found = np.array([cue.start_ms for cue in cues]) / 1000
    errors = np.abs(found - truth)
    print(f"seed: {args.seed.name}")
    print(
        f"sentences: {len(cues)}  speech: {synthesis.duration_ms / 1000:.1f} s  rate: {args.rate} wpm  pause: {args.pause} ms"
    )
    print(f"start error: median {np.median(errors):.3f} s, max {errors.max():.3f} s (goal: median <= 0.5 s)")
    print(f"sentences off by more than 0.5 s: {int((errors > 0.5).sum())}")
    print(f"decode {decoded - started:.3f} s, align {aligned - decoded:.3f} s")
    ok = float(np.median(errors)) <= GOAL_MEDIAN_S
    print(f"goal: median start error at most {GOAL_MEDIAN_S} s: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
