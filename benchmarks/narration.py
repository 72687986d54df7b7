"""Narration speed: seconds of speech eSpeak NG produces per second of work, for the seed article.

Times the whole text side too: splitting the title, lead and paragraphs into sentences and
making them speakable, then synthesising them with pauses. Goal: real-time factor >= 100.

Usage: .venv/bin/python benchmarks/narration.py [SEED] [--repeat N] [--rate WPM]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

from radiocast.seeds import read_article
from radiocast.speech import split_paragraphs
from radiocast.speech._espeak import Synthesis, synthesize
from radiocast.speech._sentences import speakable

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "000_8d475bc5d7e1daab.txt"
GOAL_FACTOR = 100


def narrate(paragraphs: list[str], rate_wpm: int) -> Synthesis:
    text = split_paragraphs(paragraphs)
    return synthesize([speakable(s) for s in text.sentences], paragraph_breaks=text.paragraph_breaks, rate_wpm=rate_wpm)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seed", nargs="?", type=Path, default=SEED)
    parser.add_argument("--repeat", type=int, default=5, help="runs to time (the best is reported)")
    parser.add_argument("--rate", type=int, default=160, help="speech rate, words per minute")
    args = parser.parse_args()

    article = read_article(args.seed, seed=args.seed.name, tz=ZoneInfo("Asia/Ho_Chi_Minh"))
    paragraphs = [article.title, article.lead, *article.paragraphs]
    started = time.perf_counter()
    synthesis = narrate(paragraphs, args.rate)  # the first run also loads and initialises the engine
    first = time.perf_counter() - started
    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        narrate(paragraphs, args.rate)
        runs.append(time.perf_counter() - started)
    speech_s = synthesis.duration_ms / 1000
    work_s = min(runs)
    print(f"seed: {args.seed.name}  sentences: {len(synthesis.sentence_starts_ms)}  rate: {args.rate} wpm")
    print(f"speech produced: {speech_s:.1f} s")
    print(f"work: {work_s:.3f} s (best of {args.repeat}; first run with engine start-up {first:.3f} s)")
    print(f"real-time factor: {speech_s / work_s:.0f}x (first run {speech_s / first:.0f}x; goal >= 100)")
    ok = speech_s / work_s >= GOAL_FACTOR
    print(f"goal: a real-time factor of at least {GOAL_FACTOR}: {'ok' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
