"""Offline narration of an article: its text made speakable, read by eSpeak NG, with timed cues."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from radiocast.speech._espeak import synthesize, write_wav
from radiocast.speech._sentences import speakable, split_paragraphs
from radiocast.transcripts import Cue


def narrate(paragraphs: Sequence[str], wav: Path, *, voice: str) -> list[Cue]:
    """Read *paragraphs* (title, lead, body: never captions) into *wav*; one cue per sentence.

    Sentences are split on the written text, so the cues show it as written, while the
    engine reads each one with numbers, dates and abbreviations expanded to words.
    """
    split = split_paragraphs(p for p in paragraphs if p.strip())
    spoken = [speakable(sentence) for sentence in split.sentences]
    synthesis = synthesize(spoken, voice=voice, paragraph_breaks=split.paragraph_breaks)
    write_wav(synthesis, wav)
    ends = synthesis.sentence_ends_ms or (*synthesis.sentence_starts_ms[1:], synthesis.duration_ms)
    return [
        Cue(start_ms=start, end_ms=max(end, start + 1), text=text)
        for text, start, end in zip(split.sentences, synthesis.sentence_starts_ms, ends, strict=True)
    ]
