"""Speech: the machine voice (eSpeak NG), sentence splitting, narration, and aligning text to audio."""

from __future__ import annotations

from radiocast.speech._align import align_sentences, decode_mono
from radiocast.speech._espeak import EngineInfo, engine_info
from radiocast.speech._narrate import narrate
from radiocast.speech._sentences import split_paragraphs

__all__ = ["EngineInfo", "align_sentences", "decode_mono", "engine_info", "narrate", "split_paragraphs"]
